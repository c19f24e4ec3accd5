"""Distributions: each logged histogram of a tag compressed to TensorBoard's nine percentiles of a normal
distribution, interpolated from the buckets as TensorBoard's ``distribution/compressor.py`` does.

The percentiles of many histograms are computed together (:func:`percentile_table`, vectorised over histograms
with the same number of buckets) and kept with the decoded histograms, so a live run's new step costs one row;
points are made JSON-ready only when served (see :class:`~lightboard.serve.plugins.histograms.LazyPoints`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin
from lightboard.serve.plugins.histograms import LazyPoints, decoded

BASIS_POINTS = (0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000)
"""The percentiles drawn, in hundredths of a percent: ±0, 1, 1.5, 2 and 3 standard deviations of a normal."""

CHUNK_CELLS = 1 << 21
"""About how many bucket cells :func:`percentile_table` handles at once (bounds its temporary memory)."""

_STRIDE = 4.0 * BASIS_POINTS[-1]
"""Offset between rows when one search runs over the cumulative weights of many histograms (each 0..10000)."""


def percentiles(buckets: np.ndarray) -> list[float]:
    """The values at :data:`BASIS_POINTS` of a histogram's ``[k, 3]`` buckets ``(left, right, count)``.

    The buckets' counts are scaled to sum to 10000 and accumulated; each basis point falls in the first bucket
    whose cumulative weight passes it and is placed linearly inside it, between its left edge (the histogram's
    minimum when no weight comes before it) and its right edge (capped at the histogram's maximum). Basis points
    past the last weight are the maximum; an empty histogram is all zeros.
    """
    return percentile_table([buckets])[0].tolist()


def percentile_table(histograms: Sequence[np.ndarray]) -> np.ndarray:
    """``[n, 9]`` float64: :func:`percentiles` of each of ``histograms`` (``[k, 3]`` bucket arrays).

    Histograms with the same number of buckets are stacked and computed together, with the same floating-point
    operations as TensorBoard's compressor on each (so a basis point landing exactly on a cumulative weight
    picks the same bucket); empty histograms are all zeros.
    """
    table = np.zeros((len(histograms), len(BASIS_POINTS)))
    sizes = np.fromiter((len(b) for b in histograms), dtype=np.int64, count=len(histograms))
    order = np.argsort(sizes, kind="stable")
    bounds = np.flatnonzero(np.diff(sizes[order])) + 1
    for group in np.split(order, bounds):
        k = int(sizes[group[0]])
        if k == 0:
            continue
        step = max(1, CHUNK_CELLS // k)
        for at in range(0, len(group), step):
            members = group[at : at + step]
            table[members] = _same_length(np.stack([histograms[i] for i in members]))
    return table


def _same_length(buckets: np.ndarray) -> np.ndarray:
    """Percentiles of ``[m, k, 3]`` histograms (k >= 1)."""
    m, k = buckets.shape[:2]
    lefts, rights, counts = buckets[:, :, 0], buckets[:, :, 1], buckets[:, :, 2]
    low, high = lefts[:, 0], rights[:, -1]
    totals = counts.sum(axis=1)
    weights = (counts * BASIS_POINTS[-1] / np.where(totals == 0, 1.0, totals)[:, None]).cumsum(axis=1)
    rows = np.arange(m)
    # One search over every row at once: row r's weights shifted by r * _STRIDE, then each row's index moved by
    # the exact weights where the shift's rounding put it off by one or more (near-ties only).
    keys = (weights + (rows * _STRIDE)[:, None]).ravel()
    out = np.empty((m, len(BASIS_POINTS)))
    for j, basis in enumerate(BASIS_POINTS):
        i = np.searchsorted(keys, rows * _STRIDE + basis, side="right") - rows * k
        i = np.clip(i, 0, k)
        while True:  # numpy's searchsorted(weights[r], basis, side="right"), exactly
            down = (i > 0) & (weights[rows, np.maximum(i - 1, 0)] > basis)
            up = (i < k) & (weights[rows, np.minimum(i, k - 1)] <= basis)
            if not (down.any() or up.any()):
                break
            i = i - down + up
        past = i >= k
        i = np.minimum(i, k - 1)
        first = i == 0
        cumulative = weights[rows, i]
        previous = np.where(first, 0.0, weights[rows, np.maximum(i - 1, 0)])
        left = np.where(first | (previous == 0), low, np.maximum(rights[rows, np.maximum(i - 1, 0)], low))
        right = np.minimum(rights[rows, i], high)
        span = cumulative - previous
        with np.errstate(invalid="ignore", divide="ignore"):
            value = left + (basis - previous) * (right - left) / np.where(span == 0, 1.0, span)
        # span 0 cannot follow from the search (weights[i] > basis >= previous); kept finite all the same
        out[:, j] = np.where(past, high, np.where(span == 0, right, value))
    return out


def _table(run: Run, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(steps, wall_times, percentiles)`` of every histogram of ``tag`` in ``run``, rows computed once."""
    found = decoded(run, tag)
    done = found.derived
    n = len(found)
    have = 0 if done is None else min(len(done), n)
    if have < n or done is None:
        fresh = percentile_table(found.every(have))
        done = fresh if done is None or have == 0 else np.concatenate((done[:have], fresh))
        found.derived = done
    return found.steps, found.wall_times, done[:n]


def points(run: Run, tag: str) -> Sequence[dict[str, Any]]:
    """Every histogram of ``tag`` in ``run`` as ``step``, ``wall_time`` and ``percentiles``:
    ``[[basis point, value], ...]`` (value null when not finite), each made when served."""
    steps, walls, table = _table(run, tag)

    def make(i: int) -> dict[str, Any]:
        row = table[i].tolist()
        pairs = [
            [basis, value if math.isfinite(value) else None] for basis, value in zip(BASIS_POINTS, row, strict=True)
        ]
        return {"step": int(steps[i]), "wall_time": float(walls[i]), "percentiles": pairs}

    return LazyPoints(steps, walls, make)


PLUGIN = Plugin(
    name="distributions",
    title="Distributions",
    kind="histograms",
    points=points,  # type: ignore[arg-type]  # a lazy Sequence of the points, not a list
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "percentiles"],
        "properties": {
            "step": {"type": "integer"},
            "wall_time": {"type": "number"},
            "percentiles": {
                "type": "array",
                "description": "[basis point, value] for basis points 0, 668, 1587, 3085, 5000, 6915, 8413, 9332, "
                "10000 (hundredths of a percent), interpolated from the buckets as TensorBoard does.",
                "items": {"type": "array", "items": {"type": ["number", "null"]}, "minItems": 2, "maxItems": 2},
            },
        },
    },
)
