"""Files written by tensorboardX, torch.utils.tensorboard and TensorFlow (v1 and v2) read right.

The fixtures and ``expected.json`` come from ``scripts/make_reader_fixtures.py``: the expectations are the
values those writers were given (rounded as their on-disk types round them), not what any reader returned.
"""

from __future__ import annotations

import io
import json
import math
import wave
from pathlib import Path

import numpy as np
import pytest

import lightboard
from lightboard.proto.layout_pb2 import Layout
from lightboard.summaries import custom_scalars, mesh

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
CASES = [
    (writer, run, tag, entry)
    for writer, runs in EXPECTED.items()
    for run, tags in runs.items()
    for tag, entry in tags.items()
]


def number(value: float | str) -> float:
    return float(value) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def logdirs() -> dict[str, lightboard.Logdir]:
    return {writer: lightboard.read(FIXTURES / writer) for writer in EXPECTED}


def test_every_run_is_found_and_nothing_is_damaged(logdirs: dict[str, lightboard.Logdir]) -> None:
    for writer, logdir in logdirs.items():
        assert logdir.runs == sorted(EXPECTED[writer]), writer
        assert logdir.damage == [], writer
        for run in logdir:
            tags = {tag for kind_tags in run.tags().values() for tag in kind_tags}
            assert tags == set(EXPECTED[writer][run.name]), (writer, run.name)


@pytest.mark.parametrize(("writer", "run", "tag", "entry"), CASES, ids=[f"{w}:{r}:{t}" for w, r, t, _ in CASES])
def test_tag_reads_right(logdirs: dict[str, lightboard.Logdir], writer: str, run: str, tag: str, entry: dict) -> None:
    reader = logdirs[writer].run(run)
    kind = entry["kind"]
    assert reader.kind(tag) == kind
    steps = entry.get("preempted_steps", entry["steps"])
    if kind == "scalars":
        series = reader.scalars(tag)
        np.testing.assert_array_equal(series.step, steps)
        expected = [number(v) for v in entry.get("preempted_values", entry["values"])]
        np.testing.assert_array_equal(series.value.astype(np.float64), expected)  # NaN == NaN here
        if "wall_times" in entry and "preempted_steps" not in entry:
            np.testing.assert_array_equal(series.wall_time, entry["wall_times"])
        with np.errstate(over="ignore"):
            narrow = any(np.float32(v) != v for v in expected if math.isfinite(v))
        if entry.get("dtype") == "DT_DOUBLE" and narrow:
            assert series.value.dtype == np.float64
        if "display_name" in entry:
            assert reader.metadata(tag).display_name == entry["display_name"]
    elif kind == "histograms":
        points = reader.histograms(tag)
        assert [p.step for p in points] == steps
        for point, num, low, high in zip(points, entry["num"], entry["min"], entry["max"], strict=True):
            assert point.counts.sum() == num
            assert point.edges[0] <= low and point.edges[-1] >= high
            assert np.all(np.diff(point.edges) >= 0)
    elif kind == "images":
        points = reader.images(tag)
        assert [p.step for p in points] == [s for s in steps for _ in range(entry["count"])]
        for point in points:
            assert (point.width, point.height) == (entry["width"], entry["height"])
            pixels = point.to_array()
            assert pixels.shape[:2] == (entry["height"], entry["width"])
            assert point.encoded[:3] == (b"GIF" if entry["format"] == "GIF" else b"\x89PN")
    elif kind == "audio":
        points = reader.audio(tag)
        assert [p.step for p in points] == [s for s in steps for _ in range(entry["count"])]
        for point in points:
            assert point.sample_rate == entry["sample_rate"]
            samples, rate = point.to_array()
            assert samples.shape == (entry["frames"], entry["channels"]) and rate == entry["sample_rate"]
            with wave.open(io.BytesIO(point.encoded)) as wav:
                assert wav.getnframes() == entry["frames"]
    elif kind == "text":
        points = reader.text(tag)
        assert [p.step for p in points] == steps
        for point, text in zip(points, entry["texts"], strict=True):
            assert point.text == (text[0] if isinstance(text, list) and len(text) == 1 else text)
    elif kind == "pr_curves":
        points = reader.pr_curves(tag)
        assert [p.step for p in points] == steps
        for point in points:
            assert point.data.shape == (6, entry["num_thresholds"])
            assert np.all((point.precision >= 0) & (point.precision <= 1))
    elif kind == "mesh":
        (step, _, value), *rest = reader.values(tag)
        assert not rest and step == steps[0]
        data, array = mesh.parse(value if value.HasField("metadata") else _with_metadata(reader, tag, value))
        assert data.name == entry["name"] and list(array.shape) == entry["shape"]
    elif kind == "custom_scalars":
        (_, _, value), *_ = reader.values(tag)
        layout = custom_scalars.parse(value)
        assert isinstance(layout, Layout)
        assert [category.title for category in layout.category] == [c["title"] for c in entry["layout"]]
    elif kind == "hparams":
        assert [step for step, _, _ in reader.values(tag)] == steps
    else:
        pytest.fail(f"unexpected kind {kind}")


def _with_metadata(run: lightboard.reader.Run, tag: str, value):
    value.metadata.CopyFrom(run.metadata(tag))
    return value


def test_restarts_keep_gives_every_point_in_file_order(logdirs: dict[str, lightboard.Logdir]) -> None:
    for writer in ("tensorflow", "tensorboardx"):
        run = "restart" if writer == "tensorflow" else "restart_purge"
        raw = lightboard.read(FIXTURES / writer / run, restarts="keep")
        for tag, entry in EXPECTED[writer][run].items():
            series = raw.scalars(".", tag)
            np.testing.assert_array_equal(series.step, entry["steps"])
            np.testing.assert_array_equal(series.value, [number(v) for v in entry["values"]])


def test_hparams_table(logdirs: dict[str, lightboard.Logdir]) -> None:
    for writer in ("tensorboardx", "torch"):
        table = logdirs[writer].hparams()
        entry = EXPECTED[writer]["hparams_trial"]
        (row,) = table.to_dict("records")
        assert row["run"] == "hparams_trial"
        for name, value in entry["_hparams_/session_start_info"]["hparams"].items():
            assert row[name] == value
        metric = EXPECTED[writer]["hparams_trial"]["hparam/accuracy"]
        assert row["hparam/accuracy"] == pytest.approx(number(metric["values"][-1]))
