"""``lightboard ls``: the runs of a logdir, their tags per kind, how many values each has and its last step."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lightboard.cli.common import CliError, logdir_options, open_logdir, selected, table, warn_damage
from lightboard.cli.watch import alerts_by_run, short
from lightboard.reader import Logdir, Run

FLAGS_SHOWN = 3
"""Alerts named on a run's line (the JSON has them all)."""
EXAMPLES = """\
examples:
  lightboard ls runs/                          every run, its tags by kind, counts and last steps
  lightboard ls runs/ --runs '^resnet' --tags loss
  lightboard ls runs/exp1 --json | jq '.runs[].kinds.scalars | keys'

For each tag: scalars show their points, other kinds their values (one per logged call), then the step of
the last one read. Damaged records are skipped, named on stderr, and do not change the exit status.
A run with alerts is flagged with them (rule tag@step): what lightboard writers recorded (NaN, divergence,
plateaus, stalls...) and NaN / inf values in any writer's scalars; `lightboard watch` follows them live.
"""


def register(commands: Any) -> None:
    """Add ``ls`` to the subcommands."""
    parser = commands.add_parser(
        "ls",
        parents=[logdir_options()],
        help="list runs, tags per kind, counts and last steps",
        description="List the runs of a logdir with their tags per kind, counts and last steps.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(command=run_ls)


def count(run: Run, kind: str, tag: str) -> tuple[int, int | None]:
    """``(values, step of the last one or None)`` of one tag of ``run``."""
    steps = run.steps(tag)
    return len(steps), int(steps[-1]) if len(steps) else None


def listing(logdir: Logdir, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``[{run, files, kinds: {kind: {tag: {count, last_step}}}, alerts: [...]}]`` for the selected runs and tags."""
    alerts = alerts_by_run(logdir)
    runs = []
    for run, tags in selected(logdir, args):
        kinds: dict[str, dict[str, dict[str, Any]]] = {}
        for tag in tags:
            kind = run.kind(tag)
            values, last = count(run, kind, tag)
            kinds.setdefault(kind, {})[tag] = {"count": values, "last_step": last}
        ordered = {kind: kinds[kind] for kind in sorted(kinds, key=lambda kind: (kind != "scalars", kind))}
        flagged = [alert.as_dict() for alert in alerts.get(run.name, [])]
        runs.append({"run": run.name, "files": run.files(), "kinds": ordered, "alerts": flagged})
    return runs


def run_ls(args: argparse.Namespace) -> int:
    """List the runs; see ``lightboard ls --help``."""
    logdir = open_logdir(args)
    runs = listing(logdir, args)
    if not runs:
        raise CliError(f"no runs{' match --runs' if args.runs else ''} in {logdir.path!r}")
    if args.json:
        json.dump({"logdir": logdir.path, "runs": runs}, sys.stdout, indent=2)
        print()
    else:
        print("\n".join(_text(runs)))
    warn_damage(logdir)
    return 0


def _text(runs: list[dict[str, Any]]) -> list[str]:
    lines = []
    for entry in runs:
        files = len(entry["files"])
        flag = ""
        if entry["alerts"]:
            count = len(entry["alerts"])
            shown = ", ".join(short(alert) for alert in entry["alerts"][:FLAGS_SHOWN])
            more = ", ..." if count > FLAGS_SHOWN else ""
            flag = f"  ! {count} alert{'' if count == 1 else 's'}: {shown}{more}"
        lines.append(f"{entry['run']}  ({files} event file{'' if files == 1 else 's'}){flag}")
        rows = []
        for kind, tags in entry["kinds"].items():
            unit = "points" if kind == "scalars" else "values"
            for index, (tag, info) in enumerate(tags.items()):
                last = "" if info["last_step"] is None else f"last step {info['last_step']}"
                rows.append((kind if index == 0 else "", tag, f"{info['count']} {unit}", last))
        lines.extend(table(rows, (False, False, True, False), "  ") if rows else ["  (no tags)"])
    points = sum(info["count"] for entry in runs for info in entry["kinds"].get("scalars", {}).values())
    tags = sum(len(tags) for entry in runs for tags in entry["kinds"].values())
    flagged = sum(1 for entry in runs if entry["alerts"])
    alerts = f", {flagged} with alerts" if flagged else ""
    lines.append(f"{len(runs)} run{'' if len(runs) == 1 else 's'}, {tags} tags, {points} scalar points{alerts}")
    return lines
