"""The C loops of the viewer (``serve/_series.c``) and their numpy twins give the same answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightboard.serve import envelope, smoothing

native = pytest.importorskip("lightboard.serve._series", reason="the C extension was not built")


def both(function, *args):
    """``function(*args)`` with the C loops, then with the numpy twins."""
    saved = smoothing._native, envelope._native
    try:
        smoothing._native = envelope._native = native
        with_c = function(*args)
        smoothing._native = envelope._native = None
        return with_c, function(*args)
    finally:
        smoothing._native, envelope._native = saved


values_lists = st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=1, max_size=2_000)


@settings(max_examples=300, deadline=None)
@given(values_lists, st.floats(0.0, 1.0))
def test_smoothing_agrees(values: list[float], weight: float) -> None:
    with_c, with_numpy = both(smoothing.smooth, np.array(values, dtype=np.float32), weight)
    np.testing.assert_array_equal(np.isnan(with_c), np.isnan(with_numpy))
    finite = np.abs(with_numpy[np.isfinite(with_numpy)])
    scale = float(finite.max()) if len(finite) else 0.0
    np.testing.assert_allclose(with_c, with_numpy, rtol=1e-11, atol=1e-12 * scale, equal_nan=True)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 5_000), min_size=1, max_size=3_000).map(sorted),
    st.integers(1, 40),
    st.data(),
)
def test_envelope_agrees(steps: list[int], buckets: int, data: st.DataObject) -> None:
    x = np.array(steps)
    columns = [
        np.array(data.draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=len(x), max_size=len(x))))
        for _ in range(data.draw(st.integers(0, 3)))
    ]
    lo = hi = None
    if data.draw(st.booleans()):
        lo, hi = sorted(data.draw(st.tuples(st.integers(-10, 5_010), st.integers(-10, 5_010))))
    (c_chosen, c_full), (n_chosen, n_full) = both(envelope.select, x, columns, buckets, lo, hi)
    assert c_full == n_full
    np.testing.assert_array_equal(c_chosen, n_chosen)


def test_one_repeated_x_is_one_bucket() -> None:
    x = np.zeros(1_000)
    values = np.arange(1_000.0)[::-1]
    (c_chosen, _), (n_chosen, _) = both(envelope.select, x, [values], 10)
    np.testing.assert_array_equal(c_chosen, [0, 999])
    np.testing.assert_array_equal(n_chosen, [0, 999])


def test_native_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="values must be a float64 buffer"):
        native.smooth(np.ones(3, np.float32), 0.5)
    with pytest.raises(ValueError, match=r"smoothing weight must be in \[0, 1\], got 2.0"):
        native.smooth(np.ones(3), 2.0)
    with pytest.raises(ValueError, match="every column must be as long as x"):
        native.extremes(np.ones(3), [np.ones(2)], 2, 0.0, 1.0)
    with pytest.raises(TypeError, match="each column must be a float64 buffer"):
        native.extremes(np.ones(3), [np.ones(3, np.int64)], 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="buckets must be at least 1, got 0"):
        native.extremes(np.ones(3), [], 0, 0.0, 1.0)
