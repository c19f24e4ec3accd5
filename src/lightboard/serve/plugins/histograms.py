"""Histograms: every logged histogram of a tag, as ``[left, right, count]`` buckets (legacy ``histo`` values
migrated as TensorBoard does, by the reader).

Decoding is the cost here (a 100k-step tag holds 100k protobuf histograms, often ~600 buckets each), so:

- :func:`decoded` decodes a histogram only when it is first needed (``steps=60`` of a 100k-step tag decodes 60)
  and keeps what it decoded across data generations while the run's earlier values are unchanged (a live run
  adds a step: one more to decode, not 100k again); the distributions plugin shares it;
- :func:`points` answers a :class:`LazyPoints` sequence: a point's buckets become JSON-ready lists only when the
  point is served (``steps=N`` serves N of them), never for the whole tag at once.
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from lightboard.reader import Run
from lightboard.reader import points as reader_points
from lightboard.serve.plugin import Plugin

_NUMBER = {"type": ["number", "null"]}
BUCKETS_SCHEMA = {
    "type": "array",
    "description": "The buckets, left to right: [left edge, right edge, count]; null for an edge that is not finite.",
    "items": {"type": "array", "items": _NUMBER, "minItems": 3, "maxItems": 3},
}

KEEP_DECODED = 64
"""How many run/tag histogram lists :func:`decoded` keeps (least recently used dropped first)..."""
KEEP_HISTOGRAMS = 400_000
"""... and how many histograms in all (the most recent list is kept whatever its length)."""


def listed(array: np.ndarray) -> list:
    """``array`` as nested lists of floats, ``None`` where a value is NaN or infinite (JSON has neither)."""
    if np.isfinite(array).all():
        return array.tolist()
    return np.where(np.isfinite(array), array, None).tolist()


class Decoded:
    """A run/tag's histograms, each decoded when first needed: ``steps`` and ``wall_times`` (arrays, in logged
    order), :meth:`buckets` of one, :meth:`every` of them, and a slot for what the distributions plugin derives
    from them (``derived``: rows computed for the first ``len(derived)`` histograms)."""

    __slots__ = ("_buckets", "_values", "derived", "steps", "wall_times")

    def __init__(self, values: list[tuple[int, float, Any]], earlier: Decoded | None = None) -> None:
        n = len(earlier) if earlier else 0
        self.steps = np.fromiter((v[0] for v in values), dtype=np.int64, count=len(values))
        self.wall_times = np.fromiter((v[1] for v in values), dtype=np.float64, count=len(values))
        # Parsed values not decoded yet (None once decoded, so that only one form is held), and decoded buckets.
        self._values: list[Any] = ([None] * n if earlier else []) + [v[2] for v in values[n:]]
        self._buckets: list[np.ndarray | None] = (earlier._buckets[:n] if earlier else []) + [None] * (len(values) - n)
        if earlier:
            self._values[:n] = earlier._values[:n]
        self.derived: np.ndarray | None = earlier.derived if earlier else None

    def __len__(self) -> int:
        return len(self.steps)

    def buckets(self, index: int) -> np.ndarray:
        """The ``[k, 3]`` buckets of histogram ``index``, as the reader decodes them (a value that holds no
        histogram, which the reader would skip and report, is served empty)."""
        found = self._buckets[index]
        if found is None:
            step, wall_time = int(self.steps[index]), float(self.wall_times[index])
            value = self._values[index]
            found = legacy_buckets(value)
            if found is None:
                try:
                    (histogram,) = reader_points.histograms(step, wall_time, value)
                    found = histogram.buckets
                except ValueError:
                    found = np.zeros((0, 3))
            self._buckets[index] = found
            self._values[index] = None
        return found

    def every(self, start: int = 0) -> list[np.ndarray]:
        """The buckets of histograms ``start ..``, decoded as needed."""
        return [self.buckets(i) for i in range(start, len(self))]


def legacy_buckets(value: Any) -> np.ndarray | None:
    """The buckets of a legacy ``histo`` value, migrated as the reader migrates them (empty buckets at both ends
    dropped, the first left edge ``min`` and the last right edge ``max``), read from the serialized
    ``HistogramProto`` with numpy: 4x faster than through the protobuf's repeated fields (15 µs, not 58, for
    ~600 buckets). None for anything else (a tensor, or a layout this does not read): the reader decodes it."""
    if not value.HasField("histo"):
        return None
    data = value.histo.SerializeToString()
    low = high = 0.0
    limits = counts = None
    at, size = 0, len(data)
    while at < size:
        key = data[at]
        at += 1
        field, wire = key >> 3, key & 7
        if wire == 1 and field in (1, 2, 3, 4, 5):  # min, max, num, sum, sum_squares
            if field == 1:
                (low,) = _DOUBLE.unpack_from(data, at)
            elif field == 2:
                (high,) = _DOUBLE.unpack_from(data, at)
            at += 8
        elif wire == 2 and field in (6, 7):  # packed bucket_limit, bucket
            length, shift = 0, 0
            while True:
                byte = data[at]
                at += 1
                length |= (byte & 0x7F) << shift
                shift += 7
                if byte < 0x80:
                    break
            if length % 8 or at + length > size or (limits if field == 6 else counts) is not None:
                return None
            doubles = np.frombuffer(data, dtype="<f8", count=length // 8, offset=at)
            if field == 6:
                limits = doubles
            else:
                counts = doubles
            at += length
        else:
            return None
    limits = np.zeros(0) if limits is None else limits
    counts = np.zeros(0) if counts is None else counts
    if len(limits) != len(counts):
        return None  # malformed: the reader says so
    filled = np.flatnonzero(counts)
    if not len(filled):
        return np.zeros((0, 3))
    first, last = filled[0], filled[-1] + 1
    buckets = np.empty((last - first, 3))
    buckets[:, 1] = limits[first:last]
    buckets[0, 0] = low
    buckets[1:, 0] = limits[first : last - 1]
    buckets[-1, 1] = high
    buckets[:, 2] = counts[first:last]
    return buckets


_DOUBLE = struct.Struct("<d")
_cache: OrderedDict[tuple[str, str, str], Decoded] = OrderedDict()
_lock = threading.Lock()


def decoded(run: Run, tag: str) -> Decoded:
    """The histograms of ``tag`` in ``run`` (:meth:`Run.values`, decoded as :meth:`Run.histograms` decodes them
    when first needed), keeping what was decoded at the last call for the same run directory and tag when the
    earlier values are unchanged (same leading steps and wall times; otherwise all is decoded anew)."""
    key = (run.directory, run.name, tag)
    values = run.values(tag)
    with _lock:
        known = _cache.get(key)
    if known is not None and len(known) == len(values) and _same_prefix(known, values):
        result = known
    elif known is not None and 0 < len(known) <= len(values) and _same_prefix(known, values):
        result = Decoded(values, known)
    else:
        result = Decoded(values)
    with _lock:
        _cache[key] = result
        _cache.move_to_end(key)
        while len(_cache) > 1 and (
            len(_cache) > KEEP_DECODED or sum(len(kept) for kept in _cache.values()) > KEEP_HISTOGRAMS
        ):
            _cache.popitem(last=False)
    return result


def _same_prefix(known: Decoded, values: list[tuple[int, float, Any]]) -> bool:
    n = len(known)
    steps = np.fromiter((v[0] for v in values[:n]), dtype=np.int64, count=n)
    walls = np.fromiter((v[1] for v in values[:n]), dtype=np.float64, count=n)
    return bool(np.array_equal(steps, known.steps) and np.array_equal(walls, known.wall_times, equal_nan=True))


class LazyPoints(Sequence):
    """A tag's points as the plugin contract wants them, made on access: indexing gives a complete JSON-ready
    dict (``make(i)``); iterating gives dicts with ``step`` and ``wall_time`` whose other keys are filled from
    ``make(i)`` when first looked up. Nothing is listed for points that are never served."""

    def __init__(self, steps: np.ndarray, wall_times: np.ndarray, make: Callable[[int], dict[str, Any]]) -> None:
        self._steps = steps
        self._wall_times = wall_times
        self._make = make

    def __len__(self) -> int:
        return len(self._steps)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._make(int(range(len(self))[index]))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i, (step, wall_time) in enumerate(zip(self._steps.tolist(), self._wall_times.tolist(), strict=True)):
            yield _Point(step, wall_time, i, self._make)


class _Point(dict):
    """A point holding ``step`` and ``wall_time``; its other keys are made when one is first looked up."""

    def __init__(self, step: int, wall_time: float, index: int, make: Callable[[int], dict[str, Any]]) -> None:
        super().__init__(step=step, wall_time=wall_time)
        self._index = index
        self._make = make

    def __missing__(self, key: str) -> Any:
        complete = self._make(self._index)
        if key not in complete:
            raise KeyError(key)
        self.update(complete)
        return complete[key]


def points(run: Run, tag: str) -> Sequence[dict[str, Any]]:
    """Every histogram of ``tag`` in ``run``: ``step``, ``wall_time``, ``buckets`` (made when served)."""
    found = decoded(run, tag)

    def make(i: int) -> dict[str, Any]:
        return {
            "step": int(found.steps[i]),
            "wall_time": float(found.wall_times[i]),
            "buckets": listed(found.buckets(i)),
        }

    return LazyPoints(found.steps, found.wall_times, make)


PLUGIN = Plugin(
    name="histograms",
    title="Histograms",
    kind="histograms",
    points=points,  # type: ignore[arg-type]  # a lazy Sequence of the points, not a list
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "buckets"],
        "properties": {"step": {"type": "integer"}, "wall_time": {"type": "number"}, "buckets": BUCKETS_SCHEMA},
    },
)
