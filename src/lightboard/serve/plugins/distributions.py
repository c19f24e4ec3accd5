"""Distributions: each logged histogram of a tag compressed to TensorBoard's nine percentiles of a normal
distribution, interpolated from the buckets as TensorBoard's ``distribution/compressor.py`` does.

The percentiles of many histograms are computed together (:func:`percentile_table`, vectorised over a chunk of
histograms at a time) and kept with the decoded histograms, so a live run's new step costs one row."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

import numpy as np

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin
from lightboard.serve.plugins.histograms import decoded

BASIS_POINTS = (0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000)
"""The percentiles drawn, in hundredths of a percent: ±0, 1, 1.5, 2 and 3 standard deviations of a normal."""

CHUNK_ROWS = 1 << 20
"""About how many bucket rows :func:`percentile_table` handles at once (bounds its temporary memory)."""

_STRIDE = 2.0 * BASIS_POINTS[-1]
"""Offset between histograms in the combined cumulative weights (each spans 0..10000)."""


def percentiles(buckets: np.ndarray) -> list[float]:
    """The values at :data:`BASIS_POINTS` of a histogram's ``[k, 3]`` buckets ``(left, right, count)``.

    The buckets' counts are scaled to sum to 10000 and accumulated; each basis point falls in the first bucket
    whose cumulative weight passes it and is placed linearly inside it, between its left edge (the histogram's
    minimum when no weight comes before it) and its right edge (capped at the histogram's maximum). Basis points
    past the last weight are the maximum; an empty histogram is all zeros.
    """
    return percentile_table([buckets])[0].tolist()


def percentile_table(histograms: Sequence[np.ndarray]) -> np.ndarray:
    """``[n, 9]`` float64: :func:`percentiles` of each of ``histograms`` (``[k, 3]`` bucket arrays)."""
    table = np.zeros((len(histograms), len(BASIS_POINTS)))
    start = 0
    while start < len(histograms):
        stop, rows = start, 0
        while stop < len(histograms) and (rows < CHUNK_ROWS or stop == start):
            rows += len(histograms[stop])
            stop += 1
        table[start:stop] = _chunk(histograms[start:stop])
        start = stop
    return table


def _chunk(histograms: Sequence[np.ndarray]) -> np.ndarray:
    out = np.zeros((len(histograms), len(BASIS_POINTS)))
    sizes = np.fromiter((len(b) for b in histograms), dtype=np.int64, count=len(histograms))
    filled = np.flatnonzero(sizes)  # empty histograms stay all zeros
    if not len(filled):
        return out
    buckets = np.concatenate([histograms[i] for i in filled]).reshape(-1, 3)
    sizes = sizes[filled]
    ends = np.cumsum(sizes)
    starts = ends - sizes
    segment = np.repeat(np.arange(len(filled)), sizes)
    counts, rights = buckets[:, 2], buckets[:, 1]
    low, high = buckets[starts, 0], buckets[ends - 1, 1]
    totals = np.add.reduceat(counts, starts)
    scale = BASIS_POINTS[-1] / np.where(totals == 0, 1.0, totals)
    running = np.cumsum(counts * scale[segment])
    before = np.concatenate(([0.0], running))[starts]
    weights = running - before[segment]  # each histogram's cumulative weights, 0..10000
    keys = weights + segment * _STRIDE
    for j, basis in enumerate(BASIS_POINTS):
        at = np.searchsorted(keys, np.arange(len(filled)) * _STRIDE + basis, side="right")
        past = at >= ends
        i = np.minimum(at, ends - 1)
        first = i == starts
        cumulative = weights[i]
        previous = np.where(first, 0.0, weights[np.maximum(i - 1, 0)])
        left = np.where(first | (previous == 0), low, np.maximum(rights[np.maximum(i - 1, 0)], low))
        right = np.minimum(rights[i], high)
        span = cumulative - previous
        with np.errstate(invalid="ignore", divide="ignore"):
            value = left + (basis - previous) * (right - left) / np.where(span == 0, 1.0, span)
        out[filled, j] = np.where(past, high, np.where(span == 0, right, value))
    # Once a basis point is past the last weight, the later ones are too (TensorBoard stops there).
    return out


def _table(run: Run, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(steps, wall_times, percentiles)`` of every histogram of ``tag`` in ``run``, rows computed once."""
    found = decoded(run, tag)
    done = found.derived
    n = len(found.histograms)
    have = 0 if done is None else min(len(done), n)
    if have < n or done is None:
        fresh = percentile_table([h.buckets for h in found.histograms[have:]])
        done = fresh if done is None or have == 0 else np.concatenate((done[:have], fresh))
        found.derived = done
    return found.steps, found.wall_times, done[:n]


def points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every histogram of ``tag`` in ``run`` as ``step``, ``wall_time`` and ``percentiles``:
    ``[[basis point, value], ...]`` (value null when not finite)."""
    steps, walls, table = _table(run, tag)
    finite = np.isfinite(table)
    values = table.tolist() if finite.all() else np.where(finite, table, None).tolist()
    bases = BASIS_POINTS
    paused = gc.isenabled()
    gc.disable()  # a million small lists: the collector would walk them again and again (2 s -> 0.3 s)
    try:
        return [
            {"step": step, "wall_time": wall, "percentiles": [[b, v] for b, v in zip(bases, row, strict=True)]}
            for step, wall, row in zip(steps.tolist(), walls.tolist(), values, strict=True)
        ]
    finally:
        if paused:
            gc.enable()


PLUGIN = Plugin(
    name="distributions",
    title="Distributions",
    kind="histograms",
    points=points,
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
