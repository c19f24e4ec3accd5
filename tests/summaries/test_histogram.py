"""Histograms equal tensorboardX's ``make_histogram`` for every numpy ``bins`` option."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboardX.summary import make_histogram as tensorboardx_histogram
from tensorboardX.writer import SummaryWriter as TensorboardXWriter

from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import HistogramProto, Summary
from lightboard.summaries.histogram import Histogram, event, tensorflow_bins


def _tensorboardx_default_bins() -> list[float]:
    """tensorboardX's own default edges, built without opening a file."""
    writer = TensorboardXWriter(write_to_disk=False)
    try:
        return writer.default_bins
    finally:
        writer.close()


def histogram_proto(values: np.ndarray, bins: object, max_bins: int | None = None) -> HistogramProto:
    """Our histogram through the protobuf library, after checking the hand-written bytes equal it."""
    binned = Histogram.of(values, bins, max_bins)
    proto = binned.proto()
    assert binned.serialized() == proto.SerializeToString()
    return proto


def _same(mine: HistogramProto, theirs: object) -> None:
    assert mine.SerializeToString() == HistogramProto.FromString(theirs.SerializeToString()).SerializeToString()


def _same_or_both_fail(values: np.ndarray, bins: object, their_bins: object) -> None:
    """Equal to tensorboardX; where it raises, numpy's errors are raised too and an empty histogram has no buckets."""
    try:
        theirs = tensorboardx_histogram(values, their_bins)
    except ValueError as error:
        if "histogram is empty" in str(error):
            assert list(histogram_proto(values, bins).bucket) == []
        else:
            with pytest.raises(ValueError):
                histogram_proto(values, bins)
        return
    _same(histogram_proto(values, bins), theirs)


def test_tensorflow_bins_equal_tensorboardx() -> None:
    assert tensorflow_bins().tolist() == _tensorboardx_default_bins()
    assert len(tensorflow_bins()) == 1549


pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # tensorboardX on inf

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
    _same_or_both_fail(values, bins, their_bins)


@pytest.mark.parametrize("max_bins", [1, 3, 7, 64, 1000])
def test_max_bins_equal_to_tensorboardx(max_bins: int) -> None:
    values = SAMPLES["normal"]
    _same(
        histogram_proto(values, "tensorflow", max_bins),
        tensorboardx_histogram(values, _tensorboardx_default_bins(), max_bins),
    )
    _same(histogram_proto(values, 100, max_bins), tensorboardx_histogram(values, 100, max_bins))


def test_values_outside_every_edge_are_recorded_without_buckets() -> None:
    proto = histogram_proto(np.array([1e30, np.nan]), "tensorflow")
    assert (proto.num, list(proto.bucket), list(proto.bucket_limit)) == (2, [], [])
    assert np.isnan(proto.min) and np.isnan(proto.max)  # numpy's min and max propagate NaN, as in tensorboardX
    proto = histogram_proto(np.array([-1e30, 1e30]), "tensorflow")
    assert (proto.min, proto.max, proto.sum, list(proto.bucket)) == (-1e30, 1e30, 0.0, [])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_input_bins_like_its_float64_copy(dtype: type) -> None:
    values = np.random.default_rng(5).standard_cauchy(size=5000).astype(dtype)
    values[:3] = [0.0, -0.0, 1e-13]
    theirs = tensorboardx_histogram(values.astype(float), _tensorboardx_default_bins())
    _same(histogram_proto(values, "tensorflow"), theirs)


@pytest.mark.parametrize(("wall_time", "step", "tag"), [(0.0, 0, ""), (1.7e9, 5, "w/x"), (-0.0, -3, "t" * 300)])
def test_event_bytes_equal_protobuf(wall_time: float, step: int, tag: str) -> None:
    binned = Histogram.of(SAMPLES["normal"], "tensorflow")
    expected = Event(
        wall_time=wall_time, step=step, summary=Summary(value=[Summary.Value(tag=tag, histo=binned.proto())])
    )
    assert event(tag, binned, wall_time, step) == expected.SerializeToString()


def test_all_zero_fields_are_omitted_like_protobuf() -> None:
    binned = Histogram.of(np.zeros(4), [0.0, 1.0])
    assert binned.serialized() == binned.proto().SerializeToString()


@pytest.mark.parametrize(
    "values",
    [
        [np.nan, 1.0, 2.0],
        [np.inf, -np.inf, 0.5],
        [-np.inf, 3.0],
        [1e25, 1.0],
        [-1e25, -1.0, 1e-15],
        [0.0, -0.0],
        [np.nan],
        [5.0, 5.0, 5.0],
    ],
)
@pytest.mark.parametrize("bins", ["tensorflow", [-10.0, 0.0, 1.0, 10.0]])
def test_non_finite_and_out_of_range_values(values: list[float], bins: object) -> None:
    array = np.array(values)
    their_bins = _tensorboardx_default_bins() if bins == "tensorflow" else bins
    _same_or_both_fail(array, bins, their_bins)
