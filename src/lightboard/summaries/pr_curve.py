"""Precision-recall curves: TensorBoard's ``pr_curves`` algorithm and layout.

A curve of ``T`` thresholds is a DT_FLOAT tensor of shape ``[6, T]`` whose rows are the true positive, false
positive, true negative and false negative counts, precision and recall at the thresholds ``k / (T - 1)``,
with ``PrCurvePluginData(version=0, num_thresholds=T)``.

An example with prediction ``p`` falls in bucket ``floor(p * (T - 1))`` (computed in the predictions' own
float precision) and counts, with its weight, as predicted positive at every threshold up to its bucket;
precision and recall divide by ``max(1e-7, denominator)``. :func:`compute_curve` gives the same float64 arrays
as TensorBoard's ``pr_curve.summary.pb`` and tensorboardX's ``compute_curve``, bit for bit: both bin with
``numpy.histogram``, which sums weights block by block, and so does :func:`compute_curve`.
"""

from __future__ import annotations

import operator
from functools import lru_cache
from typing import Any

import numpy as np

from lightboard.events.wire import summary_event
from lightboard.proto.plugins_pb2 import PrCurvePluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_FLOAT
from lightboard.summaries.tensor_proto import to_array

PLUGIN_NAME = "pr_curves"
ROWS = ("true_positive_counts", "false_positive_counts", "true_negative_counts", "false_negative_counts",
        "precision", "recall")  # fmt: skip
"""The rows of the curve tensor, in order (also the argument names of ``add_pr_curve_raw``)."""
MIN_THRESHOLDS = 2
MAX_THRESHOLDS = 1 << 24
"""Finer thresholds than float32 predictions can resolve would only make the event bigger."""
MINIMUM_COUNT = 1e-7
"""Smallest denominator of precision and recall (TensorBoard's ``_MINIMUM_COUNT``)."""
_BLOCK = 65536
"""``numpy.histogram`` sums weights in blocks of this many values; summing the same way keeps results identical."""


def check_num_thresholds(num_thresholds: Any, tag: str, method: str) -> int:
    """``num_thresholds`` as an int in ``MIN_THRESHOLDS..MAX_THRESHOLDS``.

    Raises:
        TypeError: not an integer (bools and floats included).
        ValueError: out of range.
    """
    if isinstance(num_thresholds, bool):
        raise TypeError(f"{method}: num_thresholds for tag {tag!r} must be an int, got {num_thresholds!r}")
    try:
        count = operator.index(num_thresholds)
    except TypeError as error:
        raise TypeError(
            f"{method}: num_thresholds for tag {tag!r} must be an int, got {type(num_thresholds).__name__} "
            f"{num_thresholds!r}"
        ) from error
    if not MIN_THRESHOLDS <= count <= MAX_THRESHOLDS:
        raise ValueError(
            f"{method}: num_thresholds for tag {tag!r} must be in {MIN_THRESHOLDS}..{MAX_THRESHOLDS}, got {count}"
        )
    return count


def check_labels(labels: np.ndarray, tag: str, method: str = "add_pr_curve") -> np.ndarray:
    """The flattened labels as a bool array (True: positive example).

    Raises:
        ValueError: empty, or a label other than True/False, 0 or 1.
    """
    flat = labels.reshape(-1)
    if flat.size == 0:
        raise ValueError(f"{method}: labels for tag {tag!r} is empty (shape {labels.shape})")
    if flat.dtype == np.bool_:
        return flat
    positive = flat == 1
    valid = positive | (flat == 0)
    if not valid.all():
        bad = flat[~valid][0].item()
        raise ValueError(f"{method}: labels for tag {tag!r} must be booleans or 0/1, found {bad!r}")
    return positive


def check_predictions(predictions: np.ndarray, count: int, tag: str, method: str = "add_pr_curve") -> np.ndarray:
    """The flattened predictions (float32 or float64, the input's precision; float16 and integers are widened).

    Raises:
        ValueError: not ``count`` of them, or one outside [0, 1] or NaN.
    """
    flat = predictions.reshape(-1)
    if flat.size != count:
        raise ValueError(
            f"{method}: labels and predictions for tag {tag!r} must have as many elements, got {count} labels and "
            f"predictions of shape {predictions.shape}"
        )
    dtype = flat.dtype
    if dtype.kind != "f" or dtype.itemsize not in (4, 8) or not dtype.isnative:
        flat = flat.astype(np.float32 if dtype.kind == "f" and dtype.itemsize <= 4 else np.float64)
    low, high = flat.min(), flat.max()
    if not (low >= 0.0 and high <= 1.0):  # NaN fails both
        raise ValueError(
            f"{method}: predictions for tag {tag!r} must lie in [0, 1] (no NaN), got values from {low} to {high}"
        )
    return flat


def check_weights(
    weights: np.ndarray, labels_shape: tuple[int, ...], tag: str, method: str = "add_pr_curve"
) -> np.ndarray:
    """The flattened float64 weights: one per example, or broadcast from a shape compatible with the labels'.

    Raises:
        ValueError: neither as many weights as labels nor broadcastable to their shape; NaN, infinite or
            negative weights.
    """
    count = int(np.prod(labels_shape))
    if weights.size == count:
        flat = weights.reshape(-1)
    else:
        try:
            flat = np.broadcast_to(weights, labels_shape).reshape(-1)
        except ValueError as error:
            raise ValueError(
                f"{method}: weights for tag {tag!r} must be a number, one weight per label, or broadcastable to "
                f"the labels' shape {labels_shape}; got shape {weights.shape}"
            ) from error
    flat = flat.astype(np.float64)
    low, high = flat.min(), flat.max()
    if not (low >= 0.0 and high < np.inf):  # NaN fails both
        raise ValueError(
            f"{method}: weights for tag {tag!r} must be finite and non-negative, got values from {low} to {high}"
        )
    return flat


def compute_curve(
    positive: np.ndarray, predictions: np.ndarray, num_thresholds: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """The ``(6, num_thresholds)`` float64 curve of checked, flattened inputs (see the module docstring).

    Args:
        positive: bool labels.
        predictions: float32 or float64 values in [0, 1].
        num_thresholds: at least 2.
        weights: float64 weights, or None for 1 each.
    """
    index = np.floor(predictions * (num_thresholds - 1)).astype(np.intp)
    # One bincount for both classes: bin 2k + 1 sums the positives of bucket k, bin 2k its negatives.
    index <<= 1
    index += positive
    if weights is None:
        counts = np.bincount(index, minlength=2 * num_thresholds).astype(np.float64)
    else:
        counts = np.zeros(2 * num_thresholds)
        for start in range(0, len(index), _BLOCK):
            stop = start + _BLOCK
            counts += np.bincount(index[start:stop], weights[start:stop], minlength=2 * num_thresholds)
    tp = np.cumsum(counts[::-2])[::-1]  # reverse cumulative sums: everything at or above each threshold
    fp = np.cumsum(counts[-2::-2])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(MINIMUM_COUNT, tp + fp)
    recall = tp / np.maximum(MINIMUM_COUNT, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


@lru_cache(maxsize=64)
def metadata(num_thresholds: int) -> SummaryMetadata:
    """The pr_curves plugin's metadata for curves of ``num_thresholds`` thresholds (do not modify it)."""
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    return SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME, content=content),
        data_class=DataClass.DATA_CLASS_TENSOR,
    )


def value(tag: str, curve: np.ndarray) -> Summary.Value:
    """A ``Summary.Value`` holding the ``(6, T)`` ``curve`` as a DT_FLOAT tensor."""
    rows, thresholds = curve.shape
    tensor = TensorProto(
        dtype=DT_FLOAT,
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=rows), TensorShapeProto.Dim(size=thresholds)]),
        tensor_content=curve.astype("<f4").tobytes(),
    )
    return Summary.Value(tag=tag, metadata=metadata(thresholds), tensor=tensor)


def event(tag: str, curve: np.ndarray, wall_time: float, step: int) -> bytes:
    """A serialized ``Event`` with one curve under ``tag``."""
    return summary_event(wall_time, step, value(tag, curve).SerializeToString())


def curve_of(value: Summary.Value) -> np.ndarray:
    """The ``[6, T]`` array of a PR-curve value, rows in :data:`ROWS` order (reader side).

    Raises:
        ValueError: the value holds no ``[6, T]`` tensor.
    """
    curve = to_array(value.tensor) if value.HasField("tensor") else np.zeros(0)
    if curve.ndim != 2 or curve.shape[0] != len(ROWS):
        raise ValueError(f"PR curve {value.tag!r}: expected a [6, T] tensor, got shape {curve.shape}")
    return curve
