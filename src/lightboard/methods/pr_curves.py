"""``SummaryWriter`` methods for pr curves (see :mod:`lightboard.methods`)."""

from __future__ import annotations

import warnings
from typing import Any


class PrCurveMethods:
    """pr curves methods of :class:`lightboard.SummaryWriter`."""

    def add_pr_curve(
        self,
        tag: str,
        labels: Any,
        predictions: Any,
        global_step: int | None = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log a precision-recall curve, shown in TensorBoard's PR curves dashboard.

        Computed as TensorBoard computes it: at each of ``num_thresholds`` thresholds evenly spaced in
        [0, 1], the (weighted) true/false positive/negative counts, precision and recall of the examples.

        Args:
            tag: name of the curve series (used as given, as in tensorboardX).
            labels: ground truth, booleans or 0/1, any shape.
            predictions: probability that each example is positive, in [0, 1]; as many as ``labels``
                (both are flattened).
            global_step: step of the curve (default 0, or the ``use_metadata`` step).
            num_thresholds: number of thresholds, at least 2. Unlike tensorboardX, values above 127 are
                honoured (TensorBoard's own default is 201).
            weights: optional non-negative weight of each example: a number, one per label, or an array
                broadcastable to the shape of ``labels``.
            walltime: seconds since the epoch (default now, or the ``use_metadata`` time).

        Raises:
            TypeError: ``tag`` is not a str, ``num_thresholds`` is not an int, or an array is not numeric.
            ValueError: empty ``labels``, a label other than booleans or 0/1, a count mismatch, a prediction
                outside [0, 1] or NaN, a negative, NaN or infinite weight, ``num_thresholds`` below 2 (or
                above 2**24).

        Example::

            writer.add_pr_curve("pr", np.random.randint(2, size=100), np.random.rand(100), step)
        """
        from lightboard.summaries import pr_curve
        from lightboard.summaries.tags import check_tag
        from lightboard.tensor import to_numpy

        method = "add_pr_curve"
        check_tag(tag, method)
        thresholds = pr_curve.check_num_thresholds(num_thresholds, tag, method)
        label_array = to_numpy(labels, argument="labels", method=method, tag=tag)
        positive = pr_curve.check_labels(label_array, tag, method)
        scores = pr_curve.check_predictions(
            to_numpy(predictions, argument="predictions", method=method, tag=tag), positive.size, tag, method
        )
        weight_values = None
        if weights is not None:
            weight_array = to_numpy(weights, argument="weights", method=method, tag=tag)
            weight_values = pr_curve.check_weights(weight_array, label_array.shape, tag, method)
        curve = pr_curve.compute_curve(positive, scores, thresholds, weight_values)
        step, wall = self._defaults.step_and_time(global_step, walltime)
        self._queue(self._get_file_writer(), pr_curve.event(tag, curve, wall, step))

    def add_pr_curve_raw(
        self,
        tag: str,
        true_positive_counts: Any,
        false_positive_counts: Any,
        true_negative_counts: Any,
        false_negative_counts: Any,
        precision: Any,
        recall: Any,
        global_step: int | None = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log a precision-recall curve computed elsewhere: six 1-D arrays, one value per threshold.

        As in tensorboardX, the curve has as many thresholds as the arrays have elements, evenly spaced in
        [0, 1]; the stored metadata says so too. A ``num_thresholds`` that differs from that length (for
        instance the default 127 with shorter arrays) is ignored with a ``UserWarning``.

        Args:
            tag: name of the curve series (used as given, as in tensorboardX).
            true_positive_counts, false_positive_counts, true_negative_counts, false_negative_counts,
            precision, recall: the rows of the curve, 1-D, of one length (at least 2), finite.
            global_step: step of the curve (default 0, or the ``use_metadata`` step).
            num_thresholds: the length of the arrays; checked to be an int of at least 2.
            weights: accepted for tensorboardX compatibility and unused (the counts are already weighted).
            walltime: seconds since the epoch (default now, or the ``use_metadata`` time).

        Raises:
            TypeError: ``tag`` is not a str, ``num_thresholds`` is not an int, or an array is not numeric.
            ValueError: an array that is not 1-D, lengths that differ or are below 2, NaN or infinite values,
                ``num_thresholds`` below 2 (or above 2**24).
        """
        import numpy as np

        from lightboard.summaries import pr_curve
        from lightboard.summaries.tags import check_tag
        from lightboard.tensor import to_numpy

        method = "add_pr_curve_raw"
        check_tag(tag, method)
        requested = pr_curve.check_num_thresholds(num_thresholds, tag, method)
        given = (true_positive_counts, false_positive_counts, true_negative_counts, false_negative_counts,
                 precision, recall)  # fmt: skip
        rows = []
        for name, raw in zip(pr_curve.ROWS, given, strict=True):
            row = to_numpy(raw, argument=name, method=method, tag=tag)
            if row.ndim != 1:
                raise ValueError(f"{method}: {name} for tag {tag!r} must be 1-D, got shape {row.shape}")
            if len(row) != len(rows[0] if rows else row):
                raise ValueError(
                    f"{method}: the six arrays for tag {tag!r} must have one length, got {len(rows[0])} "
                    f"true_positive_counts and {len(row)} {name}"
                )
            rows.append(row)
        length = len(rows[0])
        if length < pr_curve.MIN_THRESHOLDS:
            raise ValueError(f"{method}: the arrays for tag {tag!r} must hold at least 2 thresholds, got {length}")
        curve = np.stack(rows).astype(np.float64)
        if not np.isfinite(curve).all():
            name = pr_curve.ROWS[int(np.nonzero(~np.isfinite(curve))[0][0])]
            raise ValueError(f"{method}: {name} for tag {tag!r} holds NaN or infinite values")
        if requested != length:
            warnings.warn(
                f"{method}: num_thresholds={requested} for tag {tag!r} differs from the arrays' length {length}; "
                f"the curve has {length} thresholds",
                UserWarning,
                stacklevel=2,
            )
        step, wall = self._defaults.step_and_time(global_step, walltime)
        self._queue(self._get_file_writer(), pr_curve.event(tag, curve, wall, step))
