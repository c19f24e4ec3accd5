"""A run's per-rank streams (``SummaryWriter(ranks="all")``), found again and combined.

A writer on rank ``r`` of a distributed job writes its stream into ``<run>/rank-<r, 5 digits>``, which
TensorBoard shows as a run of its own. Here the streams of a run are grouped back under the run's name, and a
scalar tag can be aggregated across ranks, step by step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np

from lightboard.reader.series import Scalars

RANK_DIRECTORY = re.compile(r"(?:(?P<run>.+)/)?rank-(?P<rank>\d{5,})")
"""A rank stream's run name: the run, then ``rank-`` and the rank (zero-padded to 5 digits or more)."""
AGGREGATES = ("mean", "min", "max")


def group(run_names: Iterable[str]) -> dict[str, dict[int, str]]:
    """``{run: {rank: stream's run name}}`` for every run name that is a rank stream; a logdir that is
    itself one run's directory gives its streams under ``"."``."""
    groups: dict[str, dict[int, str]] = {}
    for name in run_names:
        match = RANK_DIRECTORY.fullmatch(name)
        if match is not None:
            groups.setdefault(match["run"] or ".", {})[int(match["rank"])] = name
    return {run: dict(sorted(streams.items())) for run, streams in sorted(groups.items())}


def aggregate(series: Mapping[int, Scalars], how: str = "mean") -> tuple[Scalars, np.ndarray]:
    """One tag across ranks, step by step: ``(Scalars, ranks)`` with the ranks' ``how`` (``mean``, ``min``
    or ``max``) of the values at each step, the latest wall time of the step, and how many ranks had it.

    Steps are sorted; a step some ranks did not log is aggregated over the ranks that did (see ``ranks``).
    NaN values propagate to their step's mean, min and max.
    """
    if how not in AGGREGATES:
        raise ValueError(f"how must be one of {AGGREGATES}, got {how!r}")
    columns = summarize(series)
    return Scalars(columns["step"], columns["wall_time"], columns[how]), columns["ranks"]


def summarize(series: Mapping[int, Scalars]) -> dict[str, np.ndarray]:
    """Every aggregate of one tag across ranks at once (one sort): the columns ``step`` (sorted, unique),
    ``wall_time`` (the step's latest), ``mean``, ``min``, ``max`` (float64; NaN propagates) and ``ranks`` (how
    many ranks logged the step). See :func:`aggregate`."""
    parts = [points for points in series.values() if len(points)]
    if not parts:
        empty = np.zeros(0)
        return {"step": np.zeros(0, np.int64), "wall_time": empty, **dict.fromkeys(AGGREGATES, empty),
                "ranks": np.zeros(0, np.int64)}  # fmt: skip
    steps = np.concatenate([points.step for points in parts])
    order = np.argsort(steps, kind="stable")
    steps = steps[order]
    starts = np.flatnonzero(np.concatenate(([True], steps[1:] != steps[:-1])))
    counts = np.diff(np.append(starts, len(steps)))
    values = np.concatenate([points.value for points in parts]).astype(np.float64)[order]
    walls = np.concatenate([points.wall_time for points in parts])[order]
    return {
        "step": steps[starts],
        "wall_time": np.maximum.reduceat(walls, starts),
        "mean": np.add.reduceat(values, starts) / counts,
        "min": np.minimum.reduceat(values, starts),
        "max": np.maximum.reduceat(values, starts),
        "ranks": counts,
    }
