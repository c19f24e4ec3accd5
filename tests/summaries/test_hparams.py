"""``add_hparams``: tensorboardX's layout (a session run per call), values of every kind, and the bad-input matrix.

The files are read back with TensorBoard's own loader and protos (``tensorboard.plugins.hparams``), so a
field that TensorBoard would misread fails here, not only in the HTTP conformance test.
"""

from __future__ import annotations

import collections
import glob
import math
import os
import pathlib
import types
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import metadata as hp_metadata
from tensorboard.util import tensor_util

from lightboard import SummaryWriter
from lightboard.summaries import hparams

EXPERIMENT, START, END = (
    hp_metadata.EXPERIMENT_TAG,
    hp_metadata.SESSION_START_INFO_TAG,
    hp_metadata.SESSION_END_INFO_TAG,
)


def events(run_dir: str) -> list[Event]:
    """Every event of the run directory ``run_dir`` (not its sub-runs), as TensorBoard's loader reads it."""
    paths = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    return [event for path in paths for event in LegacyEventFileLoader(path).Load()]


def values(run_dir: str) -> dict[str, list[tuple[int, float, Any]]]:
    """``{tag: [(step, wall_time, Summary.Value)]}`` of a run."""
    found: dict[str, list[tuple[int, float, Any]]] = {}
    for event in events(run_dir):
        for value in event.summary.value:
            found.setdefault(value.tag, []).append((event.step, event.wall_time, value))
    return found


def session(run_dir: str) -> tuple[api_pb2.Experiment, Any, Any]:
    """The experiment, session start info and session end info of a run, parsed by TensorBoard."""
    found = values(run_dir)
    for tag in (EXPERIMENT, START, END):
        (_, _, value) = found[tag][0]
        assert value.metadata.plugin_data.plugin_name == "hparams"
        assert value.metadata.data_class == 2  # DATA_CLASS_TENSOR
        null = tensor_util.make_ndarray(value.tensor)  # TensorBoard's NULL_TENSOR: float32, shape [0]
        assert null.dtype == np.float32 and null.shape == (0,)
    content = {tag: found[tag][0][2].metadata.plugin_data.content for tag in (EXPERIMENT, START, END)}
    return (
        hp_metadata.parse_experiment_plugin_data(content[EXPERIMENT]),
        hp_metadata.parse_session_start_info_plugin_data(content[START]),
        hp_metadata.parse_session_end_info_plugin_data(content[END]),
    )


def python_value(value: Any) -> Any:
    """A ``google.protobuf.Value`` as bool, float or str."""
    return getattr(value, value.WhichOneof("kind"))


def only_subdir(logdir: str) -> str:
    (name,) = [entry for entry in os.listdir(logdir) if os.path.isdir(os.path.join(logdir, entry))]
    return os.path.join(logdir, name)


# -- layout ----------------------------------------------------------------------------------------------------


def test_session_run_holds_the_three_summaries_and_the_metrics(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("train/loss", 1.0)
        writer.add_hparams(
            {"lr": 0.1, "opt": "adam", "bn": True}, {"hparam/acc": 0.75, "hparam/loss": 0.5}, name="trial"
        )
    run = str(tmp_path / "trial")
    experiment, start, end = session(run)
    assert [(info.name, info.type) for info in experiment.hparam_infos] == [
        ("lr", api_pb2.DATA_TYPE_FLOAT64),
        ("opt", api_pb2.DATA_TYPE_STRING),
        ("bn", api_pb2.DATA_TYPE_BOOL),
    ]
    assert [(info.name.group, info.name.tag) for info in experiment.metric_infos] == [
        ("", "hparam/acc"),
        ("", "hparam/loss"),
    ]
    assert {key: python_value(value) for key, value in start.hparams.items()} == {"lr": 0.1, "opt": "adam", "bn": True}
    assert end.status == api_pb2.STATUS_SUCCESS
    assert start.start_time_secs > 0 and end.end_time_secs >= start.start_time_secs
    found = values(run)
    assert [(step, value.simple_value) for step, _, value in found["hparam/acc"]] == [(0, 0.75)]
    assert [(step, value.simple_value) for step, _, value in found["hparam/loss"]] == [(0, 0.5)]
    assert set(found) == {EXPERIMENT, START, END, "hparam/acc", "hparam/loss"}
    assert "_hparams_/experiment" not in values(str(tmp_path))  # the writer's own run is untouched


def test_global_step_applies_to_every_value(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, name="s", global_step=42)
    assert {step for tagged in values(str(tmp_path / "s")).values() for step, _, _ in tagged} == {42}


def test_use_metadata_step_and_walltime_are_the_defaults(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer, writer.use_metadata(global_step=9, walltime=1234.5):
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, name="s")
    assert {(step, wall) for tagged in values(str(tmp_path / "s")).values() for step, wall, _ in tagged} == {
        (9, 1234.5)
    }


def test_default_name_is_a_new_time_named_run_per_call(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        for index in range(3):
            writer.add_hparams({"i": index}, {"m": float(index)})
    runs = sorted(entry for entry in os.listdir(tmp_path) if os.path.isdir(tmp_path / entry))
    assert len(runs) == 3
    assert all(abs(float(name) - float(runs[0])) < 60 for name in runs)  # str(time.time()), as tensorboardX
    assert sorted(python_value(session(str(tmp_path / name))[1].hparams["i"]) for name in runs) == [0.0, 1.0, 2.0]


def test_run_name_is_torchs_alias_of_name(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, run_name="torch_style")
        writer.add_hparams({"lr": 0.2}, {"m": 1.0}, name="both", run_name="both")
    assert python_value(session(str(tmp_path / "torch_style"))[1].hparams["lr"]) == 0.1
    assert python_value(session(str(tmp_path / "both"))[1].hparams["lr"]) == 0.2


def test_same_run_writes_into_the_writers_own_run(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("hparam/acc", 0.1, 1)
        writer.add_hparams({"lr": 0.1}, {"hparam/acc": 0.9}, global_step=2, same_run=True)
    assert not [entry for entry in os.listdir(tmp_path) if os.path.isdir(tmp_path / entry)]
    assert python_value(session(str(tmp_path))[1].hparams["lr"]) == 0.1
    assert [(step, value.simple_value) for step, _, value in values(str(tmp_path))["hparam/acc"]] == [
        (1, pytest.approx(0.1)),
        (2, pytest.approx(0.9)),
    ]


def test_name_dot_is_the_own_run_too(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, name=".")
        assert len(writer.all_writers or {}) == 1  # no second writer of the same directory
    assert python_value(session(str(tmp_path))[1].hparams["lr"]) == 0.1


def test_a_second_session_in_the_same_run_warns(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, name="s")
        with pytest.warns(UserWarning, match="already holds hparams"):
            writer.add_hparams({"lr": 0.2}, {"m": 1.0}, name="s")
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, same_run=True)
        with pytest.warns(UserWarning, match="already holds hparams"):
            writer.add_hparams({"lr": 0.2}, {"m": 1.0}, same_run=True)


def test_data_is_on_disk_right_after_the_call(tmp_path: Any) -> None:
    writer = SummaryWriter(str(tmp_path), flush_secs=3600, max_queue=1000)
    try:
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, name="s")
        assert set(values(str(tmp_path / "s"))) == {EXPERIMENT, START, END, "m"}  # before flush or close
    finally:
        writer.close()


def test_write_to_disk_false_touches_no_file(tmp_path: Any) -> None:
    logdir = tmp_path / "never"
    with SummaryWriter(str(logdir), write_to_disk=False) as writer:
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, name="s")
        writer.add_hparams({"lr": 0.1}, {"m": 1.0})
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, same_run=True)
    assert not logdir.exists()


def test_any_mapping_is_accepted(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams(
            collections.OrderedDict(lr=0.1), types.MappingProxyType({"m": 1.0}), name="s"
        )  # tensorboardX accepts only dict
    assert python_value(session(str(tmp_path / "s"))[1].hparams["lr"]) == 0.1


def test_metric_tags_are_cleaned_in_the_metric_info_and_the_scalar_alike(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.1}, {"acc (val)": 0.5}, name="s")
    experiment, _, _ = session(str(tmp_path / "s"))
    assert [info.name.tag for info in experiment.metric_infos] == ["acc__val_"]
    assert "acc__val_" in values(str(tmp_path / "s"))


def test_empty_dicts_write_an_empty_session(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({}, {}, name="s")
    experiment, start, _ = session(str(tmp_path / "s"))
    assert not experiment.hparam_infos and not experiment.metric_infos and not start.hparams


# -- values ----------------------------------------------------------------------------------------------------


def relu(x: float) -> float:
    return max(x, 0.0)


VALUES = [  # (value, DataType, stored value)
    (0.1, api_pb2.DATA_TYPE_FLOAT64, 0.1),
    (3, api_pb2.DATA_TYPE_FLOAT64, 3.0),
    (2**70, api_pb2.DATA_TYPE_FLOAT64, float(2**70)),
    (np.float64(0.25), api_pb2.DATA_TYPE_FLOAT64, 0.25),
    (np.float32(0.1), api_pb2.DATA_TYPE_FLOAT64, 0.1),  # the decimal written, not 0.10000000149011612
    (np.float16(0.1), api_pb2.DATA_TYPE_FLOAT64, 0.1),
    (np.int64(7), api_pb2.DATA_TYPE_FLOAT64, 7.0),
    (np.uint8(200), api_pb2.DATA_TYPE_FLOAT64, 200.0),
    (np.array(0.5), api_pb2.DATA_TYPE_FLOAT64, 0.5),
    (np.array([[4]]), api_pb2.DATA_TYPE_FLOAT64, 4.0),
    (torch.tensor(0.001), api_pb2.DATA_TYPE_FLOAT64, 0.001),
    (torch.tensor([16], dtype=torch.int64), api_pb2.DATA_TYPE_FLOAT64, 16.0),
    (torch.tensor(0.5, dtype=torch.bfloat16), api_pb2.DATA_TYPE_FLOAT64, 0.5),
    (math.inf, api_pb2.DATA_TYPE_FLOAT64, math.inf),
    (True, api_pb2.DATA_TYPE_BOOL, True),
    (np.bool_(False), api_pb2.DATA_TYPE_BOOL, False),
    (np.array(True), api_pb2.DATA_TYPE_BOOL, True),
    (torch.tensor(False), api_pb2.DATA_TYPE_BOOL, False),
    ("adam", api_pb2.DATA_TYPE_STRING, "adam"),
    (np.str_("sgd"), api_pb2.DATA_TYPE_STRING, "sgd"),
    ("", api_pb2.DATA_TYPE_STRING, ""),
    (relu, api_pb2.DATA_TYPE_STRING, "relu"),  # tensorboardX: a callable by its __name__
    (torch.nn.ReLU, api_pb2.DATA_TYPE_STRING, "ReLU"),
]


@pytest.mark.parametrize(("value", "data_type", "stored"), VALUES, ids=[repr(v[0])[:40] for v in VALUES])
def test_hparam_values_of_every_kind(value: Any, data_type: int, stored: Any) -> None:
    param = hparams.hparam("x", value)
    assert param is not None
    assert param.type == data_type
    got = python_value(param.value)
    assert got == stored and type(got) is type(stored)


def test_nan_is_recorded_as_it_is() -> None:
    param = hparams.hparam("x", math.nan)
    assert param is not None and math.isnan(param.value.number_value)


def test_numpy_and_torch_values_reach_the_file(tmp_path: Any) -> None:
    hparam_dict = {"a": np.float32(0.5), "b": torch.tensor(3), "c": np.bool_(True), "d": None, "e": np.array(2.5)}
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams(hparam_dict, {"m": torch.tensor(0.25), "n": np.float64(2.0)}, name="s")
    experiment, start, _ = session(str(tmp_path / "s"))
    assert {key: python_value(value) for key, value in start.hparams.items()} == {
        "a": 0.5,
        "b": 3.0,
        "c": True,
        "e": 2.5,
    }
    assert [info.name for info in experiment.hparam_infos] == ["a", "b", "c", "e"]  # None is skipped
    found = values(str(tmp_path / "s"))
    assert found["m"][0][2].simple_value == 0.25 and found["n"][0][2].simple_value == 2.0


def test_domain_discrete_is_written_for_each_type(tmp_path: Any) -> None:
    domains = {"opt": ["adam", "sgd"], "layers": [2, 4, np.int64(8)], "bn": [True, False]}
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams(
            {"opt": "sgd", "layers": 4, "bn": True, "lr": 0.1}, {"m": 1.0}, name="s", hparam_domain_discrete=domains
        )
    experiment, _, _ = session(str(tmp_path / "s"))
    found = {info.name: info for info in experiment.hparam_infos}
    assert [python_value(v) for v in found["opt"].domain_discrete.values] == ["adam", "sgd"]
    assert [python_value(v) for v in found["layers"].domain_discrete.values] == [2.0, 4.0, 8.0]
    assert [python_value(v) for v in found["bn"].domain_discrete.values] == [True, False]
    assert found["lr"].WhichOneof("domain") is None


def test_value_outside_its_domain_warns_and_is_written(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer, pytest.warns(UserWarning, match="not in hparam_domain_discrete"):
        writer.add_hparams({"opt": "rmsprop"}, {"m": 1.0}, name="s", hparam_domain_discrete={"opt": ["adam"]})
    assert python_value(session(str(tmp_path / "s"))[1].hparams["opt"]) == "rmsprop"


# -- bad input -------------------------------------------------------------------------------------------------

BAD_HPARAMS = [  # (hparam value, error)
    ([0.1, 0.2], TypeError),
    ([0.1], TypeError),  # a list is not a number, even with one element
    ((1,), TypeError),
    ({"nested": 1}, TypeError),
    (np.zeros(3), TypeError),
    (torch.zeros(2, 2), TypeError),
    (np.zeros(0), TypeError),
    (1 + 2j, TypeError),
    (np.complex64(1), TypeError),
    (b"bytes", TypeError),
    (object(), TypeError),
]


@pytest.mark.parametrize(("value", "error"), BAD_HPARAMS, ids=[repr(v[0])[:30] for v in BAD_HPARAMS])
def test_bad_hparam_values_raise_naming_the_key(tmp_path: Any, value: Any, error: type[Exception]) -> None:
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(error, match=r"add_hparams: hparam_dict\['bad'\]"):
        writer.add_hparams({"ok": 1, "bad": value}, {"m": 1.0}, name="s")
    assert not (tmp_path / "s").exists()  # checked before anything is written


BAD_CALLS = [  # (kwargs, error, message)
    ({"hparam_dict": [("lr", 0.1)]}, TypeError, "hparam_dict must be a mapping"),
    ({"metric_dict": 0.5}, TypeError, "metric_dict must be a mapping"),
    ({"hparam_dict": {1: 0.1}}, TypeError, "hparam_dict keys must be str"),
    ({"metric_dict": {2: 0.5}}, TypeError, "tag must be a str"),
    ({"metric_dict": {"m": [1.0, 2.0]}}, ValueError, r"metric_dict\['m'\].*single number"),
    ({"metric_dict": {"m": np.zeros(0)}}, ValueError, r"metric_dict\['m'\].*single number"),
    ({"metric_dict": {"m": "high"}}, TypeError, r"metric_dict\['m'\]"),
    ({"metric_dict": {"m": None}}, TypeError, r"metric_dict\['m'\]"),
    ({"metric_dict": {"a b": 1.0, "a_b": 2.0}}, ValueError, "both become the tag 'a_b'"),
    ({"name": "x", "run_name": "y"}, ValueError, "disagree"),
    ({"name": 5}, TypeError, "name must be a str"),
    ({"name": {"opt": ["a"]}}, TypeError, "hparam_domain_discrete by keyword"),  # torch's positional order
    ({"name": "x", "same_run": True}, ValueError, "same_run=True"),
    ({"hparam_domain_discrete": {"nope": [1]}}, ValueError, "'nope', which is not in hparam_dict"),
    ({"hparam_domain_discrete": [1, 2]}, TypeError, "hparam_domain_discrete must be a mapping"),
    ({"hparam_domain_discrete": {"lr": []}}, ValueError, r"hparam_domain_discrete\['lr'\] is empty"),
    ({"hparam_domain_discrete": {"lr": 0.1}}, TypeError, r"hparam_domain_discrete\['lr'\] must be a list"),
    ({"hparam_domain_discrete": {"lr": "abc"}}, TypeError, r"hparam_domain_discrete\['lr'\] must be a list"),
    (
        {"hparam_domain_discrete": {"lr": [0.1, "fast"]}},
        TypeError,
        r"hparam_domain_discrete\['lr'\]\[1\] must be a real",
    ),
    ({"hparam_domain_discrete": {"lr": [0.1, None]}}, TypeError, r"hparam_domain_discrete\['lr'\]\[1\]"),
    ({"hparam_domain_discrete": {"lr": [[0.1]]}}, TypeError, r"hparam_domain_discrete\['lr'\]\[0\]"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_CALLS, ids=[v[2][:40] for v in BAD_CALLS])
def test_bad_calls_raise_clear_errors(
    tmp_path: Any, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments: dict[str, Any] = {"hparam_dict": {"lr": 0.1}, "metric_dict": {"m": 1.0}, **kwargs}
    with SummaryWriter(str(tmp_path)) as writer:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(error, match=message):
                writer.add_hparams(**arguments)
    assert sorted(os.listdir(tmp_path)) == sorted(e for e in os.listdir(tmp_path) if e.startswith("events.out"))


def test_parse_rejects_other_plugins() -> None:
    from lightboard.proto.summary_pb2 import Summary

    with pytest.raises(ValueError, match="not an hparams summary"):
        hparams.parse(Summary.Value(tag="x", simple_value=1.0))
    summary = hparams.summary([hparams.hparam("lr", 0.5)], ["m"], 1.0)  # type: ignore[list-item]
    assert hparams.parse(summary.value[1]).session_start_info.hparams["lr"].number_value == 0.5


def test_works_after_close(tmp_path: Any) -> None:
    writer = SummaryWriter(str(tmp_path))
    writer.add_hparams({"lr": 0.1}, {"m": 1.0}, name="before")
    writer.close()
    writer.add_hparams({"lr": 0.2}, {"m": 2.0}, name="after")  # as tensorboardX: a closed writer carries on
    writer.flush()
    writer.close()
    assert python_value(session(str(tmp_path / "after"))[1].hparams["lr"]) == 0.2


def test_each_session_run_is_closed_after_add_hparams(tmp_path: pathlib.Path) -> None:
    from lightboard import SummaryWriter

    with SummaryWriter(tmp_path) as writer:
        for trial in range(3):
            writer.add_hparams({"lr": 0.1 * trial}, {"loss": 1.0}, name=f"trial{trial}")
        assert writer.all_writers is not None and list(writer.all_writers) == [str(tmp_path)]
