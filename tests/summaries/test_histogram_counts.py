"""Histograms counted in one pass equal the sort-based binning they replaced, byte for byte, on every input.

:func:`reference` is lightboard's previous ``Histogram.of`` (kept here only, as the oracle): it sorted the
values in their own precision and bisected the sorted values at each edge. Hypothesis draws values around
every hard spot (TensorBoard's edges and their float32 roundings and neighbours, ±0, subnormals, NaN, ±inf,
beyond ±1e20, 1e300), explicit edges (repeated ones, infinite ones), ``max_bins`` and numpy's own ``bins``.

Two differences are allowed, and checked as such:

- the reference lost the values equal to the last edge when no value was below it (``[1.0]`` with edges
  ``[0, 1]`` had no bucket); numpy and tensorboardX count them in the last bin, and so does the count now:
  there the count must equal the reference with numpy's counts (``counting="numpy"``);
- with a NaN among explicit edges' values, ``min`` and ``max`` were the NaN the sort left last: numpy's
  vectorised sort (x86-simd-sort) makes every NaN the one NaN ``0x7ff8...``, others keep signs and payloads;
  now they are that one NaN on every machine.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lightboard.summaries import _histogram, histogram
from lightboard.summaries.histogram import Histogram, explicit_edges, tensorflow_bins

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


# -- the oracle: the sort-based binning that the counting replaced ---------------------------------------------


def reference(
    values: np.ndarray, bins: Any = "tensorflow", max_bins: int | None = None, counting: str = "sort"
) -> Histogram:
    """The histogram as lightboard computed it before counting: sort, then bisect the sorted values at the edges.

    ``counting="numpy"`` takes explicit edges' counts from ``numpy.histogram`` instead (as tensorboardX does).
    """
    edges = explicit_edges(bins)
    extremes = None
    if edges is not None and counting == "numpy":
        counts, _ = np.histogram(values.astype(np.float64), bins=edges)
        edges, first = np.histogram(values.astype(np.float64), bins=edges)[1], 0
        wide = values.astype(np.float64)
        extremes = None if np.isnan(wide).any() else (float(wide.min()), float(wide.max()))
        extremes = None if extremes is None or 0.0 in extremes else extremes
    elif edges is None:
        counts, edges = np.histogram(values.astype(np.float64), bins=bins)
        first = 0
    else:
        ordered = np.sort(values).astype(np.float64, copy=False)
        low, high = float(ordered[0]), float(ordered[-1])
        if high != high:
            extremes = (high, high)
        else:
            extremes = None if low == 0.0 or high == 0.0 else (low, high)
        last = len(edges) - 1
        first = max(int(edges.searchsorted(ordered[0], "right")) - 1, 0)
        stop = min(int(edges.searchsorted(ordered[-1], "right")), last)
        cumulative = ordered.searchsorted(edges[first : stop + 1], "left")
        if stop == last:
            cumulative[-1] = ordered.searchsorted(edges[last], "right")
        counts = cumulative[1:] - cumulative[:-1]
    if max_bins is not None and len(edges) - 1 > max_bins:
        full = np.zeros(len(edges) - 1, dtype=counts.dtype)
        full[first : first + len(counts)] = counts
        first, (counts, edges) = 0, histogram._merge(full, edges, max_bins)
    nonzero = counts.nonzero()[0]
    if nonzero.size:
        start, end = first + int(nonzero[0]), first + int(nonzero[-1]) + 1
        kept = np.zeros(end - start + 1)
        kept[1:] = counts[nonzero[0] : nonzero[-1] + 1]
        limits = edges[start : end + 1]
    else:
        kept = limits = np.empty(0)
    wide = values.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        total, squares = float(wide.sum()), float(wide.dot(wide))
    low, high = extremes or (float(values.min()), float(values.max()))
    return Histogram(low, high, float(len(values)), total, squares, limits.astype(np.float64, copy=False), kept)


# -- inputs --------------------------------------------------------------------------------------------------


def _edge_values() -> list[float]:
    """TensorBoard's edges, their float32 roundings and their float64 neighbours (a sample of each)."""
    edges = tensorflow_bins()
    picked = np.concatenate([edges[:40], edges[740:810], edges[-40:], edges[::97]])
    rounded = picked.astype(np.float32).astype(np.float64)
    return [
        *picked.tolist(),
        *rounded.tolist(),
        *np.nextafter(picked, np.inf).tolist(),
        *np.nextafter(picked, -np.inf).tolist(),
    ]


SPECIAL = [
    0.0,
    -0.0,
    np.nan,
    -np.nan,
    struct.unpack("<d", struct.pack("<Q", 0x7FF0_0000_0000_0001))[0],  # a signalling NaN payload
    np.inf,
    -np.inf,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-45,  # float32's least subnormal
    1e20,
    -1e20,
    1e25,
    -1e300,
    1e300,
    1.0,
    -1.0,
]
HARD = st.sampled_from(SPECIAL + _edge_values())


@st.composite
def value_arrays(draw: st.DrawFn) -> np.ndarray:
    """float32 or float64 vectors mixing any floats with the hard spots above; sometimes a strided view."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    width = 32 if dtype == np.float32 else 64
    element = st.one_of(HARD, st.floats(width=width), st.floats(-10, 10, width=width))
    values = draw(hnp.arrays(dtype, draw(st.integers(1, 200)), elements=element))
    if draw(st.booleans()):  # a non-contiguous view
        values = np.repeat(values, 2)[::2]
    return values


@st.composite
def explicit_bins(draw: st.DrawFn) -> list[float]:
    """Non-decreasing edges, at least two: repeats, infinities and TensorBoard's own edges among them."""
    element = st.one_of(HARD.filter(lambda x: x == x), st.floats(-100, 100), st.integers(-5, 5).map(float))
    edges = sorted(draw(st.lists(element, min_size=2, max_size=30)))
    return edges


BINS = st.one_of(
    st.just("tensorflow"),
    st.just("tensorflow"),
    explicit_bins(),
    st.integers(1, 50),
    st.sampled_from(["auto", "sturges", "doane"]),
)


def _bits(number: float) -> int:
    """The IEEE bits of a double."""
    return struct.unpack("<Q", struct.pack("<d", number))[0]


def _same(values: np.ndarray, bins: Any, max_bins: int | None) -> None:
    try:
        expected = reference(values, bins, max_bins)
    except ValueError:  # numpy cannot choose edges (e.g. "auto" with NaN): counting raises as well
        with pytest.raises(ValueError):
            Histogram.of(values, bins, max_bins)
        return
    got = Histogram.of(values, bins, max_bins)
    wide = values.astype(np.float64)
    edges = explicit_edges(bins)
    if edges is not None and got.counts.tolist() != expected.counts.tolist():  # the reference's lost values
        assert np.nanmin(wide) >= edges[-1] and (wide == edges[-1]).any()
        expected = reference(values, bins, max_bins, counting="numpy")
    if edges is not None and np.isnan(wide).any():  # the one NaN, whichever NaNs were logged
        assert [_bits(got.min), _bits(got.max)] == [_bits(np.nan)] * 2
        assert np.isnan(expected.min) and np.isnan(expected.max)
        expected.min = expected.max = np.nan
    assert got.serialized() == expected.serialized()
    assert got.limits.dtype == expected.limits.dtype and got.counts.dtype == expected.counts.dtype


# -- properties ----------------------------------------------------------------------------------------------


@settings(max_examples=1500, deadline=None)
@given(values=value_arrays(), bins=BINS, max_bins=st.one_of(st.none(), st.integers(1, 2000)))
@example(values=np.array([0.0, -0.0]), bins="tensorflow", max_bins=None)
@example(values=np.array([-0.0], np.float32), bins=[-0.0, 0.0], max_bins=None)
@example(values=np.array([np.nan]), bins="tensorflow", max_bins=None)
@example(values=np.array([1e20, 1e21, tensorflow_bins()[-1]]), bins="tensorflow", max_bins=None)
@example(values=np.array([-np.inf, np.inf, 1.0]), bins=[-np.inf, 0.0, np.inf], max_bins=None)
@example(values=np.array([1.0, 1.0, 2.0]), bins=[0.0, 1.0, 1.0, 1.0], max_bins=None)
@example(values=np.array([5e-324, -5e-324, 1e-12, -1e-12]), bins="tensorflow", max_bins=3)
def test_counting_equals_the_sort_based_binning(values: np.ndarray, bins: Any, max_bins: int | None) -> None:
    _same(values, bins, max_bins)


@settings(max_examples=300, deadline=None)
@given(values=value_arrays(), bins=st.one_of(st.just("tensorflow"), explicit_bins()))
def test_c_count_equals_its_python_twin(values: np.ndarray, bins: Any) -> None:
    edges = explicit_edges(bins)
    table = histogram.tensorflow_table() if bins == "tensorflow" else None
    values = np.ascontiguousarray(values)
    native, twin = np.zeros(len(edges) + 1, np.int64), np.zeros(len(edges) + 1, np.int64)
    got = _histogram.count(values, edges, table, 64 - histogram.TABLE_BITS, native)
    expected = histogram.count_python(values, edges, table, 64 - histogram.TABLE_BITS, twin)
    assert got == expected
    assert native[1:-1].tolist() == twin[1:-1].tolist()
    assert native.sum() == twin.sum() == len(values)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 10_000, 100_003])
def test_large_inputs(dtype: type, size: int) -> None:
    rng = np.random.default_rng(size)
    values = (rng.standard_cauchy(size) * rng.choice([1e-15, 1.0, 1e15], size)).astype(dtype)
    edges = tensorflow_bins().astype(dtype)[:size]
    values[: len(edges)] = edges  # values on the edges too
    _same(values, "tensorflow", None)
    _same(values, "tensorflow", 100)
    _same(values, np.linspace(-3, 3, 101), None)


def test_every_edge_and_its_neighbours() -> None:
    """Each of TensorBoard's 1,549 edges, and the doubles just below and above it, lands in numpy's bin."""
    edges = tensorflow_bins()
    values = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)])
    _same(values, "tensorflow", None)
    _same(values.astype(np.float32), "tensorflow", None)
    expected, _ = np.histogram(values, edges)
    assert Histogram.of(values).counts[1:].sum() == expected.sum()


def test_table_slots_hold_at_most_one_edge() -> None:
    """TensorBoard's edges, 1.1 apart, leave at most one edge per slot of the table: one comparison each."""
    table = histogram.tensorflow_table()
    assert len(table) == 1 << histogram.TABLE_BITS
    assert set(np.diff(np.append(table, len(tensorflow_bins()) - 1)).tolist()) == {0, 1}


def test_count_rejects_bad_buffers() -> None:
    edges = np.array([0.0, 1.0])
    with pytest.raises(ValueError, match="counts"):
        _histogram.count(np.zeros(3), edges, None, 48, np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="float32/float64 values"):
        _histogram.count(np.zeros(3, np.int32), edges, None, 48, np.zeros(3, np.int64))


def test_edges_of_any_layout() -> None:
    """A strided or big-endian array of edges bins as its plain copy."""
    values = np.random.default_rng(3).normal(size=500)
    plain = np.linspace(-3, 3, 13)
    expected = Histogram.of(values, plain).serialized()
    assert Histogram.of(values, np.repeat(plain, 2)[::2]).serialized() == expected
    assert Histogram.of(values, plain.astype(">f8")).serialized() == expected
    assert Histogram.of(values.astype(">f8"), plain).serialized() == expected


def test_unsorted_edges_still_raise_naming_them() -> None:
    with pytest.raises(ValueError, match="increase monotonically"):
        Histogram.of(np.zeros(3), [1.0, 0.0])


@pytest.mark.parametrize(
    ("values", "bins"),
    [([1.0], [0.0, 1.0]), ([1.0, 1.0, 2.0], [0.0, 0.5, 1.0]), ([tensorflow_bins()[-1], 1e21], "tensorflow")],
)
def test_values_on_the_last_edge_alone_are_counted_as_tensorboardx(values: list[float], bins: Any) -> None:
    """The sort-based binning lost them (no bucket); tensorboardX counts them in the last bin, as now."""
    from tensorboardX.summary import make_histogram

    array = np.array(values)
    theirs = make_histogram(array, tensorflow_bins().tolist() if bins == "tensorflow" else bins)
    assert Histogram.of(array, bins).proto().SerializeToString() == theirs.SerializeToString()
    assert reference(array, bins).counts.size == 0


@pytest.mark.parametrize("bins", ["tensorflow", [-1.0, 0.0, 1.0]])
def test_counting_does_not_sort(monkeypatch: pytest.MonkeyPatch, bins: Any) -> None:
    def no_sort(*args: object, **kwargs: object) -> None:
        raise AssertionError("sorted")

    monkeypatch.setattr(np, "sort", no_sort)
    binned = Histogram.of(np.random.default_rng(0).normal(size=1000).astype(np.float32), bins)
    assert binned.counts.sum() > 0
