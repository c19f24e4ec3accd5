"""Downsampling that never hides a spike: per x-bucket, the points holding each column's minimum and maximum.

A chart ``buckets`` pixels wide cannot show more than one column of pixels per bucket; drawing, in x order,
the points where each column (raw value, smoothed value) is lowest and highest in every bucket draws the same
vertical extent as drawing every point — unlike TensorBoard's random sample of 1,000 points, which drops
spikes. Small ranges (zoomed in) are returned whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lightboard.optional import extension

_native = extension("lightboard.serve._series")
"""The C loop (``_series.c``), or None: then numpy's reductions below."""
FULL_FACTOR = 4
"""A range of at most ``FULL_FACTOR * buckets`` points is returned whole."""


def select(
    x: np.ndarray,
    columns: Sequence[np.ndarray],
    buckets: int,
    lo: float | None = None,
    hi: float | None = None,
) -> tuple[np.ndarray, bool]:
    """Indices of the points to draw from series sorted by ``x``, and whether they are all points of the range.

    Args:
        x: the x coordinate of each point, ascending.
        columns: y columns aligned with ``x`` (e.g. values and smoothed values); each one's envelope is kept.
        buckets: how many equal-width x buckets to keep minima and maxima of (about the chart's width in pixels).
        lo, hi: the visible x range (None: from the first or to the last point). The nearest point outside the
            range on each side is included too, so that lines reach the chart's edges.

    In each bucket the first point holding a column's minimum and the first holding its maximum are kept
    (non-finite values ignored), plus the first non-finite point (so that a gap shows), plus the first and
    last points of the range.
    """
    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets}")
    start = 0 if lo is None else int(np.searchsorted(x, lo, "left"))
    end = len(x) if hi is None else int(np.searchsorted(x, hi, "right"))
    before = [start - 1] if start > 0 else []
    after = [end] if end < len(x) else []
    if end - start <= FULL_FACTOR * buckets:
        return np.arange(start - len(before), end + len(after)), True
    window = np.ascontiguousarray(x[start:end], dtype=np.float64)
    first = window[0] if lo is None else lo
    width = (window[-1] if hi is None else hi) - first
    scale = buckets / width if width > 0 else 0.0  # no width (one x repeated): one bucket
    if _native is not None:
        parts = [np.ascontiguousarray(column[start:end], dtype=np.float64) for column in columns]
        chosen = np.frombuffer(_native.extremes(window, parts, buckets, first, scale), dtype=np.int64) + start
        return np.concatenate((before, chosen, after)).astype(np.int64), False
    bucket = np.minimum(((window - first) * scale).astype(np.int64), buckets - 1)
    starts = np.flatnonzero(np.diff(bucket)) + 1
    starts = np.concatenate(([0], starts))
    segment = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(window))))
    picks = [np.array([0, len(window) - 1])]
    for column in columns:
        values = column[start:end]
        finite = np.isfinite(values)
        if finite.all():
            low = high = values
        else:
            low = np.where(finite, values, np.inf)
            high = np.where(finite, values, -np.inf)
            picks.append(_first_per_segment(~finite, segment))
        picks.append(_first_per_segment(low == np.minimum.reduceat(low, starts)[segment], segment))
        picks.append(_first_per_segment(high == np.maximum.reduceat(high, starts)[segment], segment))
    chosen = np.unique(np.concatenate(picks)) + start
    return np.concatenate((before, chosen, after)).astype(np.int64), False


def _first_per_segment(hit: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """The first index where ``hit`` is true in each segment that has one (``segment`` is ascending)."""
    where = np.flatnonzero(hit)
    owners = segment[where]
    keep = np.ones(len(where), dtype=bool)
    keep[1:] = owners[1:] != owners[:-1]
    return where[keep]
