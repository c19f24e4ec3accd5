"""``lightboard watch``: follow a live logdir (any writer, local or a URL) and report alerts as they happen."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lightboard.alerts.actions import check_command, run_command
from lightboard.alerts.record import Alert
from lightboard.alerts.rules import NonFinite, Rule, RuleError, Stalled, parse_rule
from lightboard.cli.common import USAGE, CliError, note, regex
from lightboard.urls import is_url, local_path

if TYPE_CHECKING:
    from lightboard.reader import Logdir

ALERTED = 3
"""Exit status of ``--exit-on-alert`` after an alert."""
EXAMPLES = """\
examples:
  lightboard watch runs/                                   NaN / inf in any scalar, one line per alert
  lightboard watch runs/ --rule 'diverged:loss:10' --rule 'plateau:val/acc:5000:mode=max' --stall 600
  lightboard watch runs/exp1 --exit-on-alert --once        CI: check a finished run, fail on an alert
  lightboard watch s3://bucket/exp --json --exec 'notify-send "$LIGHTBOARD_MESSAGE"'

rules (--rule NAME[:TAG[:PARAM...]], params in order or as key=value; TAG is a regular expression):
  nan[:TAG]                                  a NaN or +-inf value (the default when no --rule is given)
  threshold:TAG[:above=X][:below=Y]          a value above X or below Y
  diverged:TAG[:FACTOR[:WINDOW]]             mean of the last WINDOW (20) values > FACTOR (10) x the lowest such mean
  plateau:TAG:PATIENCE[:MIN_DELTA][:mode=max]  no improvement by more than MIN_DELTA (0) for PATIENCE steps
  stalled:SECONDS (or --stall SECONDS)       a run that got nothing new for that long

Each (run, tag, rule) alerts once. Alerts that lightboard writers recorded in their runs (a stall with every
thread's stack, say) are reported too. --exec runs CMD through the shell, in the background, with
LIGHTBOARD_RUN, _TAG, _STEP, _VALUE, _RULE, _MESSAGE and _LOGDIR in its environment.
exit status: 0 (stopped by --once or Ctrl+C: 130), 2 bad arguments or rule, 3 an alert with --exit-on-alert.
"""


def register(commands: Any) -> None:
    """Add ``watch`` to the subcommands."""
    parser = commands.add_parser(
        "watch",
        help="follow a live logdir and report NaN, divergence, plateaus and stalls",
        description="Follow a logdir as it is written (any writer, local or a URL) and report alerts.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("logdir", metavar="LOGDIR", help="a logdir, run directory or event file; or a URL")
    parser.add_argument("--rule", metavar="SPEC", action="append", default=[], help="a rule (repeatable); see below")
    parser.add_argument("--stall", metavar="SECONDS", type=float, help="report runs that get nothing for this long")
    parser.add_argument("--exec", metavar="CMD", dest="exec_command", help="run this shell command on each alert")
    parser.add_argument("--exit-on-alert", action="store_true", help=f"exit with status {ALERTED} after an alert")
    parser.add_argument("--json", action="store_true", help="print one JSON object per alert (JSON Lines)")
    parser.add_argument("--runs", metavar="REGEX", type=regex, help="only runs whose name matches (re.search)")
    parser.add_argument("--once", action="store_true", help="read once, report, exit (no following)")
    parser.add_argument(
        "--interval", metavar="SECONDS", type=float, default=1.0, help="how often to read (default: %(default)s)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")
    parser.set_defaults(command=run_watch)


def rules_of(args: argparse.Namespace) -> list[Rule]:
    """The rules the arguments ask for (default: NaN / inf on every tag).

    Raises:
        CliError: a bad rule spec or --stall (usage error, naming it).
    """
    try:
        rules = [parse_rule(spec) for spec in args.rule] or [NonFinite()]
        if args.stall is not None:
            rules.append(Stalled(args.stall))
        if args.exec_command is not None:
            check_command(args.exec_command)
    except RuleError as error:
        message = str(error).replace("on_alert: ", "--exec: ").replace(" is not 'warn' or 'raise', and", ":")
        raise CliError(message, USAGE) from None
    if args.interval <= 0:
        raise CliError(f"--interval must be > 0, got {args.interval}", USAGE)
    return rules


def run_watch(args: argparse.Namespace) -> int:
    """Follow the logdir; see ``lightboard watch --help``."""
    from lightboard.alerts.follow import Follower
    from lightboard.reader import Logdir

    follower = Follower(rules_of(args), args.runs)
    path = args.logdir if is_url(args.logdir) else local_path(args.logdir)
    logdir = None
    commands: list[threading.Thread] = []
    while True:
        if logdir is None:
            try:
                logdir = Logdir(path, restarts="keep")
                if not args.once:
                    note(args, f"lightboard: watching {path} with {', '.join(map(repr, follower.rules))}")
            except FileNotFoundError:
                if args.once:
                    raise CliError(f"no such logdir or event file: {args.logdir!r}", USAGE) from None
        if logdir is not None:
            logdir.refresh()
            alerts = follower.update(logdir)
            for alert in alerts:
                print(json.dumps(alert.as_dict()) if args.json else text(alert), flush=True)
                if args.exec_command:
                    commands.append(run_command(args.exec_command, alert, {"LIGHTBOARD_LOGDIR": path}))
            if alerts and args.exit_on_alert:
                return _finish(commands, ALERTED)
        if args.once:
            return _finish(commands, 0)
        time.sleep(args.interval)


def text(alert: Alert) -> str:
    """One line: local time, rule, run, tag, step, message."""
    when = datetime.fromtimestamp(alert.wall_time).strftime("%Y-%m-%d %H:%M:%S")
    return f"{when}  {alert.line()}"


def _finish(commands: list[threading.Thread], status: int) -> int:
    for thread in commands:  # the commands of the last alerts finish before we go
        thread.join()
    sys.stdout.flush()
    return status


def alerts_by_run(logdir: Logdir) -> dict[str, list[Alert]]:
    """For ``ls`` and ``summary``: ``{run: alerts}`` of :func:`lightboard.alerts.check` with its default rules
    (what writers recorded, and NaN / inf in any writer's scalars)."""
    from lightboard.alerts.follow import check

    found: dict[str, list[Alert]] = {}
    for alert in check(logdir):
        found.setdefault(alert.run, []).append(alert)
    return found


def short(alert: Mapping[str, Any]) -> str:
    """``rule tag@step`` (a stall: ``rule@step``) of an alert given as :meth:`Alert.as_dict`."""
    rule, tag, step = alert["rule"], alert["tag"], alert["step"]
    return f"{rule} {tag}@{step}" if tag else f"{rule}@{step}"
