"""Histograms, stored as the legacy ``HistogramProto`` exactly as tensorboardX lays it out.

Bucket ``i`` spans ``(bucket_limit[i-1], bucket_limit[i]]``; empty buckets at both ends are trimmed,
keeping one empty bucket on the left so that the leftmost edge survives (TensorBoard stores only
right edges).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from lightboard.proto.summary_pb2 import HistogramProto, Summary


@lru_cache(maxsize=1)
def tensorflow_bins() -> np.ndarray:
    """TensorBoard's default edges: ``±1e-12 · 1.1**k`` below 1e20, and 0 (1,549 edges)."""
    edges = []
    value = 1e-12
    while value < 1e20:
        edges.append(value)
        value *= 1.1
    positive = np.array(edges)
    result = np.concatenate([-positive[::-1], [0.0], positive])
    result.setflags(write=False)
    return result


def _merge(counts: np.ndarray, limits: np.ndarray, max_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge adjacent bins so that at most about ``max_bins`` remain (tensorboardX's rule)."""
    group = len(counts) // max_bins
    remainder = len(counts) % group
    if remainder:
        counts = np.pad(counts, (0, group - remainder))
    counts = counts.reshape(-1, group).sum(axis=-1)
    merged = np.empty(counts.size + 1, limits.dtype)
    merged[:-1] = limits[:-1:group]
    merged[-1] = limits[-1]
    return counts, merged


def histogram_proto(values: np.ndarray, bins: Any, max_bins: int | None = None) -> HistogramProto:
    """Bin the float64 vector ``values`` (non-empty) with numpy ``bins`` into a ``HistogramProto``.

    Raises:
        ValueError: if numpy cannot bin the values, or none falls within the edges.
    """
    if isinstance(bins, str) and bins == "tensorflow":
        bins = tensorflow_bins()
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        counts, limits = _merge(counts, limits, max_bins)
    nonzero = np.flatnonzero(counts)
    if not nonzero.size:
        raise ValueError(f"no value falls within the bin edges [{limits[0]}, {limits[-1]}]")
    start, end = int(nonzero[0]), int(nonzero[-1]) + 1
    kept_counts = counts[start - 1 : end] if start > 0 else np.concatenate([[0], counts[:end]])
    return HistogramProto(
        min=values.min(),
        max=values.max(),
        num=len(values),
        sum=values.sum(),
        sum_squares=values.dot(values),
        bucket_limit=limits[start : end + 1].tolist(),
        bucket=kept_counts.tolist(),
    )


def summary(tag: str, histogram: HistogramProto) -> Summary:
    """A ``Summary`` holding one histogram value."""
    return Summary(value=[Summary.Value(tag=tag, histo=histogram)])
