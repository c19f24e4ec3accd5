"""What the viewer's API answers, computed from a :class:`~lightboard.reader.Logdir`: plain dicts and tables.

Each function reads the logdir as it stands (the caller refreshes it) and returns JSON-ready values, so the
HTTP layer only parses arguments and encodes.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from lightboard.reader import Logdir, Run, Scalars, frames
from lightboard.serve import envelope
from lightboard.serve.smoothing import smooth

COLUMNS = ("step", "wall_time", "value", "smoothed")
"""The columns of a chart's series, in the order the binary encoding lays them out."""
X_AXES = ("step", "relative", "wall")
"""The x axes of a scalar chart: the step, seconds since the series' first point, or the wall time."""


class NotFound(LookupError):
    """A run or tag the logdir does not have (the API answers 404 with the message)."""


def runs(logdir: Logdir) -> list[dict[str, Any]]:
    """Every run with its number of scalar points, its last step and its first and last wall times (finite
    ones: a NaN wall time, which some writers leave, is not a time)."""
    listing = []
    for run in logdir:
        series = [run.scalars(tag) for tag in run.scalar_tags()]
        series = [points for points in series if len(points)]
        times = [points.wall_time[np.isfinite(points.wall_time)] for points in series]
        times = [finite for finite in times if len(finite)]
        listing.append(
            {
                "name": run.name,
                "points": sum(len(points) for points in series),
                "last_step": max((int(points.step[-1]) for points in series), default=None),
                "start_time": min((float(finite.min()) for finite in times), default=None),
                "last_time": max((float(finite.max()) for finite in times), default=None),
            }
        )
    return listing


def scalar_tags(logdir: Logdir) -> dict[str, list[str]]:
    """``{tag: [runs that have it]}`` for every scalar tag, tags and runs sorted."""
    tags: dict[str, list[str]] = {}
    for run in logdir:
        for tag in run.scalar_tags():
            tags.setdefault(tag, []).append(run.name)
    return dict(sorted(tags.items()))


def chosen_runs(logdir: Logdir, tag: str, names: list[str]) -> list[Run]:
    """The runs asked for (all that have ``tag`` when ``names`` is empty); NotFound names what is missing."""
    if not names:
        found = [run for run in logdir if tag in run.scalar_tags()]
        if not found:
            raise NotFound(f"no run has a scalar tag {tag!r}")
        return found
    chosen = []
    for name in names:
        if name not in logdir.runs:
            raise NotFound(f"no run {name!r}")
        run = logdir.run(name)
        if tag not in run.scalar_tags():
            raise NotFound(f"run {name!r} has no scalar tag {tag!r}")
        chosen.append(run)
    return chosen


def scalar_chart(
    runs_: list[Run],
    tag: str,
    x: str = "step",
    smoothing: float = 0.6,
    lo: float | None = None,
    hi: float | None = None,
    buckets: int = 1000,
) -> list[dict[str, Any]]:
    """One chart's series: per run, the points to draw of ``tag`` (see :func:`envelope.select`) with values
    smoothed on the whole series, sorted by the ``x`` axis and restricted to ``[lo, hi]`` when given.

    Each series is a dict of ``run``, ``count``, ``full``, ``start_time`` (the first finite wall time) and the
    numpy columns :data:`COLUMNS` (``value`` and ``smoothed`` as float64, NaN and infinities kept). Smoothing
    runs in step order; on a time axis, points without a finite wall time are left out.
    """
    if x not in X_AXES:
        raise ValueError(f"x must be one of {X_AXES}, got {x!r}")
    series = []
    for run in runs_:
        points = run.scalars(tag)
        smoothed = smooth(points.value, smoothing)  # in step order, as TensorBoard, whatever the x axis
        finite_times = points.wall_time[np.isfinite(points.wall_time)]
        start = float(finite_times[0]) if len(finite_times) else None
        axis = _axis(points, x, start)
        keep = np.isfinite(axis)
        if not keep.all():  # a point without a time has no place on a time axis
            points, smoothed, axis = Scalars(*(column[keep] for column in points)), smoothed[keep], axis[keep]
        order = None if len(axis) < 2 or bool(np.all(axis[1:] >= axis[:-1])) else np.argsort(axis, kind="stable")
        if order is not None:
            points, smoothed, axis = Scalars(*(column[order] for column in points)), smoothed[order], axis[order]
        chosen, full = envelope.select(axis, (points.value, smoothed), buckets, lo, hi)
        series.append(
            {
                "run": run.name,
                "count": len(points),
                "full": full,
                "start_time": start,
                "step": points.step[chosen],
                "wall_time": points.wall_time[chosen],
                "value": points.value[chosen].astype(np.float64),
                "smoothed": smoothed[chosen],
            }
        )
    return series


def _axis(points: Scalars, x: str, start: float | None) -> np.ndarray:
    if x == "step":
        return points.step
    if x == "wall":
        return points.wall_time
    return points.wall_time - (start if start is not None else 0.0)


def download_table(logdir: Logdir, runs_: list[Run], tag: str) -> dict[str, Any]:
    """Every point of ``tag`` in ``runs_`` as a table (``run, step, wall_time, value``): the columns ``lightboard
    export`` writes, for the CLI's writers."""
    names = "|".join(re.escape(run.name) for run in runs_)
    table = frames.columns(logdir, runs=f"^(?:{names})$", tags=f"^{re.escape(tag)}$")
    del table["tag"]
    return table
