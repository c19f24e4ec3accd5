"""``SummaryWriter``: tensorboardX's writer API, dispatching to the summary kinds and the event pipeline."""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime
from time import time as now
from typing import Any

from lightboard.distributed import Rank, process_rank
from lightboard.events.file import EventFileClosedError
from lightboard.file_writer import DummyFileWriter, EventDefaults, FileWriter, as_step
from lightboard.methods.audio import AudioMethods
from lightboard.methods.custom_scalars import CustomScalarsMethods
from lightboard.methods.embedding import EmbeddingMethods
from lightboard.methods.graph import GraphMethods
from lightboard.methods.hparams import HparamsMethods
from lightboard.methods.images import ImageMethods
from lightboard.methods.mesh import MeshMethods
from lightboard.methods.pr_curves import PrCurveMethods
from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import Summary
from lightboard.scalar_history import ScalarHistory
from lightboard.summaries import scalar
from lightboard.summaries.scalar import encode_event as encode_scalar_event
from lightboard.summaries.tags import check_tag, clean_tag
from lightboard.urls import local_path

logger = logging.getLogger(__name__)


def default_logdir(comment: str = "") -> str:
    """``runs/<Mon>DD_HH-MM-SS_<hostname><comment>``, the directory tensorboardX picks by default."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", stamp + "_" + socket.gethostname() + comment)


_tensor_module: Any = None
_PREFIX_CACHE_SIZE = 65536


RANK_POLICIES = ("zero", "all", None)
"""``SummaryWriter(ranks=...)``: only rank 0 writes, every rank writes its own stream, or ranks are ignored."""


def rank_directory(rank: int) -> str:
    """The directory of one rank's stream inside a run (``ranks="all"``): ``rank-00003``."""
    return f"rank-{rank:05d}"


@functools.cache
def _warn_silent_rank(rank: Rank) -> None:
    warnings.warn(
        f"SummaryWriter on rank {rank.rank} of {rank.world_size} writes nothing (ranks='zero', the default: only "
        "rank 0 writes); pass ranks='all' for every rank to write its own stream of the run",
        stacklevel=3,
    )


def _to_float(value: Any, *, argument: str, method: str, tag: str) -> float:
    """:func:`lightboard.tensor.to_float`, imported on first use so that numpy loads only when needed."""
    global _tensor_module
    if _tensor_module is None:
        from lightboard import tensor as _tensor_module
    return _tensor_module.to_float(value, argument=argument, method=method, tag=tag)


class SummaryWriter(
    ImageMethods,
    AudioMethods,
    PrCurveMethods,
    HparamsMethods,
    MeshMethods,
    CustomScalarsMethods,
    EmbeddingMethods,
    GraphMethods,
):
    """Writes TensorBoard event files; a drop-in replacement for ``tensorboardX.SummaryWriter``.

    Logging costs about a microsecond per scalar: event files are framed and written by a background
    thread. :meth:`flush` returns once everything logged before it is in the operating system's hands,
    so a crash of the process after it loses nothing; :meth:`close` (or leaving a ``with`` block) also
    fsyncs, which protects against a crash of the machine. Writers still open when the interpreter exits
    are written out and synced for you. A writer may be used from several threads.

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
        ranks: which processes of a distributed job write (the rank comes from ``torch.distributed`` when
            initialised, else ``RANK`` / ``LOCAL_RANK`` / ... variables; see :mod:`lightboard.distributed`):
            ``"zero"`` (default) only rank 0, the others write nothing (with a warning); ``"all"``: every rank
            writes its own stream of the run, in ``<logdir>/rank-<rank, 5 digits>`` (TensorBoard shows each as
            a run; :meth:`lightboard.reader.Logdir.ranks` and ``aggregate`` put them back together);
            ``None``: ranks are ignored, this process writes into ``logdir`` whatever its rank (tensorboardX's
            behaviour, e.g. for per-rank logdirs chosen by the program).
        storage_options: for a ``logdir`` URL (``s3://bucket/exp/run1``, ``gs://...``, any fsspec URL: needs
            ``lightboard[cloud]``, plus ``[s3]`` or ``[gcs]``), passed to fsspec: credentials, endpoint, ...
            Event data goes out in segments, each flush uploading only what is new; uploads run in the
            background, so logging never waits for the store (``flush``/``close`` do, and raise
            ``EventWriteError`` when it keeps failing).
        comet_config: accepted for tensorboardX compatibility; Comet logging is not supported.
        alerts: ``True`` (default): the first NaN or ±inf value of each scalar tag is an alert; a list of rules
            from :mod:`lightboard.alerts` (``Diverged``, ``Plateau``, ``Threshold``, ``Stalled``, ``NonFinite``)
            adds them to that check; ``False``: no checks, no alert events (tensorboardX's behaviour). An alert
            is recorded in the run as a text summary under the tag ``lightboard/alerts`` (TensorBoard's text
            dashboard shows it; :meth:`lightboard.reader.Run.alerts` reads it back), then ``on_alert`` runs.
        on_alert: what an alert does, or a list of these: ``"warn"`` (default: a
            :class:`lightboard.TrainingAlertWarning`), ``"raise"`` (the ``add_*`` call that found it, or for a
            stall the next one, raises :class:`lightboard.TrainingAlert` after logging), a callable taking the
            :class:`lightboard.alerts.Alert`, or a shell command run in the background with ``LIGHTBOARD_RUN``,
            ``_TAG``, ``_STEP``, ``_VALUE``, ``_RULE`` and ``_MESSAGE`` in its environment. A rule's own
            ``on_alert=`` overrides it. With ``write_to_disk=False`` rules and actions are checked, nothing runs.

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
        *,
        ranks: str | None = "zero",
        storage_options: dict[str, Any] | None = None,
        alerts: bool | Sequence[Any] = True,
        on_alert: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(f"SummaryWriter() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        if comet_config is not None and not comet_config.get("disabled", True):
            warnings.warn("lightboard does not log to Comet; comet_config is ignored", stacklevel=2)
        if logdir is None:
            logdir = log_dir
        self.logdir: str = local_path(os.fspath(logdir)) if logdir else default_logdir(comment)
        if ranks not in RANK_POLICIES:
            raise ValueError(f"ranks must be one of {RANK_POLICIES}, got {ranks!r}")
        self.rank = process_rank()
        """This process's rank and world size (a :class:`lightboard.distributed.Rank`)."""
        if ranks == "all":
            self.logdir = os.path.join(self.logdir, rank_directory(self.rank.rank))
        elif ranks == "zero" and self.rank.rank != 0 and write_to_disk:
            write_to_disk = False
            _warn_silent_rank(self.rank)
        self.purge_step = None if purge_step is None else as_step(purge_step)
        self.kwargs: dict[str, Any] = {}
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._filename_suffix = filename_suffix
        self._write_to_disk = write_to_disk
        self._storage_options = storage_options
        self._defaults = EventDefaults()
        self._purged: set[str] = set()  # directories whose first file carried purge_step
        self._lock = threading.Lock()
        self._scalar_prefixes: dict[Any, bytes] = {}
        self._history = ScalarHistory()
        self.file_writer: FileWriter | DummyFileWriter | None = None
        self.all_writers: dict[str, FileWriter | DummyFileWriter] | None = None
        self._monitor: Any = None
        self._alert_steps: dict[str, int] = {}
        self._check_every = self._touch = False
        if alerts is not False and alerts is not None:
            self._start_alerts(alerts, on_alert)
        self._get_file_writer()

    def _start_alerts(self, alerts: bool | Sequence[Any], on_alert: Any) -> None:
        """Check the rules and actions (raising ``RuleError`` naming a bad one) and, if writing, watch."""
        from lightboard.alerts.monitor import Monitor, check_rules

        monitor = Monitor([] if alerts is True else check_rules(alerts), on_alert, self._record_alert, self.logdir)
        if self._write_to_disk:
            self._monitor = monitor
            self._check_every = monitor.every_value or monitor.every_call
            self._touch = monitor.every_call

    def _record_alert(self, run: str, alert: Any, flush: bool) -> None:
        """Queue ``alert`` into the event file of the run directory ``run``; with ``flush``, write it out now.

        The event's step is the alert's, raised past the run's previous alert if needed: TensorBoard drops the
        earlier points of a tag at or after a point's step, and would hide all but the last of two alerts.
        """
        from lightboard.alerts.record import event

        with self._lock:
            step = self._alert_steps[run] = max(alert.step, self._alert_steps.get(run, alert.step - 1) + 1)
        writer = self._get_file_writer() if run == self.logdir else self._sub_writer(run)
        self._queue(writer, event(alert, step), touch=False)
        if flush:
            writer.flush()

    def _check_scalar(self, run: str, tag: str, step: int, value: float) -> None:
        """The alerts' slow path of a scalar: a non-finite value, or rules that see every value."""
        monitor = self._monitor
        if monitor is None:
            return
        if self._touch:
            monitor.last_step = step
            monitor.touch()
        if value - value or monitor.every_value:
            monitor.scalar(run, tag, step, value, stacklevel=4)

    # -- writers -------------------------------------------------------------------------------------

    def _new_file_writer(self, logdir: str) -> FileWriter | DummyFileWriter:
        if not self._write_to_disk:
            return DummyFileWriter(logdir)
        purge_step = None if logdir in self._purged else self.purge_step
        self._purged.add(logdir)  # a resume purges once: later files of this writer are not resumes
        return FileWriter(
            logdir,
            self._max_queue,
            self._flush_secs,
            self._filename_suffix,
            purge_step,
            defaults=self._defaults,
            storage_options=self._storage_options,
        )

    def _get_file_writer(self) -> FileWriter | DummyFileWriter:
        """The writer of the run directory itself, (re)created if needed (e.g. after :meth:`close`)."""
        writer = self.file_writer
        if writer is None or self.all_writers is None:
            with self._lock:
                if self.file_writer is None or self.all_writers is None:
                    self.file_writer = self._new_file_writer(self.logdir)
                    self.all_writers = {self.logdir: self.file_writer}
                writer = self.file_writer
        elif writer.closed:  # closed behind our back (writer.file_writer.close()): carry on in a new file
            writer.reopen()
        return writer

    def _sub_writer(self, logdir: str) -> FileWriter | DummyFileWriter:
        """The writer of an ``add_scalars`` sub-run, created on first use."""
        writers = self.all_writers
        if writers is None:
            self._get_file_writer()
            writers = self.all_writers
        assert writers is not None
        writer = writers.get(logdir)
        if writer is None:
            with self._lock:
                writer = writers.get(logdir)
                if writer is None:
                    writer = writers[logdir] = self._new_file_writer(logdir)
        elif writer.closed:
            writer.reopen()
        return writer

    def _release_sub_writer(self, logdir: str) -> None:
        """Write, fsync and close a sub-run's writer and forget it (a later ``_sub_writer`` opens a new file)."""
        writers = self.all_writers
        if writers is None or logdir == self.logdir:
            return
        with self._lock:
            writer = writers.pop(logdir, None)
        if writer is not None:
            writer.close()

    def get_logdir(self) -> str:
        """The run directory."""
        return self.logdir

    @functools.cached_property
    def default_bins(self) -> list[float]:
        """TensorBoard's default histogram edges (``bins='tensorflow'``), as tensorboardX's attribute."""
        from lightboard.summaries.histogram import tensorflow_bins

        return tensorflow_bins().tolist()

    @property
    def scalar_dict(self) -> dict[str, list[list[float | int | None]]]:
        """What ``add_scalars`` logged since the last export: ``{writer_dir: [[walltime, step, value]]}``.

        Assigning a dict replaces the record (``writer.scalar_dict = {}`` clears it, as in tensorboardX).
        """
        return self._history.as_dict()

    @scalar_dict.setter
    def scalar_dict(self, value: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        self._history.clear()
        for key, rows in value.items():
            for walltime, step, number in rows:
                self._history.append(key, float(walltime), None if step is None else as_step(step), float(number))

    def _queue(self, writer: FileWriter | DummyFileWriter, event: Any, size: int = 0, touch: bool = True) -> None:
        """Queue ``event``; ``size``: bytes it holds still to encode (pixels, audio), which bound the queue.

        Counts as an ``add_*`` call for the stall watchdog (unless not ``touch``), which may then raise a pending
        :class:`lightboard.TrainingAlert` (``event`` is queued: nothing logged is lost).
        """
        try:
            writer.queue_heavy(event, size) if size else writer.queue(event)
        except EventFileClosedError:  # closed behind our back: carry on in a new file
            writer.reopen()
            writer.queue_heavy(event, size) if size else writer.queue(event)
        if touch and self._touch:
            self._monitor.touch()

    def _add_summary(self, summary: Summary, global_step: Any, walltime: Any) -> None:
        step, wall = self._defaults.step_and_time(global_step, walltime)
        event = Event(summary=summary, wall_time=wall, step=step)
        self._queue(self._get_file_writer(), event.SerializeToString())

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
                NaN and ±inf are recorded as they are; unless ``alerts=False``, the first of a tag is an alert.
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
            prefix = scalar.event_prefix(clean_tag(tag))
            if len(self._scalar_prefixes) < _PREFIX_CACHE_SIZE:
                self._scalar_prefixes[tag] = prefix
        kind = type(scalar_value)
        if kind is float or kind is int:
            value = float(scalar_value)
        else:
            value = _to_float(scalar_value, argument="scalar_value", method="add_scalar", tag=tag)
        if display_name or summary_description or new_style or double_precision:
            if double_precision:
                warnings.warn(
                    "add_scalar(double_precision=True): TensorBoard's fast loader drops float64 scalars, "
                    "so lightboard stores float32",
                    stacklevel=2,
                )
            summary = scalar.summary(clean_tag(tag), value, display_name, summary_description, new_style)
            step, wall = self._defaults.step_and_time(global_step, walltime)
            self._add_summary(summary, step, wall)
            if value - value or self._check_every:
                self._check_scalar(self.logdir, tag, step, value)
            return
        defaults = self._defaults
        if global_step is None:
            global_step = defaults.step or 0
        elif type(global_step) is not int or not -0x8000000000000000 <= global_step <= 0x7FFFFFFFFFFFFFFF:
            global_step = as_step(global_step)
        if walltime is None:
            walltime = defaults.walltime
        event = (encode_scalar_event, now() if walltime is None else float(walltime), global_step, prefix, value)
        writer = self.file_writer or self._get_file_writer()
        try:
            writer.queue(event)
        except EventFileClosedError:
            self._queue(self._get_file_writer(), event, touch=False)
        if value - value or self._check_every:  # NaN or inf (0.0 for every finite float), or rules to apply
            self._check_scalar(self.logdir, tag, global_step, value)

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
        values = {  # check everything before anything is queued
            check_tag(key, "add_scalars"): _to_float(
                raw, argument=f"tag_scalar_dict[{key!r}]", method="add_scalars", tag=main_tag
            )
            for key, raw in tag_scalar_dict.items()
        }
        step, wall = self._defaults.step_and_time(global_step, walltime)
        exported_step = None if global_step is None and self._defaults.step is None else step
        prefix = scalar.event_prefix(clean_tag(main_tag))
        base = self._get_file_writer().get_logdir()
        checks = []
        for key, value in values.items():
            sub_dir = os.path.join(base, main_tag, key)
            self._queue(self._sub_writer(sub_dir), (encode_scalar_event, wall, step, prefix, value), touch=False)
            self._history.append(sub_dir, wall, exported_step, value)
            if value - value or self._check_every:  # counted as a call there, once every value is queued
                checks.append((sub_dir, value))
        for sub_dir, value in checks:
            self._check_scalar(sub_dir, main_tag, step, value)

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
        step, wall = self._defaults.step_and_time(global_step, walltime)
        self._queue(self._get_file_writer(), histogram.event(clean_tag(tag), binned, wall, step))

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
            name: _to_float(value, argument=name, method="add_histogram_raw", tag=tag)
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

    def use_metadata(self, *, global_step: int | None = None, walltime: float | None = None) -> Any:
        """Context manager: default ``global_step`` and ``walltime`` for every event inside the ``with`` block.

        Applies to all of this writer's runs (``add_scalars`` included) and to direct ``file_writer`` calls.
        A missing ``walltime`` still means "now", and the defaults are restored even if the block raises.
        Yields the writer.
        """
        return self._defaults.use(self, global_step, walltime)

    def flush(self) -> None:
        """Return once everything logged before this call is written to the operating system (for a URL
        logdir: uploaded, as a new segment).

        Every event file is flushed even if one fails; then the first error is raised.
        """
        self._for_each_writer("flush", list((self.all_writers or {}).values()))

    def close(self) -> None:
        """Write, fsync (or upload) and close every event file of this writer. A later ``add_*`` starts new files.

        Every event file is closed even if one fails; then the first error is raised (others are logged).
        """
        if self._monitor is not None:
            self._monitor.stop()
        writers, self.all_writers, self.file_writer = self.all_writers, None, None
        self._for_each_writer("close", list((writers or {}).values()))

    @staticmethod
    def _for_each_writer(method: str, writers: list[FileWriter | DummyFileWriter]) -> None:
        errors = []
        for writer in writers:
            try:
                getattr(writer, method)()
            except Exception as error:  # noqa: BLE001 - all of them, then report
                errors.append(error)
        for error in errors[1:]:
            logger.error("lightboard: %s failed too: %s", method, error)
        if errors:
            raise errors[0]

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
