"""PR curves: every logged curve of a tag with its counts per threshold, as TensorBoard answers them (thresholds
past the last one with any predicted positive dropped), plus the ROC curve's false-positive rate and both areas
under the curves, from the same counts.

The areas are by trapezoids between the thresholds served, what ``sklearn.metrics.auc`` gives on the same
points, with each curve's end that no threshold reaches added as sklearn's ``precision_recall_curve`` and
``roc_curve`` add it: PR-AUC under precision over recall ending at (recall 0, precision 1), ROC-AUC under recall
over the false-positive rate ending at (0, 0). Examples whose prediction is in the last bucket (1.0) are
predicted positive at every threshold, so the curve's last point can be far from recall 0: without that end the
area would miss the whole strip below it. PR-AUC by trapezoids is not average precision (sklearn's
``average_precision_score``, a step sum over the examples), and both areas are those of the thresholds logged,
not of the examples: they approach sklearn's scores on the examples as the thresholds get finer. An area is null
where it is undefined: both without positive examples, the ROC-AUC also without negative ones."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin
from lightboard.serve.plugins.steps import steps_endpoint, steps_path

COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def area(x: np.ndarray, y: np.ndarray) -> float:
    """The area under the polyline through ``(x, y)`` (trapezoids, in the given order, sign-free)."""
    if len(x) < 2:
        return 0.0
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(abs(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)))


@lru_cache(maxsize=64)
def thresholds(count: int) -> list[float]:
    """The ``count`` thresholds of a curve, evenly spaced in [0, 1] as TensorBoard spaces them."""
    return np.linspace(0.0, 1.0, count).tolist()


def entry(step: int, wall_time: float, data: np.ndarray) -> dict[str, Any]:
    """One curve: ``data`` is the ``[6, T]`` array the writer stores (TP, FP, TN, FN, precision, recall)."""
    tp, fp, tn, fn = data[:4].astype(np.float64)  # the rates in double precision, from the float32 counts
    precision, recall = data[4], data[5]
    # Counts truncated one by one, as TensorBoard does: weighted counts 0.6 + 0.6 are no predicted positive.
    predicted = np.flatnonzero(tp.astype(np.int64) + fp.astype(np.int64))
    end = int(predicted[-1]) + 1 if len(predicted) else 1  # the first threshold is always kept
    negatives = fp + tn
    fpr = np.divide(fp, negatives, out=np.zeros_like(fp), where=negatives > 0)[:end]
    recall, precision = recall[:end], precision[:end]
    # Both curves get the end that no threshold reaches, as sklearn's precision_recall_curve and roc_curve give
    # them: the PR curve ends at (recall 0, precision 1), the ROC curve (from (1, 1) at threshold 0) at (0, 0).
    pr_x, pr_y = np.append(recall, 0.0), np.append(precision, 1.0)
    roc_x, roc_y = np.append(fpr, 0.0), np.append(recall, 0.0)
    item: dict[str, Any] = {
        "step": step,
        "wall_time": wall_time,
        "thresholds": thresholds(data.shape[1])[:end],
        "precision": precision.tolist(),
        "recall": recall.tolist(),
    }
    # Truncated toward zero, as int() does (TensorBoard's), a row at a time.
    item.update({name: row[:end].astype(np.int64).tolist() for name, row in zip(COUNTS, (tp, fp, tn, fn), strict=True)})
    has_positives, has_negatives = tp[0] + fn[0] > 0, fp[0] + tn[0] > 0
    item["fpr"] = fpr.tolist()
    item["pr_auc"] = area(pr_x, pr_y) if has_positives else None
    item["roc_auc"] = area(roc_x, roc_y) if has_positives and has_negatives else None
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
                "type": ["number", "null"],
                "description": "Area under precision over recall (trapezoids between the thresholds shown); "
                "null without positive examples.",
            },
            "roc_auc": {
                "type": ["number", "null"],
                "description": "Area under the ROC curve (trapezoids, from the thresholds shown to the point (0, 0)); "
                "null without positive or without negative examples.",
            },
        },
    },
    routes=(("/api/pr_curves/steps", steps_endpoint("pr_curves", "pr_curves", points)),),
    paths={"/api/pr_curves/steps": steps_path("pr_curves")},
)
