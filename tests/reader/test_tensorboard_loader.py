"""lightboard's reader agrees with TensorBoard's own loader (``EventFileLoader``, with its read-time
migrations) on every value of every fixture file and of a logdir lightboard wrote."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.util import tensor_util

import lightboard
from tests.reader.test_fixtures import FIXTURES

LOGDIRS = ["tensorboardx", "torch", "tensorflow"]


def tensorboard_values(run: lightboard.reader.Run) -> dict[str, tuple[str, list[tuple[int, np.ndarray]]]]:
    """``{tag: (plugin name of its first metadata, [(step, migrated tensor)])}`` as TensorBoard loads the run."""
    loaded: dict[str, tuple[str, list]] = {}
    for path in run.files():
        for event in EventFileLoader(path).Load():
            for value in event.summary.value:
                _, points = loaded.setdefault(value.tag, (value.metadata.plugin_data.plugin_name, []))
                points.append((event.step, tensor_util.make_ndarray(value.tensor)))
    return loaded


def compare_run(run: lightboard.reader.Run) -> int:
    checked = 0
    for tag, (plugin, points) in tensorboard_values(run).items():
        assert run.kind(tag) == plugin, tag
        steps = [step for step, _ in points]
        assert run.steps(tag).tolist() == steps, tag
        if plugin == "scalars":
            ours = run.scalars(tag).value
            np.testing.assert_array_equal(ours, np.array([array for _, array in points], dtype=ours.dtype))
        elif plugin == "histograms":
            for point, (_, array) in zip(run.histograms(tag), points, strict=True):
                np.testing.assert_allclose(point.buckets, array.reshape(-1, 3), rtol=1e-6)  # TensorBoard: float32
        elif plugin == "images":
            ours = run.images(tag)
            theirs = [(int(a[0]), int(a[1]), blob) for _, a in points for blob in a[2:]]
            assert [(p.width, p.height, p.encoded) for p in ours] == theirs, tag
        elif plugin == "audio":
            theirs = [row[0] if np.ndim(row) else row for _, a in points for row in a]
            assert [p.encoded for p in run.audio(tag)] == theirs, tag
        elif plugin == "text":
            theirs = [a.item().decode() if a.size == 1 else [s.decode() for s in a.reshape(-1)] for _, a in points]
            assert [p.text for p in run.text(tag)] == theirs, tag
        elif plugin == "pr_curves":
            for point, (_, array) in zip(run.pr_curves(tag), points, strict=True):
                np.testing.assert_array_equal(point.data, array)
        checked += len(points)
    return checked


@pytest.mark.parametrize("writer", LOGDIRS)
def test_fixtures_read_as_tensorboard_reads_them(writer: str) -> None:
    logdir = lightboard.read(FIXTURES / writer, restarts="keep")  # TensorBoard's Python loader keeps all
    assert sum(compare_run(run) for run in logdir) > 20


def test_lightboard_files_read_as_tensorboard_reads_them(logged: tuple[Path, dict]) -> None:
    logdir = lightboard.read(logged[0], restarts="keep")
    assert sum(compare_run(run) for run in logdir) > 15
