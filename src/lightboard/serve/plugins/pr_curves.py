"""PR curves: every logged curve of a tag with its counts per threshold, as TensorBoard answers them (thresholds
past the last one with any predicted positive dropped), plus the ROC curve's false-positive rate and both areas
under the curves, from the same counts."""

from __future__ import annotations

from typing import Any

import numpy as np

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin

COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def area(x: np.ndarray, y: np.ndarray) -> float:
    """The area under the polyline through ``(x, y)`` (trapezoids, in the given order, sign-free)."""
    if len(x) < 2:
        return 0.0
    return float(abs(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)))


def entry(step: int, wall_time: float, data: np.ndarray) -> dict[str, Any]:
    """One curve: ``data`` is the ``[6, T]`` array the writer stores (TP, FP, TN, FN, precision, recall)."""
    tp, fp, tn, fn, precision, recall = data
    predicted = (tp + fp).astype(np.int64)
    end = len(predicted) - 1
    while end > 0 and predicted[end] == 0:
        end -= 1
    end += 1
    negatives = fp + tn
    fpr = np.divide(fp, negatives, out=np.zeros_like(fp, dtype=np.float64), where=negatives > 0)[:end]
    recall, precision = recall[:end], precision[:end]
    # The ROC curve runs from (1, 1) at threshold 0 to (0, 0): its last point is added where not logged.
    roc_x, roc_y = np.append(fpr, 0.0), np.append(recall, 0.0)
    item: dict[str, Any] = {
        "step": step,
        "wall_time": wall_time,
        "thresholds": np.linspace(0.0, 1.0, data.shape[1])[:end].tolist(),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
    }
    item.update({name: [int(v) for v in row[:end]] for name, row in zip(COUNTS, (tp, fp, tn, fn), strict=True)})
    item.update({"fpr": fpr.tolist(), "pr_auc": area(recall, precision), "roc_auc": area(roc_x, roc_y)})
    return item


def points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every PR curve of ``tag`` in ``run``."""
    return [entry(curve.step, curve.wall_time, curve.data) for curve in run.pr_curves(tag)]


_LIST = {"type": "array", "items": {"type": "number"}}
_COUNTS = {"type": "array", "items": {"type": "integer"}}
PLUGIN = Plugin(
    name="pr_curves",
    title="PR Curves",
    kind="pr_curves",
    points=points,
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "thresholds", "precision", "recall", *COUNTS, "fpr", "pr_auc", "roc_auc"],
        "properties": {
            "step": {"type": "integer"},
            "wall_time": {"type": "number"},
            "thresholds": {
                **_LIST,
                "description": "Evenly spaced in [0, 1]; those past the last threshold with a "
                "predicted positive are dropped, as TensorBoard does.",
            },
            "precision": _LIST,
            "recall": {**_LIST, "description": "Also the ROC curve's true-positive rate."},
            **{name: _COUNTS for name in COUNTS},
            "fpr": {
                **_LIST,
                "description": "False-positive rate FP / (FP + TN) (0 without negatives): the ROC curve's x.",
            },
            "pr_auc": {
                "type": "number",
                "description": "Area under precision over recall (trapezoids between the thresholds shown).",
            },
            "roc_auc": {
                "type": "number",
                "description": "Area under the ROC curve (trapezoids, from the thresholds shown to the point (0, 0)).",
            },
        },
    },
)
