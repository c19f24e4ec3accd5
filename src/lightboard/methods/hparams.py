"""``SummaryWriter`` methods for hparams (see :mod:`lightboard.methods`)."""

from __future__ import annotations


class HparamsMethods:
    """hparams methods of :class:`lightboard.SummaryWriter`."""
