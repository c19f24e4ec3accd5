"""``lightboard export``: every scalar point of a logdir as CSV, JSON, JSON Lines or Parquet."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from lightboard.cli.common import USAGE, CliError, logdir_options, note, open_logdir, selected, warn_damage
from lightboard.optional import require
from lightboard.reader import Logdir, frames
from lightboard.tables import FORMATS, Table, rows, write

EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
EXAMPLES = """\
examples:
  lightboard export runs/ -o scalars.csv               every scalar point: run,tag,step,wall_time,value
  lightboard export runs/ -o scalars.parquet           the same as Parquet (needs pyarrow)
  lightboard export runs/ -o val.json --tags '^val/'   a JSON array of the points of tags starting with val/
  lightboard export runs/ -o wide.csv --pivot          one row per (run, step), one column per tag
  lightboard export runs/ --runs 'lr=1e-3' | head      CSV on stdout (-o - is the default)

The format comes from the extension (.csv, .json, .jsonl, .parquet) or from --format. Each JSON object
(JSON Lines: one a line) is {"run", "tag", "step", "wall_time", "value"}. Floats are written exactly (the
shortest text that reads back as the same float64). Non-finite values are nan, inf, -inf in CSV and the
strings "NaN", "Infinity", "-Infinity" in JSON (Python's float() parses them). With --pivot, a tag that has
no value at a (run, step) is NaN too.
"""


def register(commands: Any) -> None:
    """Add ``export`` to the subcommands."""
    parser = commands.add_parser(
        "export",
        parents=[logdir_options()],
        help="write scalars as CSV, JSON, JSON Lines or Parquet",
        description="Write every scalar point of a logdir as CSV, JSON, JSON Lines or Parquet.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-o", "--output", metavar="FILE", default="-", help="where to write; - (default): stdout")
    parser.add_argument("--format", choices=FORMATS, help="the format (default: from FILE's extension; - gives csv)")
    parser.add_argument(
        "--pivot", action="store_true", help="one row per (run, step) and one column per tag (needs pandas)"
    )
    parser.set_defaults(command=run_export)


def output_format(args: argparse.Namespace) -> str:
    """The format to write: ``--format``, else the output's extension (CSV for stdout)."""
    if args.format:
        return args.format
    if args.output == "-":
        return "csv"
    form = EXTENSIONS.get(os.path.splitext(args.output)[1].lower())
    if form is None:
        raise CliError(
            f"cannot tell the format of {args.output!r} from its extension; pass --format {{{','.join(FORMATS)}}}",
            USAGE,
        )
    return form


def scalar_table(logdir: Logdir, args: argparse.Namespace) -> Table:
    """The selected scalars: tidy columns ``run, tag, step, wall_time, value``, or wide ones with ``--pivot``."""
    if not args.pivot:
        return frames.columns(logdir, args.runs, args.tags)
    names = {tag for run, tags in selected(logdir, args) for tag in tags if run.kind(tag) == "scalars"}
    clash = sorted(names & {"run", "step"})
    if clash:
        raise CliError(
            f"--pivot makes columns run and step, and a scalar tag is called {clash[0]!r}: leave it out (--tags)"
        )
    frame = logdir.scalars_frame(args.runs, args.tags, pivot=True)
    run = frame["run"].astype("category")
    table: Table = {"run": (run.cat.codes.to_numpy(), [str(name) for name in run.cat.categories])}
    table.update((str(name), frame[name].to_numpy()) for name in frame.columns[1:])
    return table


def run_export(args: argparse.Namespace) -> int:
    """Export the scalars; see ``lightboard export --help``."""
    form = output_format(args)
    try:  # fail before a long read, not after it
        if form == "parquet":
            require("pyarrow.parquet", "arrow", "export to Parquet")
        if args.pivot:
            require("pandas", "dataframe", "export --pivot")
    except ImportError as error:
        raise CliError(str(error)) from None
    logdir = open_logdir(args)
    table = scalar_table(logdir, args)
    count = rows(table)
    if not count:
        filtered = " match --runs/--tags" if args.runs or args.tags else ""
        raise CliError(f"nothing written: no scalar points{filtered} in {logdir.path!r}")
    if args.output == "-":
        sys.stdout.flush()
        write(table, form, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        try:
            with open(args.output, "wb") as stream:
                write(table, form, stream)
        except OSError as error:
            raise CliError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    where = "stdout" if args.output == "-" else args.output
    note(args, f"wrote {count} rows × {len(table)} columns ({form}) to {where}")
    warn_damage(logdir)
    return 0
