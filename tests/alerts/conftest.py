"""Fixtures of the alert tests."""

from tests.alerts.series import written

__all__ = ["written"]
