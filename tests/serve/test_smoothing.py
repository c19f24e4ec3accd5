"""The vectorised EMA gives TensorBoard's smoothed values (its dashboard's loop, restated below as the spec)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightboard.serve.smoothing import smooth


def tensorboard_smoothing(values: list[float], weight: float) -> list[float]:
    """TensorBoard's scalar card smoothing (tensorboard/webapp/.../data_transformer.ts), point by point."""
    last, accumulated, out = 0.0, 0, []
    constant = all(value == values[0] for value in values)
    for value in values:
        if constant or not math.isfinite(value):
            out.append(value)
            continue
        last = last * weight + (1 - weight) * value
        accumulated += 1
        out.append(last / (1 - weight**accumulated) if weight != 1 else last)
    return out


def assert_same(ours: np.ndarray, reference: list[float]) -> None:
    expected = np.array(reference, dtype=np.float64)
    assert ours.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    finite = expected[np.isfinite(expected)]
    scale = float(np.abs(finite).max()) if len(finite) else 0.0
    # Exact to ~1e-14 of the series' own scale: far below a pixel, and where float rounding differs anyway.
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12 * scale, equal_nan=True)


@pytest.mark.parametrize("weight", [0.0, 0.1, 0.6, 0.9, 0.99, 0.999, 1.0])
@pytest.mark.parametrize("length", [1, 2, 7, 1_000, 60_000])
def test_matches_tensorboard(weight: float, length: int) -> None:
    values = np.random.default_rng(length).normal(3.0, 10.0, length).astype(np.float32)
    assert_same(smooth(values, weight), tensorboard_smoothing(values.astype(float).tolist(), weight))


def test_non_finite_values_are_kept_and_do_not_move_the_average() -> None:
    values = [1.0, math.nan, 2.0, math.inf, 3.0, -math.inf, 4.0]
    ours = smooth(np.array(values), 0.6)
    assert_same(ours, tensorboard_smoothing(values, 0.6))
    assert np.isnan(ours[1]) and ours[3] == math.inf and ours[5] == -math.inf
    assert_same(smooth(np.array(values)[[0, 2, 4, 6]], 0.6), [ours[0], ours[2], ours[4], ours[6]])


def test_constant_series_and_empty() -> None:
    np.testing.assert_array_equal(smooth(np.full(10, 2.5), 0.9), np.full(10, 2.5))
    assert len(smooth(np.zeros(0), 0.6)) == 0


def test_values_near_the_float64_limit_do_not_overflow() -> None:
    values = [1e300, -1e300, 1.7e308, 5.0, -1.7e308]
    assert_same(smooth(np.array(values), 0.999), tensorboard_smoothing(values, 0.999))


def test_weight_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"smoothing weight must be in \[0, 1\], got 1.5"):
        smooth(np.ones(3), 1.5)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=1, max_size=3000),
    st.floats(0.0, 0.9999),
)
def test_any_series(values: list[float], weight: float) -> None:
    assert_same(smooth(np.array(values, dtype=np.float32), weight), tensorboard_smoothing(values, weight))
