"""``SummaryWriter`` methods for images (see :mod:`lightboard.methods`)."""

from __future__ import annotations


class ImageMethods:
    """images methods of :class:`lightboard.SummaryWriter`."""
