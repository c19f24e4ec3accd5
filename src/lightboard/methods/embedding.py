"""``SummaryWriter`` methods for embedding (see :mod:`lightboard.methods`)."""

from __future__ import annotations


class EmbeddingMethods:
    """embedding methods of :class:`lightboard.SummaryWriter`."""
