"""``add_pr_curve`` and ``add_pr_curve_raw``: TensorBoard's pr_curves arrays and layout, and clear errors.

References: TensorBoard's own ``pr_curve.summary.pb`` (it imports TensorFlow only to build protos, so it runs here
with a stand-in made of TensorBoard's bundled protos and ``tensor_util``) and tensorboardX's ``compute_curve``.
"""

from __future__ import annotations

import glob
import os
import pathlib
import sys
import types
import warnings
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.compat.proto import summary_pb2 as tb_summary_pb2
from tensorboard.compat.tensorflow_stub import dtypes as tb_dtypes
from tensorboard.plugins.pr_curve import plugin_data_pb2
from tensorboard.plugins.pr_curve import summary as tb_pr_curve
from tensorboard.util import tensor_util
from tensorboardX import summary as tbx_summary

from lightboard import SummaryWriter
from lightboard.summaries import pr_curve

TAG = "eval/pr curve #1"  # not cleaned (tensorboardX does not clean PR-curve tags)


def tensorboard_curve(labels: Any, predictions: Any, num_thresholds: int, weights: Any = None) -> np.ndarray:
    """The float32 ``(6, T)`` array TensorBoard's ``pr_curve.summary.pb`` stores."""
    v1 = types.ModuleType("tensorflow.compat.v1")
    v1.Summary = tb_summary_pb2.Summary
    v1.SummaryMetadata = tb_summary_pb2.SummaryMetadata
    v1.make_tensor_proto = tensor_util.make_tensor_proto
    v1.float32 = tb_dtypes.float32
    compat = types.ModuleType("tensorflow.compat")
    compat.v1 = v1
    tf = types.ModuleType("tensorflow")
    tf.compat = compat
    stand_in = {"tensorflow": tf, "tensorflow.compat": compat, "tensorflow.compat.v1": v1}
    with mock.patch.dict(sys.modules, stand_in):
        summary = tb_pr_curve.pb("ref", labels, predictions, num_thresholds=num_thresholds, weights=weights)
    (value,) = summary.value
    content = plugin_data_pb2.PrCurvePluginData.FromString(value.metadata.plugin_data.content)
    assert content.num_thresholds == num_thresholds
    return tensor_util.make_ndarray(value.tensor)


def curve_values(logdir: str | os.PathLike[str]) -> list[tuple[int, Any]]:
    """``(step, value)`` of every tensor value in ``logdir``, as TensorBoard's loader reads them."""
    files = sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))
    return [
        (event.step, value)
        for path in files
        for event in LegacyEventFileLoader(path).Load()
        for value in event.summary.value
        if value.HasField("tensor")
    ]


def logged_curve(value: Any) -> np.ndarray:
    """The stored array of a pr_curves value, after checking its layout and metadata."""
    assert value.metadata.plugin_data.plugin_name == "pr_curves"
    assert value.metadata.data_class == tb_summary_pb2.DataClass.DATA_CLASS_TENSOR
    array = tensor_util.make_ndarray(value.tensor)
    assert array.dtype == np.float32
    assert array.shape[0] == 6
    content = plugin_data_pb2.PrCurvePluginData.FromString(value.metadata.plugin_data.content)
    assert (content.version, content.num_thresholds) == (0, array.shape[1])
    return array


def log_curve(logdir: pathlib.Path, *args: Any, **kwargs: Any) -> np.ndarray:
    with SummaryWriter(logdir) as writer:
        writer.add_pr_curve(TAG, *args, **kwargs)
    ((_, value),) = curve_values(logdir)
    assert value.tag == TAG
    return logged_curve(value)


def random_case(seed: int, size: int, num_thresholds: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Random labels and predictions, some of them exactly on thresholds, at 0 and at 1."""
    rng = np.random.default_rng(seed)
    labels = rng.random(size) < 0.4
    predictions = rng.random(size).astype(dtype)
    on_threshold = rng.integers(0, num_thresholds, size) / (num_thresholds - 1)
    exact = rng.random(size) < 0.2
    predictions[exact] = on_threshold[exact].astype(dtype)
    predictions[:2] = [0.0, 1.0][:size]
    return labels, predictions


CASES = [(1, 2), (7, 3), (1000, 127), (10_000, 201), (10_000, 5000), (150_000, 127)]  # 150k spans numpy's blocks


@pytest.mark.parametrize(("size", "num_thresholds"), CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_equals_tensorboard_and_tensorboardx(
    tmp_path: pathlib.Path, size: int, num_thresholds: int, dtype: type, weighted: bool
) -> None:
    labels, predictions = random_case(size + num_thresholds, size, num_thresholds, dtype)
    weights = np.random.default_rng(size).uniform(0, 3, size) if weighted else None
    theirs = tbx_summary.compute_curve(labels, predictions, num_thresholds=num_thresholds, weights=weights)
    positive = pr_curve.check_labels(labels, TAG)
    assert np.array_equal(pr_curve.compute_curve(positive, predictions, num_thresholds, weights), theirs)
    stored = log_curve(tmp_path, labels, predictions, 3, num_thresholds, weights)
    assert np.array_equal(stored, tensorboard_curve(labels, predictions, num_thresholds, weights))
    assert np.array_equal(stored, theirs.astype(np.float32))


def test_default_127_and_more_thresholds_are_honoured(tmp_path: pathlib.Path) -> None:
    labels, predictions = random_case(5, 300, 500, np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_pr_curve(TAG, labels, predictions, 0)
        writer.add_pr_curve(TAG, labels, predictions, 1, num_thresholds=500)
        writer.add_pr_curve(TAG, labels, predictions, 2, num_thresholds=np.int64(300))
    curves = {step: logged_curve(value) for step, value in curve_values(tmp_path)}
    assert {step: curve.shape for step, curve in curves.items()} == {0: (6, 127), 1: (6, 500), 2: (6, 300)}
    assert np.array_equal(curves[1], tensorboard_curve(labels, predictions, 500))


def test_counts_of_a_hand_made_case(tmp_path: pathlib.Path) -> None:
    """Thresholds 0, 0.5, 1: an example counts as positive at every threshold up to its prediction."""
    labels = [1, 0, 1, 0]
    predictions = [0.9, 0.6, 0.4, 0.1]
    curve = log_curve(tmp_path, labels, predictions, 0, 3)
    assert curve[:4].tolist() == [[2, 1, 0], [2, 1, 0], [0, 1, 2], [0, 1, 2]]  # TP, FP, TN, FN
    assert curve[4].tolist() == [0.5, 0.5, 0.0]
    assert curve[5].tolist() == [1.0, 0.5, 0.0]


def test_weights_number_per_example_and_broadcast(tmp_path: pathlib.Path) -> None:
    rng = np.random.default_rng(9)
    labels = rng.integers(0, 2, (6, 5))
    predictions = rng.random((6, 5))
    row_weights = rng.uniform(0, 2, (6, 1))
    with SummaryWriter(tmp_path) as writer:
        writer.add_pr_curve(TAG, labels, predictions, 0, 11, weights=2.5)
        writer.add_pr_curve(TAG, labels, predictions, 1, 11, weights=row_weights)
        writer.add_pr_curve(TAG, labels, predictions, 2, 11, weights=np.broadcast_to(row_weights, (6, 5)).ravel())
        writer.add_pr_curve(TAG, labels, predictions, 3, 11, weights=torch.tensor(row_weights, dtype=torch.float32))
    curves = [logged_curve(value) for _, value in curve_values(tmp_path)]
    assert np.array_equal(curves[0], tensorboard_curve(labels, predictions, 11, 2.5))
    assert np.array_equal(curves[1], tensorboard_curve(labels, predictions, 11, row_weights))
    assert np.array_equal(curves[2], curves[1])
    float32_weights = row_weights.astype(np.float32)
    assert np.array_equal(curves[3], tensorboard_curve(labels, predictions, 11, float32_weights))


def test_tensor_inputs_and_shapes(tmp_path: pathlib.Path) -> None:
    labels, predictions = random_case(11, 40, 127, np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_pr_curve(TAG, torch.tensor(labels), torch.tensor(predictions), 0)
        writer.add_pr_curve(TAG, labels.astype(float).reshape(8, 5), predictions.reshape(5, 8), 1)
        writer.add_pr_curve(TAG, labels.tolist(), torch.tensor(predictions, dtype=torch.bfloat16), 2)
        writer.add_pr_curve(TAG, labels.astype(np.uint8), predictions.astype(">f4"), 3)  # computed in float32
    curves = [logged_curve(value) for _, value in curve_values(tmp_path)]
    expected = tensorboard_curve(labels, predictions, 127)
    assert np.array_equal(curves[0], expected)
    assert np.array_equal(curves[1], expected)
    assert np.array_equal(curves[3], expected)
    widened = torch.tensor(predictions, dtype=torch.bfloat16).float().numpy()
    assert np.array_equal(curves[2], tensorboard_curve(labels, widened, 127))


def test_write_to_disk_false_checks_but_writes_nothing(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "off"
    with SummaryWriter(logdir, write_to_disk=False) as writer:
        writer.add_pr_curve(TAG, [0, 1], [0.2, 0.7])
        writer.add_pr_curve_raw(TAG, [1, 0], [1, 0], [0, 1], [0, 1], [0.5, 0], [1, 0], num_thresholds=2)
        with pytest.raises(ValueError, match="predictions"):
            writer.add_pr_curve(TAG, [0, 1], [0.2, 1.7])
    assert not logdir.exists()


LABELS = np.array([0, 1, 1, 0, 1])
PREDICTIONS = np.array([0.1, 0.9, 0.4, 0.3, 0.8])
BAD_CURVES = [
    pytest.param({"labels": [0, 2, 1, 0, 1]}, ValueError, r"labels .*booleans or 0/1, found 2", id="label-2"),
    pytest.param({"labels": [0, 0.5, 1, 0, 1]}, ValueError, r"labels .*found 0\.5", id="label-half"),
    pytest.param({"labels": [0, np.nan, 1, 0, 1]}, ValueError, r"labels .*found nan", id="label-nan"),
    pytest.param({"labels": ["a"] * 5}, TypeError, "labels .*numeric", id="label-str"),
    pytest.param({"labels": np.zeros(0)}, ValueError, "labels .*empty", id="empty"),
    pytest.param({"predictions": [0.1, 1.5, 0.4, 0.3, 0.8]}, ValueError, r"predictions .*\[0, 1\]", id="pred>1"),
    pytest.param({"predictions": [-0.1, 0.5, 0.4, 0.3, 0.8]}, ValueError, r"predictions .*\[0, 1\]", id="pred<0"),
    pytest.param({"predictions": [0.1, np.nan, 0.4, 0.3, 0.8]}, ValueError, "predictions .*NaN", id="pred-nan"),
    pytest.param({"predictions": [0.1, 0.2]}, ValueError, "labels and predictions .*5 labels", id="mismatch"),
    pytest.param({"predictions": np.zeros(5, complex)}, TypeError, "predictions .*complex", id="pred-complex"),
    pytest.param({"num_thresholds": 1}, ValueError, r"num_thresholds .*2\.\.16777216, got 1", id="T=1"),
    pytest.param({"num_thresholds": -5}, ValueError, "num_thresholds", id="T<0"),
    pytest.param({"num_thresholds": 2**24 + 1}, ValueError, "num_thresholds", id="T-huge"),
    pytest.param({"num_thresholds": 127.0}, TypeError, "num_thresholds .*int", id="T-float"),
    pytest.param({"num_thresholds": True}, TypeError, "num_thresholds .*int", id="T-bool"),
    pytest.param({"num_thresholds": "127"}, TypeError, "num_thresholds .*int", id="T-str"),
    pytest.param({"weights": [1, 1, -1, 1, 1]}, ValueError, "weights .*non-negative", id="w<0"),
    pytest.param({"weights": [1, 1, np.nan, 1, 1]}, ValueError, "weights .*finite", id="w-nan"),
    pytest.param({"weights": np.inf}, ValueError, "weights .*finite", id="w-inf"),
    pytest.param({"weights": [1.0, 2.0]}, ValueError, r"weights .*broadcastable .*\(5,\)", id="w-shape"),
    pytest.param({"weights": "heavy"}, TypeError, "weights .*numeric", id="w-str"),
]


@pytest.mark.parametrize(("change", "error", "match"), BAD_CURVES)
def test_bad_curves(tmp_path: pathlib.Path, change: dict[str, Any], error: type[Exception], match: str) -> None:
    arguments: dict[str, Any] = {"labels": LABELS, "predictions": PREDICTIONS, **change}
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error, match=f"^add_pr_curve: {match}") as raised:
            writer.add_pr_curve(TAG, **arguments)
    assert repr(TAG) in str(raised.value)
    assert curve_values(tmp_path) == []


def test_tag_must_be_a_string(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(TypeError, match="add_pr_curve: tag must be a str"):
            writer.add_pr_curve(None, LABELS, PREDICTIONS)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="add_pr_curve_raw: tag must be a str"):
            writer.add_pr_curve_raw(1, *RAW)  # type: ignore[arg-type]


# -- raw -----------------------------------------------------------------------------------------------

RAW = [[75, 64, 21, 5, 0], [150, 105, 18, 0, 0], [0, 45, 132, 150, 150], [0, 11, 54, 70, 75],
       [0.3333333, 0.3786982, 0.5384616, 1.0, 0.0], [1.0, 0.8533334, 0.28, 0.0666667, 0.0]]  # fmt: skip


def test_raw_stores_the_arrays(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer, warnings.catch_warnings():
        warnings.simplefilter("error")
        writer.add_pr_curve_raw(TAG, *RAW, global_step=4, num_thresholds=5)
        writer.add_pr_curve_raw(TAG, *(torch.tensor(row) for row in RAW), 5, 5, weights=[1, 2, 3])
    (step, first), (_, second) = curve_values(tmp_path)
    assert step == 4
    assert np.array_equal(logged_curve(first), np.array(RAW, dtype=np.float32))
    assert np.array_equal(logged_curve(second), np.array(RAW, dtype=np.float32))
    theirs = tbx_summary.pr_curve_raw("t", *(np.array(row) for row in RAW), num_thresholds=5).value[0].tensor
    assert np.array_equal(logged_curve(first).ravel(), np.array(theirs.float_val, dtype=np.float32))


def test_raw_length_wins_over_num_thresholds_with_a_warning(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.warns(UserWarning, match=r"add_pr_curve_raw: num_thresholds=127 .*length 5") as got:
            writer.add_pr_curve_raw(TAG, *RAW)  # tensorboardX's default with 5 thresholds: allowed, as there
    assert got[0].filename == __file__
    ((_, value),) = curve_values(tmp_path)
    assert logged_curve(value).shape == (6, 5)  # and the metadata says 5 (checked by logged_curve)


def _raw_with(index: int, row: Any) -> list[Any]:
    rows: list[Any] = [list(r) for r in RAW]
    rows[index] = row
    return rows


BAD_RAW = [
    pytest.param(_raw_with(0, [RAW[0]]), {}, ValueError, r"true_positive_counts .*1-D, got shape \(1, 5\)", id="2d"),
    pytest.param(_raw_with(3, 7), {}, ValueError, r"false_negative_counts .*1-D, got shape \(\)", id="0d"),
    pytest.param(_raw_with(4, [0.5] * 4), {}, ValueError, "the six .*5 true_positive_counts and 4 precision", id="len"),
    pytest.param([[1]] * 6, {"num_thresholds": 2}, ValueError, "the arrays .*at least 2 thresholds, got 1", id="one"),
    pytest.param([[]] * 6, {"num_thresholds": 2}, ValueError, "the arrays .*at least 2 thresholds, got 0", id="empty"),
    pytest.param(_raw_with(4, [np.nan, 0, 0, 0, 0]), {}, ValueError, "precision .*NaN or infinite", id="nan"),
    pytest.param(_raw_with(1, [np.inf, 0, 0, 0, 0]), {}, ValueError, "false_positive_counts .*infinite", id="inf"),
    pytest.param(_raw_with(5, list("abcde")), {}, TypeError, "recall .*numeric", id="strings"),
    pytest.param(RAW, {"num_thresholds": 1}, ValueError, "num_thresholds", id="T=1"),
    pytest.param(RAW, {"num_thresholds": 5.0}, TypeError, "num_thresholds .*int", id="T-float"),
]


@pytest.mark.parametrize(("rows", "kwargs", "error", "match"), BAD_RAW)
def test_bad_raw(
    tmp_path: pathlib.Path, rows: list[Any], kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    kwargs.setdefault("num_thresholds", 5)
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error, match=f"^add_pr_curve_raw: {match}") as raised:
            writer.add_pr_curve_raw(TAG, *rows, **kwargs)
    assert repr(TAG) in str(raised.value)
    assert curve_values(tmp_path) == []
