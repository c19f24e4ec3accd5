"""The envelope keeps each bucket's extremes: every spike is drawn, at any resolution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightboard.serve.envelope import FULL_FACTOR, select


def bucket_extremes(x: np.ndarray, column: np.ndarray, buckets: int, lo: float, hi: float) -> list[tuple[float, float]]:
    """Per non-empty bucket of [lo, hi], the (min, max) of the finite values, by a plain loop."""
    extremes = []
    for index in range(buckets):
        left = lo + (hi - lo) * index / buckets
        right = lo + (hi - lo) * (index + 1) / buckets
        inside = (x >= left) & ((x < right) if index < buckets - 1 else (x <= right))
        values = column[inside & np.isfinite(column)]
        if len(values):
            extremes.append((values.min(), values.max(), left, right))
    return extremes


def check_envelope(x: np.ndarray, columns: list[np.ndarray], buckets: int, lo=None, hi=None) -> np.ndarray:
    chosen, full = select(x, columns, buckets, lo, hi)
    assert np.all(np.diff(chosen) > 0), "indices ascending and unique"
    start, end = (x[0] if lo is None else lo), (x[-1] if hi is None else hi)
    in_range = np.flatnonzero((x >= start) & (x <= end))
    if full:
        assert len(in_range) <= FULL_FACTOR * buckets
        assert set(in_range) <= set(chosen)
        return chosen
    kept_x = x[chosen]
    for column in columns:
        kept = column[chosen]
        for low, high, left, right in bucket_extremes(x, column, buckets, start, end):
            inside = (kept_x >= left) & (kept_x <= right)
            assert low in kept[inside] and high in kept[inside], f"bucket [{left}, {right}] lost an extreme"
    assert in_range[0] in chosen and in_range[-1] in chosen
    return chosen


def test_a_single_spike_survives_at_every_step() -> None:
    x = np.arange(20_000)
    for spike in (0, 1, 4_999, 12_345, 19_999):
        values = np.sin(x / 50.0).astype(np.float32)
        values[spike] = 1e6
        chosen = check_envelope(x, [values], 300)
        assert spike in chosen and len(chosen) < 4 * 300 + 2


def test_small_ranges_come_whole_with_a_neighbour_each_side() -> None:
    x = np.arange(0, 100_000, 10)
    values = np.random.default_rng(1).normal(size=len(x))
    chosen, full = select(x, [values], 100, 1_005, 2_000)
    assert full
    np.testing.assert_array_equal(x[chosen], np.arange(1_000, 2_011, 10))


def test_zoomed_range_that_is_still_large_gets_its_own_envelope() -> None:
    x = np.arange(100_000)
    values = np.random.default_rng(2).normal(size=len(x))
    chosen = check_envelope(x, [values], 50, 10_000.0, 60_000.0)
    assert x[chosen[0]] == 9_999 and x[chosen[-1]] == 60_001


def test_non_finite_points_show_once_per_bucket_and_do_not_hide_extremes() -> None:
    x = np.arange(10_000)
    values = np.cos(x / 10.0)
    values[[100, 101, 102, 5_000]] = [np.nan, np.inf, -np.inf, np.nan]
    chosen = check_envelope(x, [values], 100)
    assert 100 in chosen and 5_000 in chosen and 101 not in chosen


def test_every_column_keeps_its_envelope() -> None:
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.integers(1, 5, 30_000))
    columns = [rng.normal(size=len(x)), np.cumsum(rng.normal(size=len(x)))]
    check_envelope(x, columns, 200)


def test_bucket_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="buckets must be at least 1, got 0"):
        select(np.arange(3), [np.ones(3)], 0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=2_000, unique=True),
    st.integers(1, 60),
    st.data(),
)
def test_any_series(steps: list[int], buckets: int, data: st.DataObject) -> None:
    x = np.array(sorted(steps))
    values = np.array(data.draw(st.lists(st.floats(-1e6, 1e6), min_size=len(x), max_size=len(x))))
    lo = hi = None
    if data.draw(st.booleans()):
        lo, hi = sorted(data.draw(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000))))
        if lo == hi:
            lo = hi = None
    check_envelope(x, [values], buckets, lo, hi)
