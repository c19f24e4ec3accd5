"""``SummaryWriter`` methods for audio (see :mod:`lightboard.methods`)."""

from __future__ import annotations


class AudioMethods:
    """audio methods of :class:`lightboard.SummaryWriter`."""
