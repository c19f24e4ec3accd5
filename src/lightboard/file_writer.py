"""tensorboardX's ``FileWriter``: protobuf ``Event`` and ``Summary`` objects into one event file."""

from __future__ import annotations

import contextlib
import logging
import os
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from lightboard.events.file import EventFile, QueuedEvent
from lightboard.events.remote import RemoteEventFile
from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import Summary
from lightboard.urls import is_url, local_path

logger = logging.getLogger(__name__)

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _close_quietly(file: EventFile) -> None:
    """Close an event file whose writer was garbage-collected; never blocks, errors are logged."""
    try:
        file.close_soon()
    except Exception as error:  # noqa: BLE001 - runs from the garbage collector
        logger.error("lightboard: could not close %s: %s", file.path, error)


def as_step(step: Any) -> int:
    """``int(step)``, checked to fit the int64 of ``Event.step``.

    Raises:
        ValueError: the step is out of the int64 range.
    """
    if type(step) is not int:
        step = int(step)
    if not _INT64_MIN <= step <= _INT64_MAX:
        raise ValueError(f"global_step must fit in int64, got {step}")
    return step


class EventDefaults:
    """Default step and wall time of events, set by ``use_metadata``; shared by a writer's event files."""

    def __init__(self) -> None:
        self.step: int | None = None
        self.walltime: float | None = None

    def step_and_time(self, global_step: Any, walltime: Any) -> tuple[int, float]:
        """The step (default: the ``use_metadata`` step, else 0) and wall time (default: that time, else now)."""
        if global_step is None:
            global_step = self.step
        if walltime is None:
            walltime = self.walltime
        return 0 if global_step is None else as_step(global_step), time.time() if walltime is None else float(walltime)

    @contextlib.contextmanager
    def use(self, owner: Any, global_step: Any, walltime: Any) -> Iterator[Any]:
        """Set the defaults for a ``with`` block (yielding ``owner``) and restore them even if it raises."""
        if global_step is None and walltime is None:
            raise ValueError("use_metadata needs global_step, walltime or both")
        if self.step is not None or self.walltime is not None:
            raise RuntimeError("use_metadata blocks cannot be nested")
        self.step = None if global_step is None else as_step(global_step)
        self.walltime = None if walltime is None else float(walltime)
        try:
            yield owner
        finally:
            self.step = self.walltime = None


class FileWriter:
    """Writes ``Event`` protocol buffers to a new event file in ``logdir``, from a background thread.

    The file is created at once and starts with the ``file_version`` record, so the run shows in
    TensorBoard immediately. Events reach the operating system within ``flush_secs`` seconds, as soon
    as ``max_queue`` are waiting, on :meth:`flush` and on :meth:`close`.

    Args:
        logdir: directory of the event file; created if missing.
        max_queue: queued events that trigger an immediate write.
        flush_secs: longest time, in seconds, an event waits before it is written.
        filename_suffix: appended to the event file name.
        purge_step: start the file with the records that make TensorBoard drop steps ``>= purge_step``
            written earlier to this run (resuming a crashed run).
        defaults: the ``use_metadata`` defaults to follow (a :class:`SummaryWriter` shares its own).
        storage_options: for a ``logdir`` URL (``s3://``, ``gs://``, any fsspec URL), passed to fsspec
            (credentials, endpoint, ...).
    """

    def __init__(
        self,
        logdir: str | os.PathLike[str],
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        purge_step: int | None = None,
        *,
        defaults: EventDefaults | None = None,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self._logdir = local_path(os.fspath(logdir))
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._filename_suffix = filename_suffix
        self._defaults = defaults or EventDefaults()
        self._storage_options = storage_options
        self._finalizer: weakref.finalize | None = None
        self._file = self._open(purge_step)

    queue: Callable[[QueuedEvent], None]
    """Queue a serialized Event or a deferred event (:data:`lightboard.events.file.QueuedEvent`) as it is."""
    queue_heavy: Callable[[QueuedEvent, int], None]
    """``queue`` for a deferred event holding that many bytes still to encode (see ``EventFile.add_heavy``)."""

    def _open(self, purge_step: int | None) -> EventFile:
        file: EventFile
        if is_url(self._logdir):
            file = RemoteEventFile(
                self._logdir,
                self._filename_suffix,
                self._max_queue,
                self._flush_secs,
                purge_step,
                storage_options=self._storage_options,
            )
        else:
            file = EventFile(self._logdir, self._filename_suffix, self._max_queue, self._flush_secs, purge_step)
        if self._finalizer is not None:
            self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _close_quietly, file)
        self._finalizer.atexit = False  # the writer thread's own exit hook finishes open files
        self.queue = file.add  # the hot path calls the file directly
        self.queue_heavy = file.add_heavy
        return file

    @property
    def path(self) -> str | None:
        """Path of the event file being written."""
        return self._file.path

    def get_logdir(self) -> str:
        """The directory this writer writes into."""
        return self._logdir

    def add_event(self, event: Event, step: int | None = None, walltime: float | None = None) -> None:
        """Write ``event``, setting its ``wall_time`` (default: now) and ``step`` (if given)."""
        if step is None:
            step = self._defaults.step
        if step is not None:
            event.step = as_step(step)
        event.wall_time = self._defaults.step_and_time(None, walltime)[1]
        self.queue(event.SerializeToString())

    def add_summary(self, summary: Summary, global_step: int | None = None, walltime: float | None = None) -> None:
        """Write ``summary`` as an event at ``global_step`` (default 0) and ``walltime`` (default now)."""
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile: Any, walltime: float | None = None) -> None:
        """Write a graph: a ``(GraphDef, RunMetadata)`` tuple (as torch's ``_pytorch_graph.graph`` returns) or a
        ``GraphDef``; the run metadata goes under the tag ``"step1"``, as torch.utils.tensorboard writes it."""
        from lightboard.summaries import graph

        graph_def, metadata = graph_profile if isinstance(graph_profile, tuple) else (graph_profile, None)
        step, wall = self._defaults.step_and_time(None, walltime)
        self.queue(graph.graph_event(graph_def.SerializeToString(), wall, step))
        if metadata is not None:
            self.queue(graph.run_metadata_event(graph.RUN_METADATA_TAG, metadata.SerializeToString(), wall, step))

    def add_onnx_graph(self, graph: Any, walltime: float | None = None) -> None:
        """Write a ``GraphDef`` (e.g. of an ONNX model) as an ``Event.graph_def``."""
        from lightboard.summaries import graph as graphs

        step, wall = self._defaults.step_and_time(None, walltime)
        self.queue(graphs.graph_event(graph.SerializeToString(), wall, step))

    def flush(self) -> None:
        """Return once every event added before this call is written to the operating system."""
        self._file.flush()

    def close(self) -> None:
        """Write everything queued, fsync and close the file; later events need :meth:`reopen`."""
        self._file.close()

    def reopen(self) -> None:
        """After :meth:`close`, continue in a new event file in the same directory (no-op if open)."""
        if self._file.closed:
            self._file = self._open(None)

    @property
    def closed(self) -> bool:
        """Whether the current event file is closed (see :meth:`reopen`)."""
        return self._file.closed

    def use_metadata(self, *, global_step: int | None = None, walltime: float | None = None) -> Any:
        """Context manager: default ``step`` and ``walltime`` for the events added inside the ``with`` block."""
        return self._defaults.use(self, global_step, walltime)

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class DummyFileWriter:
    """Stands in for :class:`FileWriter` when ``write_to_disk=False``: every method does nothing."""

    def __init__(self, logdir: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        self._logdir = os.fspath(logdir)

    path = None

    def get_logdir(self) -> str:
        """The directory that would have been written."""
        return self._logdir

    def _ignore(self, *args: Any, **kwargs: Any) -> None:
        """Accept and drop anything."""

    queue = queue_heavy = add_event = add_summary = add_graph = add_onnx_graph = add_openvino_graph = _ignore
    flush = close = reopen = _ignore

    @contextlib.contextmanager
    def use_metadata(self, *, global_step: int | None = None, walltime: float | None = None) -> Iterator[Any]:
        """Accepts the block and does nothing."""
        yield self

    closed = False

    def __enter__(self) -> DummyFileWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass
