"""Histograms: every logged histogram of a tag, as ``[left, right, count]`` buckets (legacy ``histo`` values
migrated as TensorBoard does, by the reader)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin

_NUMBER = {"type": ["number", "null"]}
BUCKETS_SCHEMA = {
    "type": "array",
    "description": "The buckets, left to right: [left edge, right edge, count]; null for an edge that is not finite.",
    "items": {"type": "array", "items": _NUMBER, "minItems": 3, "maxItems": 3},
}


def listed(array: np.ndarray) -> list:
    """``array`` as nested lists of floats, ``None`` where a value is NaN or infinite (JSON has neither)."""
    if np.isfinite(array).all():
        return array.tolist()
    return np.where(np.isfinite(array), array, None).tolist()


def points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every histogram of ``tag`` in ``run``: ``step``, ``wall_time``, ``buckets``."""
    return [{"step": h.step, "wall_time": h.wall_time, "buckets": listed(h.buckets)} for h in run.histograms(tag)]


PLUGIN = Plugin(
    name="histograms",
    title="Histograms",
    kind="histograms",
    points=points,
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "buckets"],
        "properties": {"step": {"type": "integer"}, "wall_time": {"type": "number"}, "buckets": BUCKETS_SCHEMA},
    },
)
