"""Alerts: catch broken training while it runs.

A :class:`lightboard.SummaryWriter` checks every scalar for NaN and ±inf (``alerts=False`` turns it off) and
applies the rules it is given (``SummaryWriter(alerts=[Diverged("loss"), Stalled(600)])``); an alert is
recorded in the run (a text summary under :data:`ALERT_TAG`, shown by TensorBoard) and then warns, raises
:class:`TrainingAlert` in the training loop, calls a function or runs a shell command (``on_alert=``).
:func:`check` and ``lightboard watch`` apply the same rules to any logdir, whoever writes it.

Example::

    from lightboard import SummaryWriter
    from lightboard.alerts import Diverged, Plateau, Stalled

    rules = [Diverged("loss", factor=10), Plateau("val/acc", 5000, mode="max"), Stalled(600)]
    writer = SummaryWriter("runs/exp1", alerts=rules, on_alert=["warn", 'notify-send "$LIGHTBOARD_MESSAGE"'])
"""

from collections.abc import Sequence
from typing import Any

from lightboard.alerts.actions import TrainingAlert, TrainingAlertWarning
from lightboard.alerts.record import ALERT_TAG, Alert
from lightboard.alerts.rules import RULES, Diverged, NonFinite, Plateau, Rule, RuleError, Stalled, Threshold, parse_rule

__all__ = [
    "ALERT_TAG",
    "RULES",
    "Alert",
    "Diverged",
    "NonFinite",
    "Plateau",
    "Rule",
    "RuleError",
    "Stalled",
    "Threshold",
    "TrainingAlert",
    "TrainingAlertWarning",
    "check",
    "parse_rule",
]


def check(logdir: Any, rules: Sequence[Rule] | None = None, **options: Any) -> list[Alert]:
    """The alerts of a logdir (a path, URL or :class:`lightboard.reader.Logdir`): recorded by lightboard writers,
    and found by ``rules`` (default: NaN / ±inf on every tag) in any writer's scalars.

    ``options``: ``runs`` (a regular expression), ``storage_options``; see :func:`lightboard.alerts.follow.check`
    (imported on first use: it needs numpy and the reader).
    """
    from lightboard.alerts.follow import check as check_logdir

    return check_logdir(logdir, rules, **options)
