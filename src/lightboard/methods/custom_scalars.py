"""``SummaryWriter`` methods for custom scalars (see :mod:`lightboard.methods`)."""

from __future__ import annotations


class CustomScalarsMethods:
    """custom scalars methods of :class:`lightboard.SummaryWriter`."""
