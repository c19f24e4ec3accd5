"""``lightboard summary``: one line per scalar series: points, NaNs, last, min, max, step of min, a sparkline."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import Any, NamedTuple

import numpy as np

from lightboard.cli.common import FAILURE, CliError, logdir_options, open_logdir, selected, table, warn_damage
from lightboard.cli.watch import alerts_by_run, short
from lightboard.reader import Scalars

SPARKS = "▁▂▃▄▅▆▇█"
MIN_NAME = 12
"""Narrowest a run or tag column is cut to on a narrow terminal."""
HEADER = ("run", "tag", "points", "nan", "last", "min", "max", "min step", "trend")
EXAMPLES = """\
examples:
  lightboard summary runs/                                 every scalar series of every run
  lightboard summary runs/ --tags '^loss' --spark 40       longer sparklines
  lightboard summary runs/ --runs '^exp1/' | sort -g -k6   sorted by min (column 6)

Per (run, tag): the number of points and of NaN values among them, the last value, min and max (NaN
ignored; inf counts), the step of the (first) min, and a sparkline of the whole series: each character is
the mean of the finite values of one stretch of points, scaled from the lowest mean (▁) to the highest (█);
a blank stretch had none. Names are shortened with … to fit the terminal.

When a series has alerts (what lightboard writers recorded, and NaN / inf in any writer's scalars), a last
column names them (rule@step), and alerts of no series (a stalled run) are listed under the table.
"""


class Stats(NamedTuple):
    """The numbers ``summary`` shows for one scalar series (NaN where there is no such value)."""

    points: int
    nan: int
    last: float
    min: float
    max: float
    min_step: int | None


def register(commands: Any) -> None:
    """Add ``summary`` to the subcommands."""
    parser = commands.add_parser(
        "summary",
        parents=[logdir_options()],
        help="a table per scalar tag: last, min, max, step of min, sparkline",
        description="One line per scalar series: points, NaNs, last, min, max, step of min and a sparkline.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--spark", metavar="N", type=int, default=20, help="sparkline characters (default 20, 0: none)")
    parser.set_defaults(command=run_summary)


def stats(series: Scalars) -> Stats:
    """The :class:`Stats` of one series, vectorised."""
    values = series.value
    nans = np.isnan(values)
    nan = int(np.count_nonzero(nans))
    if nan == len(values):
        return Stats(len(values), nan, np.nan, np.nan, np.nan, None)
    kept = np.flatnonzero(~nans) if nan else None
    lowest = int(values.argmin()) if kept is None else int(kept[values[kept].argmin()])
    highest = values.max() if kept is None else values[kept].max()
    return Stats(len(values), nan, float(values[-1]), float(values[lowest]), float(highest), int(series.step[lowest]))


def sparkline(values: np.ndarray, width: int) -> str:
    """``min(width, len(values))`` characters, each the mean of the finite values of one stretch of points."""
    width = min(width, len(values))
    if width <= 0:
        return ""
    finite = np.isfinite(values)
    starts = np.arange(width) * len(values) // width
    counts = np.add.reduceat(finite.astype(np.int64), starts)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        means = np.add.reduceat(np.where(finite, values, 0).astype(np.float64), starts) / counts
    shown = np.isfinite(means)
    if not shown.any():
        return " " * width
    low, high = means[shown].min(), means[shown].max()
    with np.errstate(invalid="ignore", over="ignore"):
        levels = np.zeros(width, np.int64) if high == low else (means - low) / (high - low) * len(SPARKS)
    levels = np.clip(np.nan_to_num(levels), 0, len(SPARKS) - 1).astype(np.int64)
    return "".join(SPARKS[level] if ok else " " for level, ok in zip(levels.tolist(), shown.tolist(), strict=True))


def shorten(name: str, width: int) -> str:
    """``name`` cut to ``width`` characters with … in the middle."""
    if len(name) <= width:
        return name
    head = (width - 1) // 2
    return name[:head] + "…" + name[len(name) - (width - 1 - head) :]


def _numbers(numbers: Stats) -> list[str]:
    floats = [f"{value:.6g}" for value in (numbers.last, numbers.min, numbers.max)]
    return [str(numbers.points), str(numbers.nan), *floats, "-" if numbers.min_step is None else str(numbers.min_step)]


def run_summary(args: argparse.Namespace) -> int:
    """Summarise the scalars; see ``lightboard summary --help``."""
    logdir = open_logdir(args)
    series = [
        (run.name, tag, run.scalars(tag))
        for run, tags in selected(logdir, args)
        for tag in tags
        if run.kind(tag) == "scalars"
    ]
    if not series:
        filtered = " match --runs/--tags" if args.runs or args.tags else ""
        raise CliError(f"no scalar series{filtered} in {logdir.path!r}", FAILURE)
    cells = [[run, tag, *_numbers(stats(points))] for run, tag, points in series]
    run_width, tag_width, spark = _fit(cells, args.spark)
    rows = [list(HEADER if spark else HEADER[:-1])]
    for row, (_, _, points) in zip(cells, series, strict=True):
        row[0], row[1] = shorten(row[0], run_width), shorten(row[1], tag_width)
        rows.append([*row, sparkline(points.value, spark)] if spark else row)
    right = [False, False, True, True, True, True, True, True, False][: len(rows[0])]
    alerts = alerts_by_run(logdir)
    if any(alerts.get(run) for run, _, _ in series):
        rows[0].append("alerts")
        for row, (run, tag, _) in zip(rows[1:], series, strict=True):
            row.append(", ".join(f"{alert.rule}@{alert.step}" for alert in alerts.get(run, []) if alert.tag == tag))
        right.append(False)
    print("\n".join(table(rows, right)))
    shown = {run for run, _, _ in series}
    untagged = [alert for run in sorted(shown) for alert in alerts.get(run, []) if not alert.tag]
    for alert in untagged:
        print(f"{alert.run}: {short(alert.as_dict())}: {alert.message}")
    warn_damage(logdir)
    return 0


def _fit(cells: list[list[str]], spark: int) -> tuple[int, int, int]:
    """Widths of the run and tag columns and of the sparkline that fit the terminal (no limit off one)."""
    run_width = max(len(HEADER[0]), *(len(row[0]) for row in cells))
    tag_width = max(len(HEADER[1]), *(len(row[1]) for row in cells))
    spark = max(0, spark)
    if not (sys.stdout.isatty() or "COLUMNS" in os.environ):
        return run_width, tag_width, spark
    fixed = sum(max(len(HEADER[i]), *(len(row[i]) for row in cells)) for i in range(2, 8)) + 2 * 8
    room = shutil.get_terminal_size().columns - fixed
    spark = max(0, min(spark, room - min(run_width, MIN_NAME) - min(tag_width, MIN_NAME)))
    while run_width + tag_width > room - spark and max(run_width, tag_width) > MIN_NAME:
        if run_width >= tag_width:
            run_width -= 1
        else:
            tag_width -= 1
    return run_width, tag_width, spark
