"""Distributions: each logged histogram of a tag compressed to TensorBoard's nine percentiles of a normal
distribution, interpolated from the buckets as TensorBoard's ``distribution/compressor.py`` does."""

from __future__ import annotations

from typing import Any

import numpy as np

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin

BASIS_POINTS = (0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000)
"""The percentiles drawn, in hundredths of a percent: ±0, 1, 1.5, 2 and 3 standard deviations of a normal."""


def percentiles(buckets: np.ndarray) -> list[float]:
    """The values at :data:`BASIS_POINTS` of a histogram's ``[k, 3]`` buckets ``(left, right, count)``.

    The buckets' cumulative counts are scaled to 0..10000; each basis point falls in the first bucket whose
    cumulative weight passes it (buckets adding no weight skipped) and is placed linearly inside it, between
    its left edge (the histogram's minimum for the first bucket with weight) and its right edge (capped at the
    histogram's maximum). Basis points past the last weight are the maximum; an empty histogram is all zeros.
    """
    if not len(buckets):
        return [0.0] * len(BASIS_POINTS)
    low, high = buckets[0, 0], buckets[-1, 1]
    counts, right = buckets[:, 2], buckets[:, 1]
    weights = np.cumsum(counts * BASIS_POINTS[-1] / (counts.sum() or 1.0))
    values: list[float] = []
    for basis in BASIS_POINTS:
        i = int(np.searchsorted(weights, basis, side="right"))
        while i < len(weights) and weights[i] == (weights[i - 1] if i else 0.0):
            i += 1
        if i == len(weights):
            break
        before = weights[i - 1] if i else 0.0
        left = low if not i or not before else max(right[i - 1], low)
        values.append(float(left + (basis - before) * float(min(right[i], high) - left) / (weights[i] - before)))
    return values + [float(high)] * (len(BASIS_POINTS) - len(values))


def points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every histogram of ``tag`` in ``run`` as ``step``, ``wall_time`` and ``percentiles``:
    ``[[basis point, value], ...]`` (value null when not finite)."""
    listed = []
    for histogram in run.histograms(tag):
        values = percentiles(histogram.buckets)
        pairs = [
            [basis, value if np.isfinite(value) else None] for basis, value in zip(BASIS_POINTS, values, strict=True)
        ]
        listed.append({"step": histogram.step, "wall_time": histogram.wall_time, "percentiles": pairs})
    return listed


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
