"""``SummaryWriter`` methods for pr curves (see :mod:`lightboard.methods`)."""

from __future__ import annotations


class PrCurveMethods:
    """pr curves methods of :class:`lightboard.SummaryWriter`."""
