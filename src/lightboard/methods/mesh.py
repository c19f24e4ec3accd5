"""``SummaryWriter`` methods for mesh (see :mod:`lightboard.methods`)."""

from __future__ import annotations


class MeshMethods:
    """mesh methods of :class:`lightboard.SummaryWriter`."""
