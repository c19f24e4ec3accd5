"""Histograms equal tensorboardX's ``make_histogram`` for every numpy ``bins`` option."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboardX.summary import make_histogram as tensorboardx_histogram
from tensorboardX.writer import SummaryWriter as TensorboardXWriter

from lightboard.proto.summary_pb2 import HistogramProto
from lightboard.summaries.histogram import histogram_proto, tensorflow_bins


def _tensorboardx_default_bins() -> list[float]:
    """tensorboardX's own default edges, built without opening a file."""
    writer = TensorboardXWriter(write_to_disk=False)
    try:
        return writer.default_bins
    finally:
        writer.close()


def _same(mine: HistogramProto, theirs: object) -> None:
    assert mine.SerializeToString() == HistogramProto.FromString(theirs.SerializeToString()).SerializeToString()


def test_tensorflow_bins_equal_tensorboardx() -> None:
    assert tensorflow_bins().tolist() == _tensorboardx_default_bins()
    assert len(tensorflow_bins()) == 1549


SAMPLES = {
    "normal": np.random.default_rng(0).normal(size=10_000),
    "float32": np.random.default_rng(1).normal(scale=1e3, size=1000).astype(np.float32).astype(float),
    "constant": np.full(50, 3.0),
    "zeros": np.zeros(7),
    "negative": -np.abs(np.random.default_rng(2).exponential(size=300)),
    "single": np.array([42.0]),
    "ints": np.arange(100, dtype=float),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("bins", ["tensorflow", "auto", "fd", "doane", "sturges", 10, 1, [-5.0, 0.0, 5.0, 50.0]])
def test_equal_to_tensorboardx(name: str, bins: object) -> None:
    values = SAMPLES[name]
    their_bins = _tensorboardx_default_bins() if bins == "tensorflow" else bins
    try:
        theirs = tensorboardx_histogram(values, their_bins)
    except ValueError:
        with pytest.raises(ValueError):
            histogram_proto(values, bins)
        return
    _same(histogram_proto(values, bins), theirs)


@pytest.mark.parametrize("max_bins", [1, 3, 7, 64, 1000])
def test_max_bins_equal_to_tensorboardx(max_bins: int) -> None:
    values = SAMPLES["normal"]
    _same(
        histogram_proto(values, "tensorflow", max_bins),
        tensorboardx_histogram(values, _tensorboardx_default_bins(), max_bins),
    )
    _same(histogram_proto(values, 100, max_bins), tensorboardx_histogram(values, 100, max_bins))


def test_values_outside_every_edge_raise() -> None:
    with pytest.raises(ValueError, match="no value falls within"):
        histogram_proto(np.array([1e30, 2e30]), "tensorflow")
