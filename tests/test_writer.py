"""SummaryWriter's tensorboardX API: arguments, defaults, layouts and bad input, read back by TensorBoard."""

from __future__ import annotations

import glob
import json
import math
import os
import pathlib
import warnings

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary

from lightboard import FileWriter, SummaryWriter


def events_in(run_dir: str | os.PathLike[str]) -> list[Event]:
    """Every event of every file in ``run_dir``, in file-name order, as TensorBoard's loader reads it (unmigrated)."""
    files = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    return [event for path in files for event in LegacyEventFileLoader(path).Load()]


def values_in(run_dir: str | os.PathLike[str], tag: str) -> list[tuple[int, Summary.Value, float]]:
    """``(step, value, wall_time)`` of every value with ``tag`` in ``run_dir``."""
    return [
        (event.step, value, event.wall_time)
        for event in events_in(run_dir)
        for value in event.summary.value
        if value.tag == tag
    ]


def scalar_of(value: Summary.Value) -> float:
    """The number of a ``simple_value`` scalar."""
    assert value.WhichOneof("value") == "simple_value"
    return value.simple_value


def test_default_logdir_has_date_host_and_comment(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as writer:
        assert writer.get_logdir().startswith("runs" + os.sep)
        assert writer.get_logdir().endswith("_lr0.1")
    assert os.path.isdir(writer.get_logdir())


def test_log_dir_alias_pathlib_and_comment_ignored(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(log_dir=tmp_path / "a", comment="x") as writer:
        assert writer.logdir == str(tmp_path / "a")
    with SummaryWriter(tmp_path / "b", log_dir=tmp_path / "c") as writer:
        assert writer.logdir == str(tmp_path / "b")


def test_unknown_keyword_is_a_clear_type_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(TypeError, match="unexpected keyword arguments: bogus"):
        SummaryWriter(tmp_path, bogus=1)
    assert not list(tmp_path.iterdir())


def test_first_record_is_file_version_and_on_disk_at_once(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path)
    events = events_in(tmp_path)
    assert [e.file_version for e in events] == ["brain.Event:2"]
    writer.close()


def test_scalars_read_back_exactly(tmp_path: pathlib.Path) -> None:
    values = [0.1, -2.5, 1e-30, 3.4e38, 1e300, -1e300, math.nan, math.inf, -math.inf, 16777217.0, 7]
    expected = np.array(
        [0.1, -2.5, 1e-30, 3.4e38, math.inf, -math.inf, math.nan, math.inf, -math.inf, 16777216, 7], np.float32
    )
    with SummaryWriter(tmp_path) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("loss/train", value, step, walltime=1000.0 + step)
        writer.add_scalar("no step", 1.0)
    got = values_in(tmp_path, "loss/train")
    assert [step for step, _, _ in got] == list(range(len(values)))
    assert [wall for _, _, wall in got] == [1000.0 + i for i in range(len(values))]
    np.testing.assert_array_equal(np.array([scalar_of(v) for _, v, _ in got], dtype=np.float32), expected)
    assert values_in(tmp_path, "no_step")[0][0] == 0


@pytest.mark.parametrize(
    "value", [np.float64(2.5), np.array([[2.5]]), torch.tensor(2.5), torch.tensor([2.5], requires_grad=True)]
)
def test_scalar_inputs(tmp_path: pathlib.Path, value: object) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("x", value, 3)
    [(step, stored, _)] = values_in(tmp_path, "x")
    assert (step, scalar_of(stored)) == (3, 2.5)


def test_tag_cleaning_as_tensorboardx(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("/a b:c(d)", 1.0)
    assert [v.tag for e in events_in(tmp_path) for v in e.summary.value] == ["a_b_c_d_"]


def test_display_name_and_description(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("x", 1.0, 1, display_name="Pretty", summary_description="**desc**")
    [(_, value, _)] = values_in(tmp_path, "x")
    assert value.metadata.display_name == "Pretty"
    assert value.metadata.summary_description == "**desc**"
    assert scalar_of(value) == 1.0


def test_new_style_and_double_precision_store_float32_tensors(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("n", 0.5, 1, new_style=True)
        with pytest.warns(UserWarning, match="float32"):
            writer.add_scalar("d", 0.25, 2, new_style=True, double_precision=True)
    for tag, expected in (("n", 0.5), ("d", 0.25)):
        [(_, value, _)] = values_in(tmp_path, tag)
        assert value.tensor.dtype == 1  # DT_FLOAT: the only dtype RustBoard reads as a scalar
        assert list(value.tensor.float_val) == [expected]
        assert value.metadata.plugin_data.plugin_name == "scalars"
        assert value.metadata.data_class == 1


def test_bad_scalar_input(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"tag 'loss'.*shape \(3,\)"):
            writer.add_scalar("loss", np.ones(3))
        with pytest.raises(ValueError, match=r"tag 'loss'.*shape \(2, 2\)"):
            writer.add_scalar("loss", torch.ones(2, 2))
        with pytest.raises(TypeError, match="tag must be a str, got int"):
            writer.add_scalar(5, 1.0)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="tag must be a str, got list"):
            writer.add_scalar(["a"], 1.0)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="tag 'loss'"):
            writer.add_scalar("loss", "high")
        with pytest.raises(ValueError, match="int64"):
            writer.add_scalar("loss", 1.0, 1 << 64)
    assert values_in(tmp_path, "loss") == []


def test_add_scalars_layout_purge_and_metadata(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path, purge_step=5) as writer:
        with writer.use_metadata(global_step=7):
            writer.add_scalars("run_14h", {"xsinx": 1.0, "xcosx": np.float32(2.0), "tanx": torch.tensor(3.0)})
        writer.add_scalars("run_14h", {"xsinx": 4.0}, 8)
    for key, expected in (("xsinx", [(7, 1.0), (8, 4.0)]), ("xcosx", [(7, 2.0)]), ("tanx", [(7, 3.0)])):
        sub = tmp_path / "run_14h" / key
        assert [(s, scalar_of(v)) for s, v, _ in values_in(sub, "run_14h")] == expected
        starts = [e for e in events_in(sub) if e.HasField("session_log")]
        assert [(e.step, e.session_log.status) for e in starts] == [(5, 1), (5, 1)]


def test_export_scalars_to_json(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_scalar("plain", 1.0)  # not part of the export, as in tensorboardX
        writer.add_scalars("m", {"a": 0.1, "b": 2}, 3, walltime=10.0)
        writer.add_scalars("m", {"a": 0.2}, walltime=11.0)
        assert writer.scalar_dict == {
            str(tmp_path / "run" / "m" / "a"): [[10.0, 3, 0.1], [11.0, None, 0.2]],
            str(tmp_path / "run" / "m" / "b"): [[10.0, 3, 2.0]],
        }
        writer.export_scalars_to_json(tmp_path / "all.json")
        assert writer.scalar_dict == {}
        writer.add_scalars("m", {"b": 5.0}, 4, walltime=12.0)
        writer.export_scalars_to_json(tmp_path / "second.json")
    first = json.loads((tmp_path / "all.json").read_text())
    assert first[str(tmp_path / "run" / "m" / "a")] == [[10.0, 3, 0.1], [11.0, None, 0.2]]
    assert json.loads((tmp_path / "second.json").read_text()) == {str(tmp_path / "run" / "m" / "b"): [[12.0, 4, 5.0]]}


def test_histograms(tmp_path: pathlib.Path) -> None:
    values = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("w", values, 1)
        writer.add_histogram("w", torch.from_numpy(values), 2, bins="auto")
        writer.add_histogram("w", values.tolist(), 3, bins=10, max_bins=5)
        writer.add_histogram_raw("raw", 0.0, 2.0, 3, 3.0, 5.0, [1.0, 2.0], [1, 2], global_step=4)
    histos = values_in(tmp_path, "w")
    assert [step for step, _, _ in histos] == [1, 2, 3]
    for _, value, _ in histos:
        assert sum(value.histo.bucket) == 1000
        assert value.histo.num == 1000
        assert value.histo.min == float(values.min())
    assert len(histos[2][1].histo.bucket) <= 6
    [(_, raw, _)] = values_in(tmp_path, "raw")
    assert list(raw.histo.bucket_limit) == [1.0, 2.0] and list(raw.histo.bucket) == [1.0, 2.0]
    assert (raw.histo.min, raw.histo.max, raw.histo.num, raw.histo.sum, raw.histo.sum_squares) == (0, 2, 3, 3, 5)


def test_histogram_copies_values_and_records_nan(tmp_path: pathlib.Path) -> None:
    weights = torch.ones(1000)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("w", weights, 1)
        weights.mul_(-5.0)  # the training loop updates the tensor in place right away
        writer.add_histogram("nan", [math.nan, math.nan], 2)
    [(_, value, _)] = values_in(tmp_path, "w")
    assert (value.histo.min, value.histo.max, value.histo.sum) == (1.0, 1.0, 1000.0)
    [(_, nan, _)] = values_in(tmp_path, "nan")
    assert nan.histo.num == 2 and math.isnan(nan.histo.min) and list(nan.histo.bucket) == []


def test_bad_histogram_input(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="add_histogram: values for tag 'w' is empty"):
            writer.add_histogram("w", [])
        with pytest.raises(ValueError, match="add_histogram: cannot bin values for tag 'w'"):
            writer.add_histogram("w", [math.nan, 1.0], bins="auto")
        with pytest.raises(TypeError, match="tag 'w'"):
            writer.add_histogram("w", ["a", "b"])
        with pytest.raises(ValueError, match="increase monotonically"):
            writer.add_histogram("w", [1.0], bins=[3.0, 1.0])
        with pytest.raises(ValueError, match="max_bins for tag 'w' must be a positive int"):
            writer.add_histogram("w", [1.0], max_bins=0)
        with pytest.raises(ValueError, match="same length, got 2 and 1"):
            writer.add_histogram_raw("r", 0, 1, 1, 1, 1, [1.0, 2.0], [1])
    assert values_in(tmp_path, "w") == []


def test_text(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "# Title\n*ünïcode* ✓", 2)
        with pytest.raises(TypeError, match="add_text: text_string for tag 'notes' must be a str"):
            writer.add_text("notes", 5)  # type: ignore[arg-type]
    [(step, value, _)] = values_in(tmp_path, "notes/text_summary")
    assert step == 2
    assert value.tensor.string_val == ["# Title\n*ünïcode* ✓".encode()]
    assert [d.size for d in value.tensor.tensor_shape.dim] == [1]
    assert value.metadata.plugin_data.plugin_name == "text"


def test_use_metadata_defaults_and_restores_on_error(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(KeyError), writer.use_metadata(global_step=9):
            writer.add_scalar("a", 1.0)
            raise KeyError("boom")
        with writer.use_metadata(walltime=123.0):
            writer.add_scalar("b", 1.0, 4)
        writer.add_scalar("c", 1.0)
        with pytest.raises(ValueError, match="needs global_step"), writer.use_metadata():
            pass
        with writer.use_metadata(global_step=1), pytest.raises(RuntimeError, match="nested"):
            with writer.use_metadata(global_step=2):
                pass
    [(step_a, _, wall_a)] = values_in(tmp_path, "a")
    assert step_a == 9 and wall_a > 1e9  # walltime still means "now"
    assert [(s, w) for s, _, w in values_in(tmp_path, "b")] == [(4, 123.0)]
    assert values_in(tmp_path, "c")[0][0] == 0


def test_write_to_disk_false_touches_nothing(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "nothing"
    with SummaryWriter(target, write_to_disk=False) as writer:
        writer.add_scalar("a", 1.0)
        writer.add_scalars("m", {"a": 1.0})
        writer.add_histogram("h", [1.0])
        writer.add_text("t", "x")
        writer.flush()
        with pytest.raises(ValueError, match="shape"):
            writer.add_scalar("a", [1.0, 2.0])
    assert not target.exists()


def test_file_writer_api(tmp_path: pathlib.Path) -> None:
    from lightboard.proto.event_pb2 import Event as LightboardEvent
    from lightboard.proto.summary_pb2 import Summary as LightboardSummary

    writer = FileWriter(tmp_path, max_queue=3, flush_secs=1)
    assert writer.get_logdir() == str(tmp_path)
    summary = LightboardSummary(value=[LightboardSummary.Value(tag="s", simple_value=2.0)])
    writer.add_summary(summary, global_step=5, walltime=50.0)
    writer.add_event(LightboardEvent(summary=summary), step=6)
    with writer.use_metadata(global_step=8):
        writer.add_summary(summary)
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.add_summary(summary)
    writer.reopen()
    writer.add_summary(summary, 9)
    writer.close()
    assert [(s, w == 50.0) for s, _, w in values_in(tmp_path, "s")] == [(5, True), (6, False), (8, False), (9, False)]
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 2


def test_reuse_after_close_opens_a_new_file(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path)
    writer.add_scalar("a", 1.0, 1)
    writer.close()
    writer.close()
    writer.add_scalar("a", 2.0, 2)
    writer.close()
    assert [(s, scalar_of(v)) for s, v, _ in values_in(tmp_path, "a")] == [(1, 1.0), (2, 2.0)]
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 2


def test_default_bins_match_tensorflow_edges(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path, write_to_disk=False) as writer:
        bins = writer.default_bins
    assert len(bins) == 1549 and bins[774] == 0.0 and bins[775] == 1e-12


def test_comet_config_warns_when_enabled(tmp_path: pathlib.Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SummaryWriter(tmp_path / "a", comet_config={"disabled": True}).close()
    with pytest.warns(UserWarning, match="Comet"):
        SummaryWriter(tmp_path / "b", comet_config={"disabled": False}).close()


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")  # jax, imported by other tests, warns on any fork
def test_export_history_spills_to_disk_and_forked_children_start_empty(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        for step in range(5000):  # more than one 64 KiB spill
            writer.add_scalars("m", {"a": step * 0.5}, step, walltime=float(step))
        pid = os.fork()
        if pid == 0:  # the child logs its own values and exits without touching the parent's record
            try:
                writer.add_scalars("m", {"child": 1.0}, 1)
                ok = list(writer.scalar_dict) == [str(tmp_path / "run" / "m" / "child")]
            finally:
                os._exit(0 if ok else 1)
        assert os.waitpid(pid, 0)[1] == 0
        rows = writer.scalar_dict[str(tmp_path / "run" / "m" / "a")]
    assert rows == [[float(step), step, step * 0.5] for step in range(5000)]


def test_use_metadata_yields_the_writer_and_covers_file_writer_calls(tmp_path: pathlib.Path) -> None:
    from lightboard.proto.summary_pb2 import Summary as LightboardSummary

    with SummaryWriter(tmp_path) as writer, writer.use_metadata(global_step=11, walltime=5.0) as same:
        assert same is writer
        summary = LightboardSummary(value=[LightboardSummary.Value(tag="direct", simple_value=1.0)])
        writer.file_writer.add_summary(summary)
    assert [(s, w) for s, _, w in values_in(tmp_path, "direct")] == [(11, 5.0)]


def test_purge_step_applies_to_the_first_file_of_each_run_only(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, purge_step=5)
    writer.add_scalar("a", 1.0, 5)
    writer.add_scalars("m", {"k": 1.0}, 5)
    writer.close()
    writer.add_scalar("a", 2.0, 20)  # reuse after close: a new file, but no second resume
    writer.add_scalars("m", {"k": 2.0}, 20)
    writer.close()
    for run in (tmp_path, tmp_path / "m" / "k"):
        starts = [e.step for e in events_in(run) if e.HasField("session_log")]
        assert starts == [5, 5]
        assert len(glob.glob(str(run / "events.out.tfevents.*"))) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda w: w.add_histogram("h", [1.0], 1 << 70),
        lambda w: w.add_text("t", "x", -(1 << 64)),
        lambda w: w.add_scalars("m", {"a": 1.0}, 1 << 63),
        lambda w: w.add_scalar("s", 1.0, 1 << 63, display_name="d"),
    ],
)
def test_steps_beyond_int64_are_refused_before_anything_is_written(tmp_path: pathlib.Path, call: object) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="int64"):
            call(writer)  # type: ignore[operator]
        writer.add_scalar("after", 1.0, 1)
    assert [(s, scalar_of(v)) for s, v, _ in values_in(tmp_path, "after")] == [(1, 1.0)]
    assert [v.tag for e in events_in(tmp_path) for v in e.summary.value] == ["after"]


def test_add_scalars_checks_every_value_before_queueing_any(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"tag_scalar_dict\['b'\] for tag 'm'"):
            writer.add_scalars("m", {"a": 1.0, "b": [1.0, 2.0]}, 1)
        assert writer.scalar_dict == {}
    assert not (tmp_path / "m").exists()


def test_closing_the_file_writer_behind_the_writers_back(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("a", 1.0, 1)
        writer.file_writer.close()
        writer.add_scalar("a", 2.0, 2)
        writer.add_text("t", "still here", 3)
    assert [(s, scalar_of(v)) for s, v, _ in values_in(tmp_path, "a")] == [(1, 1.0), (2, 2.0)]
    assert len(values_in(tmp_path, "t/text_summary")) == 1


def test_tensorboardx_attributes(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        assert writer.kwargs == {}
        assert writer.default_bins is writer.default_bins  # computed once
        writer.default_bins = [0.0, 1.0]
        writer.add_scalars("m", {"a": 1.0}, 1, walltime=2.0)
        key = str(tmp_path / "m" / "a")
        writer.scalar_dict = {key: [[3.0, 4, 5.0]]}
        assert writer.scalar_dict == {key: [[3.0, 4, 5.0]]}
        writer.scalar_dict = {}
        assert writer.scalar_dict == {}


def test_file_writer_graph_events_and_dummy_surface(tmp_path: pathlib.Path) -> None:
    from lightboard.file_writer import DummyFileWriter
    from lightboard.proto.graph_pb2 import GraphDef, NodeDef
    from lightboard.proto.run_metadata_pb2 import RunMetadata, StepStats

    graph = GraphDef(node=[NodeDef(name="input", op="IO Node"), NodeDef(name="out", op="aten::relu", input=["input"])])
    metadata = RunMetadata(step_stats=StepStats())
    writer = FileWriter(tmp_path)
    writer.add_graph((graph, metadata), walltime=3.0)
    writer.add_onnx_graph(graph)
    writer.close()
    events = events_in(tmp_path)
    graphs = [e for e in events if e.graph_def]
    assert len(graphs) == 2 and graphs[0].wall_time == 3.0
    assert [n.name for n in GraphDef.FromString(graphs[1].graph_def).node] == ["input", "out"]
    assert [e.tagged_run_metadata.tag for e in events if e.HasField("tagged_run_metadata")] == ["step1"]
    dummy = DummyFileWriter(tmp_path / "none")
    for method in ("add_graph", "add_onnx_graph", "add_openvino_graph", "add_event", "add_summary", "flush"):
        getattr(dummy, method)(graph)
    assert not (tmp_path / "none").exists()
