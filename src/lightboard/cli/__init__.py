"""The ``lightboard`` command: look into logdirs from a shell (``lightboard --help``).

Each subcommand is a module with a ``register(commands)`` function that adds its parser to the argparse
subparsers and sets ``command`` to the function that runs it (``command(args) -> exit status``); listing
the module in :data:`COMMANDS` is all it takes to add one.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from lightboard import __version__
from lightboard.cli import export, ls, serve, summary, watch
from lightboard.cli.common import FAILURE, USAGE, CliError

COMMANDS = (ls, summary, export, serve, watch)
EXAMPLES = """\
examples:
  lightboard ls runs/                          runs, tags per kind, counts and last steps
  lightboard summary runs/ --tags loss         last, min, max, step of min and a sparkline per scalar tag
  lightboard export runs/ -o scalars.csv       every scalar point (also .parquet, .json, .jsonl)
  lightboard export runs/ -o - --runs '^exp[12]$' --tags '^val/' | head
  lightboard serve runs/                       a web viewer at http://127.0.0.1:6006/, live
  lightboard watch runs/ --stall 600           report NaN / inf and stalled runs as training writes
  lightboard COMMAND --help                    the options and more examples of one command

LOGDIR is a directory (each directory under it holding event files is a run), a run directory or one
event file, written by any TensorBoard writer. A progress bar shows on stderr when a read is long.

exit status: 0 done (damaged records are skipped with a warning), 1 nothing matched or an output failed,
2 a usage error (unknown option, missing LOGDIR, bad regular expression or rule), 3 an alert (watch
--exit-on-alert).
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``lightboard`` command and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="lightboard",
        description="Look into TensorBoard logdirs: list, summarise, export and browse what they hold.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lightboard {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lightboard`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version or a usage error, already reported by argparse
        return exit_.code if isinstance(exit_.code, int) else USAGE
    try:
        return args.command(args)
    except CliError as error:
        print(f"lightboard: error: {error}", file=sys.stderr)
        return error.status
    except BrokenPipeError:  # the reader of stdout went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILURE
    except KeyboardInterrupt:
        return 130
