"""Histograms: every logged histogram of a tag, as ``[left, right, count]`` buckets (legacy ``histo`` values
migrated as TensorBoard does, by the reader).

Decoding is the cost here (a 100k-step tag holds 100k protobuf histograms, often ~600 buckets each), so:

- :func:`decoded` keeps each run/tag's decoded histograms across data generations and decodes only the values
  logged since (a live run adds a step, the server decodes one histogram, not 100k again); the distributions
  plugin shares it;
- :func:`points` answers a :class:`LazyPoints` sequence: a point's buckets become JSON-ready lists only when the
  point is served (``steps=N`` serves N of them), never for the whole tag at once.
"""

from __future__ import annotations

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
"""How many run/tag histogram lists :func:`decoded` keeps (least recently used dropped first)."""


def listed(array: np.ndarray) -> list:
    """``array`` as nested lists of floats, ``None`` where a value is NaN or infinite (JSON has neither)."""
    if np.isfinite(array).all():
        return array.tolist()
    return np.where(np.isfinite(array), array, None).tolist()


class Decoded:
    """A run/tag's histograms as decoded so far: ``histograms`` (the reader's :class:`Histogram` objects),
    their ``steps`` and ``wall_times`` as arrays, and a cache slot for what the distributions plugin derives
    from them (``derived``: rows computed for the first ``len(derived)`` histograms)."""

    __slots__ = ("derived", "histograms", "steps", "wall_times")

    def __init__(self, histograms: list[reader_points.Histogram]) -> None:
        self.histograms = histograms
        self.steps = np.fromiter((h.step for h in histograms), dtype=np.int64, count=len(histograms))
        self.wall_times = np.fromiter((h.wall_time for h in histograms), dtype=np.float64, count=len(histograms))
        self.derived: np.ndarray | None = None


_cache: OrderedDict[tuple[str, str, str], Decoded] = OrderedDict()
_lock = threading.Lock()


def decoded(run: Run, tag: str) -> Decoded:
    """The histograms of ``tag`` in ``run``, as :meth:`Run.histograms` gives them, decoding only values logged
    since the last call for the same run directory and tag (when the earlier ones are unchanged: same count
    of leading steps and wall times; otherwise everything is decoded anew)."""
    key = (run.directory, run.name, tag)
    values = run.values(tag)
    with _lock:
        known = _cache.get(key)
    n = len(known.histograms) if known else 0
    if known and n <= len(values) and n and _same_prefix(known, values):
        fresh = _decode(values[n:])
        if fresh is None:
            result = Decoded(run.histograms(tag))  # an undecodable value: the reader skips and reports it
        elif not fresh:
            result = known
        else:
            result = Decoded(known.histograms + fresh)
            result.derived = known.derived
    else:
        fresh = _decode(values)
        result = Decoded(fresh if fresh is not None else run.histograms(tag))
    with _lock:
        _cache[key] = result
        _cache.move_to_end(key)
        while len(_cache) > KEEP_DECODED:
            _cache.popitem(last=False)
    return result


def _same_prefix(known: Decoded, values: list[tuple[int, float, Any]]) -> bool:
    n = len(known.histograms)
    steps = np.fromiter((v[0] for v in values[:n]), dtype=np.int64, count=n)
    walls = np.fromiter((v[1] for v in values[:n]), dtype=np.float64, count=n)
    return bool(np.array_equal(steps, known.steps) and np.array_equal(walls, known.wall_times, equal_nan=True))


def _decode(values: list[tuple[int, float, Any]]) -> list[reader_points.Histogram] | None:
    """``values`` decoded as the reader decodes them; None if one does not decode (the reader reports it)."""
    out: list[reader_points.Histogram] = []
    try:
        for step, wall_time, value in values:
            out.extend(reader_points.histograms(step, wall_time, value))
    except ValueError:
        return None
    return out


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
        h = found.histograms[i]
        return {"step": h.step, "wall_time": h.wall_time, "buckets": listed(h.buckets)}

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
