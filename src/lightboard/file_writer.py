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
from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import Summary

logger = logging.getLogger(__name__)

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _close_quietly(file: EventFile) -> None:
    """Close an event file whose writer was garbage-collected; errors are logged, not raised."""
    try:
        file.close()
    except Exception:
        logger.exception("lightboard: could not close %s", file.path)


def as_step(step: Any) -> int:
    """``int(step)``, checked to fit the int64 of ``Event.step``."""
    step = int(step)
    if not _INT64_MIN <= step <= _INT64_MAX:
        raise ValueError(f"global_step must fit in int64, got {step}")
    return step


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
    """

    def __init__(
        self,
        logdir: str | os.PathLike[str],
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        purge_step: int | None = None,
    ) -> None:
        self._logdir = os.fspath(logdir)
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._filename_suffix = filename_suffix
        self._default_step: int | None = None
        self._default_walltime: float | None = None
        self._file = self._open(purge_step)

    queue: Callable[[QueuedEvent], None]
    """Queue a serialized Event or a deferred event (:data:`lightboard.events.file.QueuedEvent`) as it is."""

    def _open(self, purge_step: int | None) -> EventFile:
        file = EventFile(self._logdir, self._filename_suffix, self._max_queue, self._flush_secs, purge_step)
        finalizer = weakref.finalize(self, _close_quietly, file)
        finalizer.atexit = False  # the writer thread's own exit hook closes open files
        self.queue = file.add  # the hot path calls the file directly
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
        if walltime is None:
            walltime = self._default_walltime
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is None:
            step = self._default_step
        if step is not None:
            event.step = as_step(step)
        self._file.add(event.SerializeToString())

    def add_summary(self, summary: Summary, global_step: int | None = None, walltime: float | None = None) -> None:
        """Write ``summary`` as an event at ``global_step`` (default 0) and ``walltime`` (default now)."""
        self.add_event(Event(summary=summary), global_step, walltime)

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

    @contextlib.contextmanager
    def use_metadata(self, *, global_step: int | None = None, walltime: float | None = None) -> Iterator[None]:
        """Default ``step`` and ``walltime`` for the events added inside the ``with`` block."""
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

    queue = add_event = add_summary = flush = close = reopen = _ignore

    @contextlib.contextmanager
    def use_metadata(self, *, global_step: int | None = None, walltime: float | None = None) -> Iterator[None]:
        """Accepts the block and does nothing."""
        yield

    def __enter__(self) -> DummyFileWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass
