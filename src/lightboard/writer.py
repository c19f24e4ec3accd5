"""``SummaryWriter``: tensorboardX's writer API, dispatching to the summary kinds and the event pipeline."""

from __future__ import annotations

import contextlib
import os
import socket
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from lightboard.file_writer import DummyFileWriter, FileWriter, as_step
from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import Summary
from lightboard.scalar_history import ScalarHistory
from lightboard.summaries import scalar
from lightboard.summaries.tags import check_tag, clean_tag


def default_logdir(comment: str = "") -> str:
    """``runs/<Mon>DD_HH-MM-SS_<hostname><comment>``, the directory tensorboardX picks by default."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", stamp + "_" + socket.gethostname() + comment)


_tensor_module: Any = None


def to_float(value: Any, *, argument: str, method: str, tag: str) -> float:
    """:func:`lightboard.tensor.to_float`, imported on first use so that numpy loads only when needed."""
    global _tensor_module
    if _tensor_module is None:
        from lightboard import tensor as _tensor_module
    return _tensor_module.to_float(value, argument=argument, method=method, tag=tag)


class SummaryWriter:
    """Writes TensorBoard event files; a drop-in replacement for ``tensorboardX.SummaryWriter``.

    Every ``add_*`` returns in microseconds: events are encoded and written by a background thread.
    :meth:`flush` returns once everything logged before it is in the operating system's hands, so a
    crash after it loses nothing; :meth:`close` (or leaving a ``with`` block) also fsyncs. Writers still
    open when the interpreter exits are closed for you.

    Args:
        logdir: run directory. Default ``runs/<date>_<host><comment>``.
        comment: suffix of the default ``logdir``; ignored when ``logdir`` is given.
        purge_step: resume a crashed run: TensorBoard drops what an earlier writer logged to this run at
            steps ``>= purge_step``.
        max_queue: queued events that make the writer thread write at once.
        flush_secs: longest time, in seconds, before a logged event is written.
        filename_suffix: appended to every event file name.
        write_to_disk: ``False`` makes every method a no-op that touches no file (e.g. for ranks other
            than 0). Arguments are still checked.
        log_dir: alias of ``logdir`` (``torch.utils.tensorboard`` spelling).
        comet_config: accepted for tensorboardX compatibility; Comet logging is not supported.

    Example::

        from lightboard import SummaryWriter

        with SummaryWriter("runs/exp1") as writer:
            for step in range(100):
                writer.add_scalar("loss", 1 / (step + 1), step)
    """

    def __init__(
        self,
        logdir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        write_to_disk: bool = True,
        log_dir: str | os.PathLike[str] | None = None,
        comet_config: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(f"SummaryWriter() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        if comet_config is not None and not comet_config.get("disabled", True):
            warnings.warn("lightboard does not log to Comet; comet_config is ignored", stacklevel=2)
        if logdir is None:
            logdir = log_dir
        self.logdir: str = os.fspath(logdir) if logdir else default_logdir(comment)
        self.purge_step = None if purge_step is None else as_step(purge_step)
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._filename_suffix = filename_suffix
        self._write_to_disk = write_to_disk
        self._default_step: int | None = None
        self._default_walltime: float | None = None
        self._scalar_prefixes: dict[Any, bytes] = {}
        self._history = ScalarHistory()
        self.file_writer: FileWriter | DummyFileWriter | None = None
        self.all_writers: dict[str, FileWriter | DummyFileWriter] | None = None
        self._get_file_writer()

    # -- writers -------------------------------------------------------------------------------------

    def _new_file_writer(self, logdir: str) -> FileWriter | DummyFileWriter:
        if not self._write_to_disk:
            return DummyFileWriter(logdir)
        return FileWriter(logdir, self._max_queue, self._flush_secs, self._filename_suffix, self.purge_step)

    def _get_file_writer(self) -> FileWriter | DummyFileWriter:
        """The writer of the run directory itself, (re)created if needed (e.g. after :meth:`close`)."""
        if self.file_writer is None or self.all_writers is None:
            self.file_writer = self._new_file_writer(self.logdir)
            self.all_writers = {self.logdir: self.file_writer}
        return self.file_writer

    def get_logdir(self) -> str:
        """The run directory."""
        return self.logdir

    @property
    def default_bins(self) -> list[float]:
        """TensorBoard's default histogram edges (``bins='tensorflow'``)."""
        from lightboard.summaries.histogram import tensorflow_bins

        return tensorflow_bins().tolist()

    @property
    def scalar_dict(self) -> dict[str, list[list[float | int | None]]]:
        """What ``add_scalars`` logged since the last export: ``{writer_dir: [[walltime, step, value]]}``."""
        return self._history.as_dict()

    def _step_and_time(self, global_step: Any, walltime: Any) -> tuple[int, float]:
        if global_step is None:
            global_step = self._default_step
        if walltime is None:
            walltime = self._default_walltime
        step = 0 if global_step is None else (global_step if type(global_step) is int else as_step(global_step))
        return step, time.time() if walltime is None else float(walltime)

    def _add_summary(self, summary: Summary, global_step: Any, walltime: Any, writer: Any = None) -> None:
        step, wall = self._step_and_time(global_step, walltime)
        event = Event(summary=summary, wall_time=wall, step=step)
        (writer or self._get_file_writer()).queue(event.SerializeToString())

    # -- scalars -------------------------------------------------------------------------------------

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        display_name: str = "",
        summary_description: str = "",
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number.

        Args:
            tag: series name; characters outside ``[-/\\w.]`` become ``_`` (as in tensorboardX).
            scalar_value: a number, or any one-element array or tensor (torch, numpy, jax, TensorFlow).
                NaN and ±inf are recorded as they are.
            global_step: step of the point (default 0, or the ``use_metadata`` step).
            walltime: seconds since the epoch (default now, or the ``use_metadata`` time).
            display_name: title shown instead of the tag.
            summary_description: Markdown shown in the chart's info box.
            new_style: store a rank-0 float tensor with the scalars plugin's metadata
                (``torch.utils.tensorboard``'s option) instead of ``simple_value``.
            double_precision: accepted for ``torch.utils.tensorboard`` compatibility. TensorBoard's fast
                loader drops float64 scalars, so the value is still stored as float32 (with a warning).

        Raises:
            TypeError: ``tag`` is not a str, or the value is not a real number.
            ValueError: the value has more or fewer than one element.
        """
        prefix = self._scalar_prefixes.get(tag) if type(tag) is str else None
        if prefix is None:
            check_tag(tag, "add_scalar")
            prefix = self._scalar_prefixes[tag] = scalar.event_prefix(clean_tag(tag))
        kind = type(scalar_value)
        if kind is float or kind is int:
            value = float(scalar_value)
        else:
            value = to_float(scalar_value, argument="scalar_value", method="add_scalar", tag=tag)
        if display_name or summary_description or new_style or double_precision:
            if double_precision:
                warnings.warn(
                    "add_scalar(double_precision=True): TensorBoard's fast loader drops float64 scalars, "
                    "so lightboard stores float32",
                    stacklevel=2,
                )
            summary = scalar.summary(clean_tag(tag), value, display_name, summary_description, new_style)
            self._add_summary(summary, global_step, walltime)
            return
        if global_step is None:
            global_step = self._default_step or 0
        elif type(global_step) is not int or not -0x8000000000000000 <= global_step <= 0x7FFFFFFFFFFFFFFF:
            global_step = as_step(global_step)
        if walltime is None:
            walltime = self._default_walltime
        writer = self.file_writer or self._get_file_writer()
        writer.queue(
            (scalar.encode_event, time.time() if walltime is None else float(walltime), global_step, prefix, value)
        )

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers that TensorBoard overlays in one chart ``main_tag``.

        As in tensorboardX, each key becomes its own run ``<logdir>/<main_tag>/<key>``. Unlike it, the
        sub-runs honour ``purge_step`` and ``use_metadata``, and the values kept for
        :meth:`export_scalars_to_json` live in a temporary file, not in memory.
        """
        check_tag(main_tag, "add_scalars")
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(
                f"add_scalars: tag_scalar_dict for tag {main_tag!r} must be a mapping of str to number, "
                f"got {type(tag_scalar_dict).__name__}"
            )
        step, wall = self._step_and_time(global_step, walltime)
        record_step = global_step if global_step is None else step
        prefix = scalar.event_prefix(clean_tag(main_tag))
        base = self._get_file_writer().get_logdir()
        assert self.all_writers is not None
        for key, raw in tag_scalar_dict.items():
            check_tag(key, "add_scalars")
            value = to_float(raw, argument=f"tag_scalar_dict[{key!r}]", method="add_scalars", tag=main_tag)
            sub_dir = os.path.join(base, main_tag, key)
            writer = self.all_writers.get(sub_dir)
            if writer is None:
                writer = self.all_writers[sub_dir] = self._new_file_writer(sub_dir)
            writer.queue((scalar.encode_event, wall, step, prefix, value))
            self._history.append(sub_dir, wall, record_step, value)

    def export_scalars_to_json(self, path: str | os.PathLike[str]) -> None:
        """Write what ``add_scalars`` logged since the last export as ``{writer_dir: [[walltime, step, value]]}``."""
        self._history.export(path)

    # -- histograms ----------------------------------------------------------------------------------

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: str | int | Sequence[float] = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values`` (any shape; flattened).

        Args:
            bins: ``"tensorflow"`` (TensorBoard's exponential edges) or anything ``numpy.histogram``
                accepts: a count, a sequence of edges, or ``"auto"``, ``"fd"``, ``"doane"``, ...
            max_bins: merge adjacent bins until at most about this many remain.

        Raises:
            ValueError: ``values`` is empty, ``bins`` are edges that do not increase, or numpy cannot choose
                edges (e.g. ``"auto"`` with NaN values).

        NaN and values beyond the edges are counted in ``num``, ``min`` and ``max`` but in no bucket.
        """
        import numpy as np

        from lightboard.summaries import histogram
        from lightboard.tensor import to_numpy

        check_tag(tag, "add_histogram")
        array = to_numpy(values, argument="values", method="add_histogram", tag=tag)
        if array.size == 0:
            raise ValueError(f"add_histogram: values for tag {tag!r} is empty (shape {array.shape})")
        if max_bins is not None and (isinstance(max_bins, bool) or not isinstance(max_bins, int) or max_bins < 1):
            raise ValueError(f"add_histogram: max_bins for tag {tag!r} must be a positive int, got {max_bins!r}")
        if array.dtype not in (np.float32, np.float64):
            array = array.astype(np.float64)
        try:
            binned = histogram.Histogram.of(array.reshape(-1), bins, max_bins)
        except (ValueError, TypeError) as error:
            raise ValueError(f"add_histogram: cannot bin values for tag {tag!r} with bins={bins!r}: {error}") from error
        step, wall = self._step_and_time(global_step, walltime)
        self._get_file_writer().queue(histogram.event(clean_tag(tag), binned, wall, step))

    def add_histogram_raw(
        self,
        tag: str,
        min: float,  # noqa: A002 - tensorboardX's argument names
        max: float,  # noqa: A002
        num: int,
        sum: float,  # noqa: A002
        sum_squares: float,
        bucket_limits: Sequence[float],
        bucket_counts: Sequence[float],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a histogram computed elsewhere; ``bucket_limits[i]`` is the right edge of ``bucket_counts[i]``.

        Raises:
            ValueError: the two sequences differ in length.
        """
        from lightboard.summaries import histogram
        from lightboard.tensor import to_numpy

        check_tag(tag, "add_histogram_raw")
        limits = to_numpy(bucket_limits, argument="bucket_limits", method="add_histogram_raw", tag=tag).reshape(-1)
        counts = to_numpy(bucket_counts, argument="bucket_counts", method="add_histogram_raw", tag=tag).reshape(-1)
        if len(limits) != len(counts):
            raise ValueError(
                f"add_histogram_raw: bucket_limits and bucket_counts for tag {tag!r} must have the same length, "
                f"got {len(limits)} and {len(counts)}"
            )
        numbers = {
            name: to_float(value, argument=name, method="add_histogram_raw", tag=tag)
            for name, value in (("min", min), ("max", max), ("num", num), ("sum", sum), ("sum_squares", sum_squares))
        }
        proto = histogram.HistogramProto(bucket_limit=limits.tolist(), bucket=counts.tolist(), **numbers)
        self._add_summary(histogram.summary(tag, proto), global_step, walltime)

    # -- text ----------------------------------------------------------------------------------------

    def add_text(
        self, tag: str, text_string: str, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Log Markdown text, shown by TensorBoard's text dashboard under ``<tag>/text_summary``."""
        from lightboard.summaries import text

        check_tag(tag, "add_text")
        if not isinstance(text_string, str):
            raise TypeError(f"add_text: text_string for tag {tag!r} must be a str, got {type(text_string).__name__}")
        self._add_summary(text.summary(tag, text_string), global_step, walltime)

    # -- lifecycle -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def use_metadata(self, *, global_step: int | None = None, walltime: float | None = None) -> Iterator[None]:
        """Default ``global_step`` and ``walltime`` for every ``add_*`` inside the ``with`` block.

        Applies to all of this writer's runs (``add_scalars`` included). A missing ``walltime`` still
        means "now", and the defaults are restored even if the block raises.
        """
        if global_step is None and walltime is None:
            raise ValueError("use_metadata needs global_step, walltime or both")
        if self._default_step is not None or self._default_walltime is not None:
            raise RuntimeError("use_metadata blocks cannot be nested")
        self._default_step = None if global_step is None else as_step(global_step)
        self._default_walltime = None if walltime is None else float(walltime)
        try:
            yield
        finally:
            self._default_step = self._default_walltime = None

    def flush(self) -> None:
        """Return once everything logged before this call is written to the operating system."""
        for writer in list((self.all_writers or {}).values()):
            writer.flush()

    def close(self) -> None:
        """Write, fsync and close every event file of this writer. A later ``add_*`` starts new files."""
        writers, self.all_writers, self.file_writer = self.all_writers, None, None
        errors = []
        for writer in (writers or {}).values():
            try:
                writer.close()
            except Exception as error:  # noqa: BLE001 - close them all, then report
                errors.append(error)
        if errors:
            raise errors[0]

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
