"""Histograms, stored as the legacy ``HistogramProto`` exactly as tensorboardX lays it out.

Bucket ``i`` spans ``(bucket_limit[i-1], bucket_limit[i]]``; empty buckets at both ends are trimmed,
keeping one empty bucket on the left so that the leftmost edge survives (TensorBoard stores only
right edges).

``add_histogram`` is a hot path (weights every few steps), so :class:`Histogram` bins with a sort in
the input's own precision and serializes the event by hand; tests prove the bytes identical to
tensorboardX's ``make_histogram`` through the protobuf library.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from lightboard.events.wire import double_field, length_delimited, summary_event
from lightboard.proto.summary_pb2 import HistogramProto, Summary
from lightboard.summaries.tensor_proto import to_array

_NUMBER_KEYS = (0x09, 0x11, 0x19, 0x21, 0x29)  # min, max, num, sum, sum_squares: doubles 1..5
_NUMBERS = struct.Struct("<" + "Bd" * 5)


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


def explicit_edges(bins: Any) -> np.ndarray | None:
    """The float64 edges of ``"tensorflow"`` or of an explicit edge sequence, else None (numpy computes them).

    Raises:
        ValueError: edges that do not increase monotonically.
    """
    if isinstance(bins, str):
        return tensorflow_bins() if bins == "tensorflow" else None
    if np.ndim(bins) != 1:
        return None
    edges = np.asarray(bins, dtype=np.float64)
    if len(edges) < 2 or not np.all(edges[1:] >= edges[:-1]):
        raise ValueError(f"bin edges must be at least two and increase monotonically, got {list(bins)!r}")
    return edges


Extremes = tuple[float, float] | None


def _counts(values: np.ndarray, bins: Any) -> tuple[int, np.ndarray, np.ndarray, Extremes]:
    """``numpy.histogram(values.astype(float), bins)`` as ``(first, counts, edges, extremes)``.

    ``counts[i]`` is bin ``first + i``; ``extremes`` is ``(values.min(), values.max())`` when the sort
    already tells them, else None. For explicit edges only the window of bins between the smallest and
    the largest value is counted (every other bin is empty), sorting in the input's own precision:
    float32 to float64 is exact, so the order is that of the float64 copies, and counts come out as
    numpy's non-uniform-bins path finds them.
    """
    edges = explicit_edges(bins)
    if edges is None:
        counts, edges = np.histogram(values.astype(np.float64), bins=bins)
        return 0, counts, edges, None
    ordered = np.sort(values).astype(np.float64, copy=False)
    low, high = float(ordered[0]), float(ordered[-1])
    if high != high:  # NaN sorts last; numpy's min and max are NaN then
        extremes: Extremes = (high, high)
    else:  # the sign numpy gives a zero minimum or maximum is its own business: ask it
        extremes = None if low == 0.0 or high == 0.0 else (low, high)
    last = len(edges) - 1
    first = max(int(edges.searchsorted(ordered[0], "right")) - 1, 0)
    stop = min(int(edges.searchsorted(ordered[-1], "right")), last)  # NaN sorts last: then every edge
    cumulative = ordered.searchsorted(edges[first : stop + 1], "left")
    if stop == last:  # the last bin is closed on the right
        cumulative[-1] = ordered.searchsorted(edges[last], "right")
    return first, cumulative[1:] - cumulative[:-1], edges, extremes


@dataclass
class Histogram:
    """The fields of a ``HistogramProto``; ``limits`` are right edges of ``counts``."""

    min: float
    max: float
    num: float
    sum: float
    sum_squares: float
    limits: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, bins: Any = "tensorflow", max_bins: int | None = None) -> Histogram:
        """Bin the non-empty vector ``values`` (float32 or float64) with numpy ``bins``, as tensorboardX does.

        Values that fall within no bin (NaN, or beyond the edges) count in ``num``, ``min`` and ``max``
        only; if no value falls within the edges, the histogram has no buckets (tensorboardX raises).

        Raises:
            ValueError: if numpy cannot choose edges for the values (e.g. ``"auto"`` with NaN).
        """
        first, counts, edges, extremes = _counts(values, bins)
        if max_bins is not None and len(edges) - 1 > max_bins:
            full = np.zeros(len(edges) - 1, dtype=counts.dtype)
            full[first : first + len(counts)] = counts
            first, (counts, edges) = 0, _merge(full, edges, max_bins)
        # Keep the bins from the first to the last non-empty one, plus the (empty) bin before them:
        # TensorBoard stores right edges only, so that bin's right edge is the histogram's left edge.
        nonzero = counts.nonzero()[0]
        if nonzero.size:
            start, end = first + int(nonzero[0]), first + int(nonzero[-1]) + 1
            kept = np.zeros(end - start + 1)
            kept[1:] = counts[nonzero[0] : nonzero[-1] + 1]
            limits = edges[start : end + 1]
        else:
            kept = limits = np.empty(0)
        wide = values.astype(np.float64, copy=False)
        with np.errstate(all="ignore"):  # inf - inf and overflow are recorded as NaN / inf, silently
            total, squares = float(wide.sum()), float(wide.dot(wide))
        low, high = extremes or (float(values.min()), float(values.max()))
        return cls(
            low,
            high,
            float(len(values)),
            total,
            squares,
            limits.astype(np.float64, copy=False),
            kept,
        )

    def proto(self) -> HistogramProto:
        """The ``HistogramProto`` (through the protobuf library)."""
        return HistogramProto(
            min=self.min,
            max=self.max,
            num=self.num,
            sum=self.sum,
            sum_squares=self.sum_squares,
            bucket_limit=self.limits.tolist(),
            bucket=self.counts.tolist(),
        )

    def serialized(self) -> bytes:
        """``self.proto().SerializeToString()``, written directly from the numpy buffers."""
        numbers = (self.min, self.max, self.num, self.sum, self.sum_squares)
        if 0.0 in numbers:  # proto3 leaves +0.0 out (and -0.0 compares equal here: let double_field decide)
            parts = [double_field(key, number) for key, number in zip(_NUMBER_KEYS, numbers, strict=True)]
        else:
            parts = [_NUMBERS.pack(0x09, self.min, 0x11, self.max, 0x19, self.num, 0x21, self.sum, 0x29, numbers[4])]
        if self.limits.size:
            parts.append(length_delimited(0x32, self.limits.astype("<f8", copy=False).tobytes()))
        if self.counts.size:
            parts.append(length_delimited(0x3A, self.counts.astype("<f8", copy=False).tobytes()))
        return b"".join(parts)


def event(tag: str, histogram: Histogram, wall_time: float, step: int) -> bytes:
    """A serialized ``Event`` with one histogram value under ``tag``."""
    raw_tag = tag.encode("utf-8")
    value = (length_delimited(0x0A, raw_tag) if raw_tag else b"") + length_delimited(0x2A, histogram.serialized())
    return summary_event(wall_time, step, value)


def summary(tag: str, histogram: HistogramProto) -> Summary:
    """A ``Summary`` holding one histogram value."""
    return Summary(value=[Summary.Value(tag=tag, histo=histogram)])


def buckets_of(value: Summary.Value) -> np.ndarray:
    """The ``[k, 3]`` float64 rows ``(left, right, count)`` of a histogram value (reader side).

    A legacy ``histo`` is migrated as TensorBoard does at read time: empty buckets at both ends are dropped,
    the first left edge is ``min`` and the last right edge ``max``; a tensor is taken as written.

    Raises:
        ValueError: the value holds no histogram, or a malformed one.
    """
    if value.HasField("tensor"):
        rows = to_array(value.tensor).astype(np.float64)
        if rows.size == 0:
            return rows.reshape(0, 3)
        if rows.ndim != 2 or rows.shape[1] != 3:
            raise ValueError(f"histogram {value.tag!r}: expected a [k, 3] tensor, got shape {rows.shape}")
        return rows
    if not value.HasField("histo"):
        raise ValueError(f"value {value.tag!r} holds no histogram")
    histo = value.histo
    counts = np.asarray(histo.bucket, dtype=np.float64)
    limits = np.asarray(histo.bucket_limit, dtype=np.float64)
    if len(counts) != len(limits):
        raise ValueError(f"histogram {value.tag!r}: {len(counts)} counts for {len(limits)} bucket limits")
    filled = np.flatnonzero(counts)
    if not len(filled):
        return np.zeros((0, 3))
    first, last = filled[0], filled[-1]
    rights = limits[first : last + 1].copy()
    lefts = np.concatenate(([histo.min], rights[:-1]))
    rights[-1] = histo.max
    return np.stack([lefts, rights, counts[first : last + 1]], axis=1)
