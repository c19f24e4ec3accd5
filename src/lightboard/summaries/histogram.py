"""Histograms, stored as the legacy ``HistogramProto`` exactly as tensorboardX lays it out.

Bucket ``i`` spans ``(bucket_limit[i-1], bucket_limit[i]]``; empty buckets at both ends are trimmed,
keeping one empty bucket on the left so that the leftmost edge survives (TensorBoard stores only
right edges).

``add_histogram`` is a hot path (weights every few steps), so :class:`Histogram` counts explicit edges
in one pass without sorting (:func:`count_python`, or its C twin ``_histogram.count``) and serializes the
event by hand; tests prove the bytes identical to tensorboardX's ``make_histogram`` through the protobuf
library, and to the sort-based binning this replaced.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from lightboard.events.wire import double_field, length_delimited, summary_event
from lightboard.optional import extension
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


_native = extension("lightboard.summaries._histogram")  # C: the counting loop
TABLE_BITS = 16
"""Bits of a value's ordered key that index the bin table of TensorBoard's default edges (sign, exponent and
4 mantissa bits: 16 slices per power of two, each holding at most one of those edges, 1.1 apart)."""


def ordered_keys(values: np.ndarray) -> np.ndarray:
    """int64 keys in the order of the float64 ``values`` (NaN aside; ``-0.0`` just below ``+0.0``)."""
    keys = values.view(np.int64)
    return keys ^ ((keys >> 63) & 0x7FFF_FFFF_FFFF_FFFF)


@lru_cache(maxsize=1)
def tensorflow_table() -> np.ndarray:
    """The bin table of :func:`tensorflow_bins`, indexed by the top :data:`TABLE_BITS` of a double's key.

    Entry ``s`` is the bin (largest ``i`` with ``edges[i] <= x``, -1 if none) of the least double ``x`` whose
    key's slot is ``s``: every other double of that slot is in that bin or the next one.

    Raises:
        RuntimeError: if some slot held more than one edge (it cannot: the edges are 1.1 apart).
    """
    half = 1 << (TABLE_BITS - 1)
    low_keys = np.arange(-half, half, dtype=np.int64) << (64 - TABLE_BITS)
    keys = ordered_keys(tensorflow_bins())  # increasing, as the edges
    table = (keys.searchsorted(low_keys, "right") - 1).astype(np.int32)
    if np.diff(np.append(table, len(keys) - 1)).max() > 1:
        raise RuntimeError("a slot of the histogram bin table holds more than one edge")
    table.setflags(write=False)
    return table


def count_python(
    values: np.ndarray, edges: np.ndarray, table: np.ndarray | None, shift: int, counts: np.ndarray
) -> tuple[int, int, float, float, bool]:
    """Count ``values`` into the bins of ``edges`` as ``numpy.histogram`` does, without sorting.

    The pure-Python twin of the C ``_histogram.count`` (``LIGHTBOARD_PURE_PYTHON=1`` forces it). ``values``
    (float32 or float64) are compared as float64; bin ``i`` counts ``edges[i] <= value < edges[i + 1]``, the
    last one also ``value == edges[-1]``. ``counts`` (int64, zeros, one more than the edges) receives bin ``i``
    at ``i + 1``; ``counts[0]`` and ``counts[-1]`` the values below and above the edges, and each NaN in one
    of them (which one may differ from the C twin's).

    A value's bin is the largest ``i`` with ``edges[i] <= value``: a bisection of all edges when ``table``
    is None, else ``table[slot]`` (``slot``: the top ``64 - shift`` bits of its :func:`ordered_keys`, offset
    to start at 0) or the next bin, as one comparison with the next edge tells (:func:`tensorflow_table`).

    Returns:
        ``(first_bin, last_bin, minimum, maximum, nan)``: the first and last non-empty bin (-1, -1 if all are
        empty), the least and greatest value other than NaN (``inf``, ``-inf`` if none), whether any is NaN.
    """
    wide = values.astype(np.float64, copy=False)
    last = len(edges) - 1
    if table is None:
        bins = edges.searchsorted(wide, "right") - 1
    else:
        bins = table.take((ordered_keys(wide) >> shift) + (1 << (63 - shift)))
        padded = np.append(edges, np.nan)  # NaN: no value is at or above it
        with np.errstate(invalid="ignore"):
            bins += padded.take(bins + 1) <= wide
    minimum, maximum = float(wide.min()), float(wide.max())
    nan = math.isnan(minimum)
    if nan:  # the extremes of the other values
        numbers = wide[~np.isnan(wide)]
        minimum, maximum = (float(numbers.min()), float(numbers.max())) if numbers.size else (math.inf, -math.inf)
    if maximum >= edges[last]:  # the last bin is closed on the right
        bins[(bins == last) & (wide == edges[last])] = last - 1
    counts += np.bincount(bins + 1, minlength=last + 2)
    filled = counts[1:-1].nonzero()[0]
    first_bin, last_bin = (int(filled[0]), int(filled[-1])) if filled.size else (-1, -1)
    return first_bin, last_bin, minimum, maximum, nan


_count = count_python if _native is None else _native.count

Extremes = tuple[float, float] | None


def _trimmed(counts: np.ndarray) -> tuple[int, np.ndarray]:
    """``(first, window)``: the bins from the first to the last non-empty one, the first being bin ``first``."""
    filled = counts.nonzero()[0]
    if not filled.size:
        return 0, counts[:0]
    return int(filled[0]), counts[filled[0] : filled[-1] + 1]


def _counts(values: np.ndarray, bins: Any) -> tuple[int, np.ndarray, np.ndarray, Extremes]:
    """``numpy.histogram(values.astype(float), bins)`` as ``(first, counts, edges, extremes)``.

    ``counts`` are the bins from the first to the last non-empty one, the first being bin ``first`` of
    ``edges``; ``extremes`` is ``(values.min(), values.max())`` when the count tells them, else None. Explicit
    edges are counted in one pass (:func:`count_python`), every value compared as its float64 copy.
    """
    edges = explicit_edges(bins)
    if edges is None:
        counts, edges = np.histogram(values.astype(np.float64), bins=bins)
        return *_trimmed(counts), edges, None
    table = tensorflow_table() if edges is tensorflow_bins() else None
    values = np.ascontiguousarray(values, dtype=np.float32 if values.dtype == np.float32 else np.float64)
    counts = np.zeros(len(edges) + 1, np.int64)
    first, last, low, high, nan = _count(values, np.ascontiguousarray(edges), table, 64 - TABLE_BITS, counts)
    if nan:  # min and max are NaN, and always the one NaN 0x7ff8... (numpy's min and max keep a NaN's sign and
        # payload on some paths, not on others)
        extremes: Extremes = (math.nan, math.nan)
    else:  # the sign numpy gives a zero minimum or maximum is its own business: ask it
        extremes = None if low == 0.0 or high == 0.0 else (low, high)
    if first < 0:
        return 0, counts[:0], edges, extremes
    return first, counts[first + 1 : last + 2], edges, extremes


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
        only (``min`` and ``max`` are then NaN, of the one bit pattern ``0x7ff8...``, whatever NaNs were logged);
        if no value falls within the edges, the histogram has no buckets (tensorboardX raises).

        Raises:
            ValueError: if numpy cannot choose edges for the values (e.g. ``"auto"`` with NaN).
        """
        first, counts, edges, extremes = _counts(values, bins)
        if max_bins is not None and len(edges) - 1 > max_bins:
            full = np.zeros(len(edges) - 1, dtype=counts.dtype)
            full[first : first + len(counts)] = counts
            merged, edges = _merge(full, edges, max_bins)
            first, counts = _trimmed(merged)
        # Keep the bins from the first to the last non-empty one, plus the (empty) bin before them:
        # TensorBoard stores right edges only, so that bin's right edge is the histogram's left edge.
        if counts.size:
            kept = np.zeros(len(counts) + 1)
            kept[1:] = counts
            limits = edges[first : first + len(counts) + 1]
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
