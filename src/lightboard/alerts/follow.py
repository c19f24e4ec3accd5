"""Alerts on a logdir that anybody writes: the rules applied to what the reader reads, as it grows.

:class:`Follower` keeps, per (run, tag), how many points it has checked and the rules' trackers, so each
:meth:`Follower.update` after a :meth:`lightboard.reader.Logdir.refresh` looks only at the new points (in
batches, vectorised where a rule allows). It also reports the alerts that lightboard writers recorded in
their runs (a stall with its stacks, say), and each (run, tag, rule) alerts once, whoever saw it first.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from lightboard.alerts.record import Alert
from lightboard.alerts.rules import NonFinite, Rule, RuleError, Stalled, Tracker
from lightboard.reader import Logdir, Run, read


class Follower:
    """Applies ``rules`` (default: :class:`NonFinite` on every tag) to the scalar series of a logdir as it grows.

    Args:
        rules: the rules; a :class:`Stalled` rule reports a run whose data has not grown for that long,
            counted from the first :meth:`update` or the run's last growth.
        runs: only runs whose name matches this regular expression (``re.search``).
        clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self,
        rules: Sequence[Rule] | None = None,
        runs: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        rules = [NonFinite()] if rules is None else list(rules)
        for rule in rules:
            if not isinstance(rule, Rule):
                raise RuleError(f"{rule!r} is not a rule (lightboard.alerts.Diverged, Plateau, ...)")
        self.rules = [rule for rule in rules if not isinstance(rule, Stalled)]
        stalls = [rule for rule in rules if isinstance(rule, Stalled)]
        self.stall = min(stalls, key=lambda rule: rule.seconds) if stalls else None
        try:
            self._runs = re.compile(runs) if runs else None
        except re.error as error:
            raise RuleError(f"bad run pattern {runs!r}: {error}") from None
        self._clock = clock
        self._checked: dict[tuple[str, str], int] = {}
        self._trackers: dict[tuple[str, str], list[tuple[int, Tracker]]] = {}
        self._recorded: dict[str, int] = {}
        self._fired: set[tuple[str, str, Any]] = set()
        self._growth: dict[str, tuple[int, float, bool]] = {}  # run: points seen, since when, stall reported
        self._last_step: dict[str, int] = {}

    def update(self, logdir: Logdir) -> list[Alert]:
        """The alerts in what ``logdir`` read since the last call (refresh it first): recorded ones, then the
        rules' own, then stalls."""
        found: list[Alert] = []
        for run in logdir:
            if self._runs is not None and not self._runs.search(run.name):
                continue
            found += self._recorded_alerts(run)
            points = 0
            for tag in run.scalar_tags():
                points += self._check_series(run, tag, found)
            if self.stall is not None:
                others = (tag for kind, tags in run.tags().items() if kind != "scalars" for tag in tags)
                points += sum(len(run.steps(tag)) for tag in others)
                stalled = self._stalled(run, points)
                if stalled is not None:
                    found.append(stalled)
        return found

    def _recorded_alerts(self, run: Run) -> list[Alert]:
        alerts = run.alerts()
        new = alerts[self._recorded.get(run.name, 0) :]
        self._recorded[run.name] = len(alerts)
        for alert in new:
            self._fired.add((run.name, alert.tag, alert.rule))
        return new

    def _check_series(self, run: Run, tag: str, found: list[Alert]) -> int:
        key = (run.name, tag)
        series = run.scalars(tag)
        done = self._checked.get(key, 0)
        if len(series) < done:  # a preempting reader dropped points: check what is there again
            done = 0
        self._checked[key] = len(series)
        if len(series):
            self._last_step[run.name] = max(self._last_step.get(run.name, 0), int(series.step[-1]))
        if len(series) == done:
            return len(series)
        trackers = self._trackers.get(key)
        if trackers is None:
            trackers = self._trackers[key] = [
                (index, rule.tracker()) for index, rule in enumerate(self.rules) if rule.matches(tag)
            ]
        steps, values, walls = series.step[done:], series.value[done:], series.wall_time[done:]
        for entry in list(trackers):
            index, tracker = entry
            rule = self.rules[index]
            fired = tracker.update_many(steps, values)
            if fired is None:
                continue
            trackers.remove(entry)
            identity = (run.name, tag, rule.name if isinstance(rule, NonFinite) else index)
            if identity in self._fired or (run.name, tag, rule.name) in self._fired:
                continue
            self._fired.add(identity)
            at, message = fired
            wall = float(walls[at])
            found.append(Alert(run.name, tag, int(steps[at]), wall, rule.name, float(values[at]), message))
        return len(series)

    def _stalled(self, run: Run, points: int) -> Alert | None:
        assert self.stall is not None
        now = self._clock()
        seen, since, reported = self._growth.get(run.name, (-1, now, False))
        if points != seen:
            self._growth[run.name] = (points, now, False)
            return None
        idle = now - since
        if reported or idle < self.stall.seconds:
            return None
        self._growth[run.name] = (points, since, True)
        message = f"nothing new in {idle:.1f} s (Stalled({self.stall.seconds:g}))"
        return Alert(run.name, "", self._last_step.get(run.name, 0), time.time(), Stalled.name, idle, message)


def check(
    logdir: str | os.PathLike[str] | Logdir,
    rules: Sequence[Rule] | None = None,
    *,
    runs: str | None = None,
    storage_options: dict[str, Any] | None = None,
) -> list[Alert]:
    """The alerts of a logdir as it is now: those its lightboard writers recorded, and those ``rules`` (default:
    :class:`NonFinite` on every tag) find in its scalars, whoever wrote them.

    Args:
        logdir: a path or URL (read with ``restarts="keep"``: every point as written), or a :class:`Logdir`.
        rules: rules from :mod:`lightboard.alerts` (not :class:`Stalled`, which needs time: ``lightboard watch``).
        runs: only runs whose name matches this regular expression.
        storage_options: for a URL, passed to fsspec.

    Raises:
        RuleError: a bad rule or a :class:`Stalled` one.
    """
    if rules is not None and any(isinstance(rule, Stalled) for rule in rules):
        raise RuleError("check() reads a logdir once: Stalled needs time to pass (use `lightboard watch --stall`)")
    follower = Follower(rules, runs)
    if not isinstance(logdir, Logdir):
        logdir = read(logdir, restarts="keep", storage_options=storage_options)
    return follower.update(logdir)
