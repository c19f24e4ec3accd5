"""What the viewer's API answers, computed from the runs of a :class:`~lightboard.reader.Logdir`: plain dicts
and tables.

Each function reads the runs as they stand (the caller refreshes the logdir) and returns JSON-ready values, so
the HTTP layer only parses arguments and encodes. The runs are :func:`lightboard.serve.merge.entries`: a run,
or a distributed run's rank streams merged into one entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lightboard.serve import envelope, merge
from lightboard.serve.merge import BAND, Entry, Merged
from lightboard.serve.plugin import NotFound
from lightboard.serve.smoothing import smooth

COLUMNS = ("step", "wall_time", "value", "smoothed")
"""The columns of a chart's series, in the order the binary encoding lays them out (a merged series then has
:data:`lightboard.serve.merge.BAND`)."""
X_AXES = ("step", "relative", "wall")
"""The x axes of a scalar chart: the step, seconds since the series' first point, or the wall time."""
ENVELOPE = ("value", "smoothed", "min", "max")
"""The columns whose lowest and highest point in each x bucket a downsampled series keeps (those it has)."""


def runs(entries: list[Entry]) -> list[dict[str, Any]]:
    """Every run with its number of scalar points, its last step and its first and last wall times (finite
    ones: a NaN wall time, which some writers leave, is not a time); a merged entry counts the points of all
    its streams and has ``ranks``, how many streams it merges."""
    listing = []
    for entry in entries:
        series = [run.scalars(tag) for run in merge.streams(entry) for tag in run.scalar_tags()]
        series = [points for points in series if len(points)]
        times = np.concatenate([points.wall_time for points in series]) if series else np.zeros(0)
        times = times[np.isfinite(times)]
        item = {
            "name": entry.name,
            "points": sum(len(points) for points in series),
            "last_step": max((int(points.step[-1]) for points in series), default=None),
            "start_time": float(times.min()) if len(times) else None,
            "last_time": float(times.max()) if len(times) else None,
        }
        if isinstance(entry, Merged):
            item["ranks"] = len(entry.streams)
        listing.append(item)
    return listing


def chosen_runs(entries: list[Entry], tag: str, names: list[str]) -> list[Entry]:
    """The runs asked for (all that have ``tag`` when ``names`` is empty); NotFound names what is missing."""
    if not names:
        found = [entry for entry in entries if tag in entry.scalar_tags()]
        if not found:
            raise NotFound(f"no run has a scalar tag {tag!r}")
        return found
    by_name = {entry.name: entry for entry in entries}
    chosen = []
    for name in names:
        if name not in by_name:
            raise NotFound(f"no run {name!r}")
        if tag not in by_name[name].scalar_tags():
            raise NotFound(f"run {name!r} has no scalar tag {tag!r}")
        chosen.append(by_name[name])
    return chosen


def series_columns(series: dict[str, Any]) -> tuple[str, ...]:
    """The columns of a chart's series, in their binary order: :data:`COLUMNS`, then the band when merged."""
    return COLUMNS + BAND if series.get("merged") else COLUMNS


def scalar_chart(
    entries: list[Entry],
    tag: str,
    x: str = "step",
    smoothing: float = 0.6,
    lo: float | None = None,
    hi: float | None = None,
    buckets: int = 1000,
) -> list[dict[str, Any]]:
    """One chart's series: per run, the points to draw of ``tag`` (see :func:`envelope.select`) with values
    smoothed on the whole series, sorted by the ``x`` axis and restricted to ``[lo, hi]`` when given.

    Each series is a dict of ``run``, ``count``, ``full``, ``start_time`` (the first finite wall time), ``merged``
    (True, for merged rank streams only) and the numpy columns :func:`series_columns` (``value``, ``smoothed``,
    ``min`` and ``max`` as float64, NaN and infinities kept). Smoothing runs in step order; on a time axis,
    points without a finite wall time are left out. A merged series keeps the envelope of its mean, smoothed
    mean, minimum and maximum: the band's extremes are never downsampled away.
    """
    if x not in X_AXES:
        raise ValueError(f"x must be one of {X_AXES}, got {x!r}")
    series = []
    for entry in entries:
        columns = merge.table(entry, tag)
        # in step order, as TensorBoard, whatever the x axis
        columns = {**columns, "smoothed": smooth(columns["value"], smoothing)}
        finite_times = columns["wall_time"][np.isfinite(columns["wall_time"])]
        start = float(finite_times[0]) if len(finite_times) else None
        axis = _axis(columns, x, start)
        keep = np.isfinite(axis)
        if not keep.all():  # a point without a time has no place on a time axis
            columns, axis = {name: column[keep] for name, column in columns.items()}, axis[keep]
        if len(axis) > 1 and not bool(np.all(axis[1:] >= axis[:-1])):
            order = np.argsort(axis, kind="stable")
            columns, axis = {name: column[order] for name, column in columns.items()}, axis[order]
        envelope_columns = [columns[name] for name in ENVELOPE if name in columns]
        chosen, full = envelope.select(axis, envelope_columns, buckets, lo, hi)
        item: dict[str, Any] = {"run": entry.name, "count": len(axis), "full": full, "start_time": start}
        if isinstance(entry, Merged):
            item["merged"] = True
        item.update({name: columns[name][chosen] for name in series_columns(item)})
        item["value"] = item["value"].astype(np.float64)
        series.append(item)
    return series


def _axis(columns: dict[str, np.ndarray], x: str, start: float | None) -> np.ndarray:
    if x == "step":
        return columns["step"]
    if x == "wall":
        return columns["wall_time"]
    return columns["wall_time"] - (start if start is not None else 0.0)


def download_table(entries: list[Entry], tag: str) -> dict[str, Any]:
    """Every point of ``tag`` in ``entries`` (each once, by name) as a table for the CLI's writers: ``run, step,
    wall_time, value`` as ``lightboard export`` writes them, then, when a run is merged, the band ``min, max,
    ranks`` (a run that is not merged is one rank: its value is its minimum and maximum)."""
    unique = sorted({entry.name: entry for entry in entries}.values(), key=lambda entry: entry.name)
    tables = [merge.table(entry, tag) for entry in unique]
    lengths = [len(columns["step"]) for columns in tables]
    names = ("step", "wall_time", "value")
    types = {"step": np.int64, "ranks": np.int64}
    if any(isinstance(entry, Merged) for entry in unique):
        names += BAND
        tables = [{"min": t["value"], "max": t["value"], "ranks": np.ones_like(t["step"]), **t} for t in tables]
    run = np.repeat(np.arange(len(unique), dtype=np.int32), lengths)
    table: dict[str, Any] = {"run": (run, [entry.name for entry in unique])}
    for name in names:
        table[name] = np.concatenate([columns[name] for columns in tables]).astype(types.get(name, np.float64))
    return table
