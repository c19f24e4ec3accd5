"""The alerts the viewer shows: those lightboard writers recorded in their runs, and every first NaN or infinity
of a scalar tag in any writer's runs, found as the logdir grows (:class:`lightboard.alerts.follow.Follower`,
which looks only at the points read since it last looked)."""

from __future__ import annotations

from typing import Any

from lightboard.alerts.follow import Follower
from lightboard.alerts.record import Alert
from lightboard.serve.source import LiveLogdir

LISTED = 500
"""The most alerts ``/api/alerts`` lists (it counts them all)."""


class AlertWatch:
    """The alerts of a logdir so far, brought up to date (on the reader's thread) when asked."""

    def __init__(self) -> None:
        self._follower = Follower()
        self._alerts: list[Alert] = []

    def listing(self, source: LiveLogdir) -> dict[str, Any]:
        """``{"count", "alerts"}``: every alert so far (the first :data:`LISTED`) in the order found, kept per
        generation."""

        def update() -> dict[str, Any]:
            self._alerts += self._follower.update(source.logdir)
            return {"count": len(self._alerts), "alerts": [alert.as_dict() for alert in self._alerts[:LISTED]]}

        return source.memo(("alerts",), update)
