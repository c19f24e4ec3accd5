"""What the subcommands share: the logdir options, reading with a progress bar, filters, errors, tables."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator, Sequence

from lightboard.cli.progress import ProgressBar
from lightboard.reader import Logdir, Run, read
from lightboard.urls import is_url, local_path

FAILURE, USAGE = 1, 2
"""Exit statuses: nothing matched or an output failed; a usage error (bad option, missing path, bad regex)."""
DAMAGE_SHOWN = 3
"""How many damaged records a warning names."""


class CliError(Exception):
    """A failure reported as one line on stderr (no traceback), ending the command with ``status``."""

    def __init__(self, message: str, status: int = FAILURE) -> None:
        super().__init__(message)
        self.status = status


def regex(text: str) -> str:
    """An argparse ``type`` that accepts a valid regular expression."""
    try:
        re.compile(text)
    except re.error as error:
        raise argparse.ArgumentTypeError(f"bad regular expression {text!r}: {error}") from None
    return text


def existing_path(text: str) -> str:
    """An argparse ``type`` that accepts a path that exists, or a URL (whose reader says if it does not)."""
    if is_url(text):
        return text
    if not os.path.exists(local_path(text)):
        raise argparse.ArgumentTypeError(f"no such logdir or event file: {text!r}")
    return text


def add_logdir_argument(parser: argparse.ArgumentParser) -> None:
    """Add the positional ``LOGDIR`` (a path that exists, or a URL) to ``parser``."""
    parser.add_argument(
        "logdir",
        metavar="LOGDIR",
        type=existing_path,
        help="a logdir, a run directory or an event file; or a URL (s3://, gs://, any fsspec URL)",
    )


def logdir_options() -> argparse.ArgumentParser:
    """The options of every subcommand that reads a logdir, as a parent parser."""
    parser = argparse.ArgumentParser(add_help=False)
    add_logdir_argument(parser)
    parser.add_argument("--runs", metavar="REGEX", type=regex, help="only runs whose name matches (re.search)")
    parser.add_argument("--tags", metavar="REGEX", type=regex, help="only tags that match (re.search)")
    parser.add_argument(
        "--restarts",
        choices=("preempt", "keep"),
        default="preempt",
        help="preempt (default, as TensorBoard): a resumed run's points replace those at and after its first step; "
        "keep: every point as written",
    )
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("--progress", action="store_true", help="always show a progress bar while reading")
    noise.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no notes on stderr (warnings stay)"
    )
    return parser


def open_logdir(args: argparse.Namespace) -> Logdir:
    """Read ``args.logdir``, with a progress bar on stderr for a long read (or with ``--progress``)."""
    bar = None if args.quiet else ProgressBar(sys.stderr, force=args.progress)
    try:
        return read(args.logdir, restarts=args.restarts, progress=bar)
    except FileNotFoundError as error:  # removed since the arguments were checked
        raise CliError(str(error), USAGE) from None
    finally:
        if bar is not None:
            bar.close()


def selected(logdir: Logdir, args: argparse.Namespace) -> Iterator[tuple[Run, list[str]]]:
    """``(run, tags matching --tags)`` for every run matching ``--runs``; ``tags`` of any kind."""
    runs = re.compile(args.runs) if args.runs else None
    tags = re.compile(args.tags) if args.tags else None
    for run in logdir:
        if runs is None or runs.search(run.name):
            names = [tag for group in run.tags().values() for tag in group]
            yield run, [tag for tag in names if tags is None or tags.search(tag)]


def note(args: argparse.Namespace, message: str) -> None:
    """Say something on stderr unless ``--quiet``."""
    if not args.quiet:
        print(message, file=sys.stderr)


def warn_damage(logdir: Logdir) -> None:
    """Name the damage the read found (skipped records) on stderr; the command still succeeds."""
    damage = logdir.damage
    if damage:
        print(f"lightboard: warning: {len(damage)} damaged record(s) skipped:", file=sys.stderr)
        for problem in damage[:DAMAGE_SHOWN]:
            print(f"  {problem}", file=sys.stderr)
        if len(damage) > DAMAGE_SHOWN:
            print(f"  ... and {len(damage) - DAMAGE_SHOWN} more", file=sys.stderr)


def table(rows: Sequence[Sequence[str]], right: Sequence[bool], indent: str = "") -> list[str]:
    """Rows of cells as aligned lines, two spaces apart; ``right[i]`` right-aligns column ``i``."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(right))]
    return [
        indent
        + "  ".join(
            cell.rjust(width) if align else cell.ljust(width)
            for cell, width, align in zip(row, widths, right, strict=True)
        ).rstrip()
        for row in rows
    ]
