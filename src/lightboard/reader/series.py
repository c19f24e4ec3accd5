"""Scalar time series: columns appended segment by segment as files grow, joined and preempted on demand."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

PREEMPT, KEEP = "preempt", "keep"
RESTART_POLICIES = (PREEMPT, KEEP)


class Scalars(NamedTuple):
    """One scalar series: three aligned numpy arrays.

    ``step`` is int64, ``wall_time`` float64 (seconds since the epoch) and ``value`` float32 as TensorBoard
    stores scalars, or float64 when the file held double-precision values that float32 cannot represent.
    """

    step: np.ndarray
    wall_time: np.ndarray
    value: np.ndarray

    def __len__(self) -> int:  # the number of points, not of fields
        return len(self.step)


def keep_mask(steps: np.ndarray) -> np.ndarray | None:
    """Which points survive per-tag preemption, or None when all do.

    A point read later at step ``s`` drops every earlier point with step ``>= s`` (TensorBoard's data
    server, tensorboard-format.md §7.2): point ``i`` survives when every later step is greater.
    """
    if len(steps) < 2 or bool(np.all(steps[1:] > steps[:-1])):
        return None
    later_min = np.minimum.accumulate(steps[::-1])[::-1]
    keep = np.ones(len(steps), dtype=bool)
    keep[:-1] = steps[:-1] < later_min[1:]
    return keep


class ScalarSeries:
    """The points of one (run, tag), as segments appended by each refresh and joined when read."""

    __slots__ = ("_preempted", "_restarts", "_segments")

    def __init__(self, restarts: str) -> None:
        self._segments: list[Scalars] = []
        self._restarts = restarts
        self._preempted = False  # the one segment left is already preempted

    def append(self, steps: object, walls: object, values: object, double: bool) -> None:
        """Add the points of one scan, given as buffers (int64, float64, float32 or float64)."""
        self._preempted = False
        self._segments.append(
            Scalars(
                np.frombuffer(steps, dtype=np.int64),
                np.frombuffer(walls, dtype=np.float64),
                np.frombuffer(values, dtype=np.float64 if double else np.float32),
            )
        )

    def get(self) -> Scalars:
        """All points so far, preempted unless the policy is ``"keep"``."""
        segments = self._segments
        if len(segments) != 1:
            if not segments:
                return Scalars(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.float32))
            joined = Scalars(*(np.concatenate(column) for column in zip(*segments, strict=True)))
            segments[:] = [joined]
        if self._restarts == PREEMPT and not self._preempted:
            keep = keep_mask(segments[0].step)
            if keep is not None:
                segments[0] = Scalars(*(column[keep] for column in segments[0]))
            self._preempted = True
        return segments[0]

    def __len__(self) -> int:
        return len(self.get())
