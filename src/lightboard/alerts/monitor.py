"""The writer's side of alerts: rules applied to each logged value, and the stall watchdog.

:class:`Monitor` belongs to one :class:`lightboard.SummaryWriter`. The writer calls :meth:`Monitor.scalar`
for every value when rules other than the NaN check are set, else only for non-finite values (the writer's
hot path tests ``value - value``: 0.0 for every finite float), and :meth:`Monitor.touch` on each ``add_*``
when a :class:`Stalled` rule or ``"raise"`` needs it.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from lightboard.alerts.actions import RAISE, TrainingAlert, actions, perform
from lightboard.alerts.record import Alert
from lightboard.alerts.rules import Action, NonFinite, Rule, RuleError, Stalled
from lightboard.summaries.tags import clean_tag

Emit = Callable[[str, Alert, bool], None]
"""``emit(run directory, alert, flush)``: record ``alert`` in that run's event file (``flush``: at once)."""
_monitors: weakref.WeakSet[Monitor] = weakref.WeakSet()


def check_rules(rules: Any) -> list[Rule]:
    """``rules`` (a rule or a sequence of rules) as a list, each checked to be a :class:`Rule`.

    Raises:
        RuleError: naming the entry that is not a rule.
    """
    if isinstance(rules, Rule):
        return [rules]
    if isinstance(rules, str) or not isinstance(rules, Sequence):
        raise RuleError(
            f"alerts must be True, False or a list of rules (lightboard.alerts.Diverged, ...), got {rules!r}"
        )
    for rule in rules:
        if not isinstance(rule, Rule):
            raise RuleError(f"alerts: {rule!r} is not a rule (lightboard.alerts.Diverged, Plateau, ...)")
    return list(rules)


class Monitor:
    """Alert rules of one writer.

    Args:
        rules: the user's rules; the NaN check of every tag is added unless one of them is a :class:`NonFinite`
            of every tag.
        on_alert: the writer's action(s) (see :func:`lightboard.alerts.actions.actions`).
        emit: records an alert in a run's event file.
        run: the writer's run directory (``LIGHTBOARD_RUN``).
    """

    def __init__(self, rules: Sequence[Rule], on_alert: Action | Sequence[Action] | None, emit: Emit, run: str):
        self.actions = actions(on_alert)
        self.rules = [rule for rule in rules if not isinstance(rule, Stalled)]
        if not any(isinstance(rule, NonFinite) and rule.tag is None for rule in self.rules):
            self.rules.append(NonFinite())
        self._rule_actions = [actions(rule.on_alert, self.actions) for rule in self.rules]
        stalls = [rule for rule in rules if isinstance(rule, Stalled)]
        if len(stalls) > 1:
            raise RuleError(f"alerts: one Stalled rule per writer, got {stalls}")
        self.stall = stalls[0] if stalls else None
        self._stall_actions = actions(self.stall.on_alert, self.actions) if self.stall else ()
        self.every_value = any(not isinstance(rule, NonFinite) for rule in self.rules)
        """Whether every value must be checked (rules besides NaN checks), not only non-finite ones."""
        self.every_call = self.stall is not None
        """Whether every ``add_*`` must call :meth:`touch`."""
        self._emit = emit
        self._run = run
        self._series: dict[tuple[str, str], tuple[tuple[int, Callable[[int, float], str | None]], ...]] = {}
        self._nan_seen: set[tuple[str, str]] = set()
        self.calls = 0
        self.last_step = 0
        self.pending: Alert | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._stacks: Callable[[], str] = str
        if self.stall is not None:  # import now what a stall needs: a hung process may hold the import lock
            from lightboard.alerts import stacks
            from lightboard.alerts.record import event

            event(Alert(run, "", 0, 0.0, Stalled.name, 0.0, ""))
            self._stacks = stacks.all_stacks
        _monitors.add(self)

    # -- values ---------------------------------------------------------------------------------------------

    def scalar(self, run: str, tag: str, step: int, value: float, stacklevel: int = 3) -> None:
        """Apply the rules to one value of ``tag`` (as passed to ``add_scalar``) logged in the directory ``run``.

        Raises:
            TrainingAlert: an alert fired whose action is ``"raise"`` (the value and the alert are logged).
        """
        self.last_step = step
        key = (run, tag)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._new_series(tag)
        raising = None
        for index, update in series:
            message = update(step, value)
            if message is not None:
                alert = self._fire(key, index, step, value, message)
                if alert is not None and perform(self._rule_actions[index], alert, stacklevel=stacklevel):
                    raising = raising or alert
        if raising is not None:
            raise TrainingAlert(raising)

    def _new_series(self, tag: str) -> tuple[tuple[int, Callable[[int, float], str | None]], ...]:
        tag = clean_tag(tag)
        return tuple((index, rule.tracker().update) for index, rule in enumerate(self.rules) if rule.matches(tag))

    def _fire(self, key: tuple[str, str], index: int, step: int, value: float, message: str) -> Alert | None:
        """Forget the tracker that fired (a rule alerts once per series) and record its alert, or None for a NaN
        alert that another NaN rule gave already."""
        self._series[key] = tuple(entry for entry in self._series[key] if entry[0] != index)
        rule = self.rules[index]
        if isinstance(rule, NonFinite):
            if key in self._nan_seen:
                return None
            self._nan_seen.add(key)
        run, tag = key[0], clean_tag(key[1])
        alert = Alert(run, tag, step, time.time(), rule.name, value, message)
        self._emit(run, alert, False)
        return alert

    # -- calls and stalls -----------------------------------------------------------------------------------

    def touch(self) -> None:
        """Count an ``add_*`` call; start the watchdog on the first; raise a pending ``"raise"`` alert.

        Raises:
            TrainingAlert: the watchdog raised an alert whose action is ``"raise"`` since the last call.
        """
        self.calls += 1
        if self._thread is None:
            self._start()
        pending = self.pending
        if pending is not None:
            self.pending = None
            raise TrainingAlert(pending)

    def _start(self) -> None:
        if self.stall is None:
            return
        global _exit_hook
        if not _exit_hook:  # registered at the first add_*: runs before the exit hooks registered until then
            _exit_hook = True
            atexit.register(_stop_all)
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="lightboard-alerts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the watchdog (the writer closed); the next :meth:`touch` starts it again."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _watch(self) -> None:
        assert self.stall is not None
        seconds = self.stall.seconds
        tick = min(1.0, max(0.02, seconds / 20))
        seen, since, alerted = self.calls, time.monotonic(), False
        while not self._stop.wait(tick):
            if self.calls != seen:
                seen, since, alerted = self.calls, time.monotonic(), False
                continue
            idle = time.monotonic() - since
            if not alerted and idle >= seconds:
                alerted = True
                self._stalled(idle)

    def _stalled(self, idle: float) -> None:
        assert self.stall is not None
        message = f"no add_* call for {idle:.1f} s (Stalled({self.stall.seconds:g})); every thread's stack attached"
        alert = Alert(self._run, "", self.last_step, time.time(), Stalled.name, idle, message, self._stacks())
        if RAISE in self._stall_actions:
            self.pending = alert  # first: the next add_* raises even if writing the alert is slow
        try:
            self._emit(self._run, alert, True)
        finally:
            perform(self._stall_actions, alert, stacklevel=1, in_thread=True)


_exit_hook = False


def _stop_all() -> None:
    """At interpreter exit: the program is done, not hung; a slow exit hook is no stall."""
    for monitor in list(_monitors):
        monitor._stop.set()


def _after_fork_in_child() -> None:
    for monitor in list(_monitors):
        monitor._thread = None  # the parent's watchdog does not exist here; the next add_* starts one


os.register_at_fork(after_in_child=_after_fork_in_child)
