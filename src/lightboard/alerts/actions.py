"""What happens on an alert: a warning, a ``TrainingAlert`` raised in the training loop, a callable, a shell
command (run in the background, the alert in its environment)."""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Sequence

from lightboard.alerts.record import Alert
from lightboard.alerts.rules import Action, RuleError

logger = logging.getLogger(__name__)
WARN, RAISE = "warn", "raise"


class TrainingAlertWarning(UserWarning):
    """The warning an alert gives (the default action); filter it with :mod:`warnings`."""


class TrainingAlert(RuntimeError):
    """Raised by the ``add_*`` call that follows an alert whose action is ``"raise"``; ``alert`` says what."""

    def __init__(self, alert: Alert) -> None:
        super().__init__(alert.line())
        self.alert = alert


def actions(on_alert: Action | Sequence[Action] | None, default: tuple[Action, ...] = (WARN,)) -> tuple[Action, ...]:
    """``on_alert`` as a checked tuple of actions (``None``: ``default``).

    Raises:
        RuleError: an action that is not ``"warn"``, ``"raise"``, a callable or a command found on ``PATH``.
    """
    if on_alert is None:
        return default
    listed = [on_alert] if isinstance(on_alert, str) or callable(on_alert) else list(on_alert)
    for action in listed:
        if callable(action) or action in (WARN, RAISE):
            continue
        if not isinstance(action, str):
            raise RuleError(f"on_alert: {action!r} is not 'warn', 'raise', a shell command or a callable")
        check_command(action)
    return tuple(listed)


def check_command(command: str) -> None:
    """Check that ``command`` parses as a shell command line whose program is on ``PATH`` (or a path).

    Raises:
        RuleError: naming the command.
    """
    import shlex
    import shutil

    try:
        words = shlex.split(command)
    except ValueError as error:
        raise RuleError(f"on_alert: cannot parse the shell command {command!r}: {error}") from None
    words = [word for word in words if not (word.partition("=")[0].isidentifier() and "=" in word)]  # VAR=x cmd
    if not words:
        raise RuleError(f"on_alert: {command!r} is not 'warn', 'raise' or a shell command")
    program = words[0]
    if shutil.which(program) is None and not (os.sep in program and os.access(program, os.X_OK)):
        raise RuleError(f"on_alert: {command!r} is not 'warn' or 'raise', and {program!r} is not a command on PATH")


def perform(actions: tuple[Action, ...], alert: Alert, *, stacklevel: int = 2, in_thread: bool = False) -> bool:
    """Do ``actions`` for ``alert``; return whether one is ``"raise"`` (the caller raises, now or later).

    A callable's exception propagates unless ``in_thread`` (a watchdog thread: it is logged).
    """
    must_raise = False
    for action in actions:
        if action == WARN:
            warnings.warn(TrainingAlertWarning(f"lightboard: {alert.line()}"), stacklevel=stacklevel + 1)
        elif action == RAISE:
            must_raise = True
        elif isinstance(action, str):
            run_command(action, alert)
        elif in_thread:
            try:
                action(alert)
            except Exception:
                logger.exception("lightboard: on_alert callable failed for %s", alert.line())
        else:
            action(alert)
    return must_raise


def run_command(command: str, alert: Alert, extra: dict[str, str] | None = None) -> threading.Thread:
    """Run ``command`` through the shell with ``alert``'s ``LIGHTBOARD_*`` variables, on a background thread
    (the caller never waits); a failure to start or a non-zero exit is logged. Returns the thread."""
    import subprocess

    environment = {**os.environ, **alert.environment(), **(extra or {})}

    def run() -> None:
        try:
            done = subprocess.run(command, shell=True, env=environment, check=False)
        except OSError as error:
            logger.error("lightboard: on_alert command %r could not start: %s", command, error)
            return
        if done.returncode:
            logger.warning("lightboard: on_alert command %r exited with status %d", command, done.returncode)

    thread = threading.Thread(target=run, name="lightboard-alert-command", daemon=True)
    thread.start()
    return thread
