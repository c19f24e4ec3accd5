"""Rank streams merged: the per-rank streams of a distributed run (``SummaryWriter(ranks="all")``) as one entry.

With ``ranks=merge`` the viewer lists, in place of a run's streams ``<run>/rank-00000``, ``<run>/rank-00001``, …,
one entry ``<run>/rank-*`` (``rank-*`` for streams directly in the logdir) whose series hold, at each step, the
mean across the ranks that logged that step, the ranks' minimum and maximum (the band the page draws around the
mean) and how many ranks logged it (:func:`lightboard.reader.ranks.summarize`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from lightboard.reader import Logdir, Run, Scalars, ranks

MODES = ("separate", "merge")
"""``ranks=``: every rank stream shown as a run of its own, or each run's rank streams merged into one entry."""
BAND = ("min", "max", "ranks")
"""The columns a merged series has beyond a run's: the ranks' minimum and maximum, and how many logged the step."""


class Merged:
    """The rank streams of one run, seen as one entry named ``<run>/rank-*``. Its tables are computed once: it
    describes the data as read when it was made (the viewer makes new ones each time new data is read).

    Args:
        run: the run's name, as :func:`lightboard.reader.ranks.group` gives it (``"."`` for the logdir itself).
        streams: the run's rank streams, by rank.
    """

    def __init__(self, run: str, streams: Mapping[int, Run]) -> None:
        self.name = "rank-*" if run == "." else f"{run}/rank-*"
        self.streams = dict(streams)
        self._tables: dict[str, dict[str, np.ndarray]] = {}

    def __repr__(self) -> str:
        return f"Merged({self.name!r}, {len(self.streams)} ranks)"

    def scalar_tags(self) -> list[str]:
        """The scalar tags any of the streams has, sorted."""
        return sorted({tag for stream in self.streams.values() for tag in stream.scalar_tags()})

    def table(self, tag: str) -> dict[str, np.ndarray]:
        """``tag`` across the streams that have it, step by step: ``step``, ``wall_time`` (the step's latest),
        ``value`` (the mean) and the :data:`BAND` columns. Computed once per object, and not again while the
        streams hold the same points (a finished job is not merged anew whenever another run grows)."""
        if tag not in self._tables:
            series = {rank: run.scalars(tag) for rank, run in self.streams.items() if tag in run.scalar_tags()}
            key = (self.name, tag, *((rank, *_fingerprint(points)) for rank, points in series.items()))
            columns = _RECENT.pop(key, None)
            if columns is None:
                columns = ranks.summarize(series)
                columns["value"] = columns.pop("mean")
            _RECENT[key] = columns
            while len(_RECENT) > RECENT_TABLES:
                _RECENT.popitem(last=False)
            self._tables[tag] = columns
        return self._tables[tag]


RECENT_TABLES = 32
"""Merged tables kept across refreshes, the most recently used."""
_RECENT: OrderedDict[tuple, dict[str, np.ndarray]] = OrderedDict()


def _fingerprint(points: Scalars) -> tuple:
    """What tells a stream's series apart from its earlier states: new points change the length or the last one."""
    if not len(points):
        return (0,)
    return len(points), int(points.step[-1]), float(points.wall_time[-1]), float(points.value[-1])


Entry = Run | Merged
"""What the viewer lists as a run: a run, or a run's rank streams merged."""


def entries(logdir: Logdir, mode: str) -> list[Entry]:
    """The runs of ``logdir`` sorted by name, each run's rank streams merged into one :class:`Merged` when
    ``mode`` is ``"merge"``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "separate":
        return list(logdir)
    groups = ranks.group(logdir.runs)
    streams = {name for group in groups.values() for name in group.values()}
    merged = [Merged(run, {rank: logdir.run(name) for rank, name in group.items()}) for run, group in groups.items()]
    return sorted([run for run in logdir if run.name not in streams] + merged, key=lambda entry: entry.name)


def streams(entry: Entry) -> list[Run]:
    """The runs ``entry`` is made of: its rank streams, or the run itself."""
    return list(entry.streams.values()) if isinstance(entry, Merged) else [entry]


def table(entry: Entry, tag: str) -> dict[str, np.ndarray]:
    """``tag``'s columns in ``entry``: ``step``, ``wall_time``, ``value``, and the :data:`BAND` for a merged one."""
    return entry.table(tag) if isinstance(entry, Merged) else entry.scalars(tag)._asdict()
