"""One event file being written: a queue of events that the writer thread (or ``flush``) frames and writes.

Callers queue either serialized ``Event`` payloads (``bytes``) or *deferred* events: tuples whose first
item is a function that turns the tuple into the payload on the writer thread (how scalars stay cheap).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Union

from lightboard.events import worker
from lightboard.events.naming import event_file_name
from lightboard.events.record import frame, frame_batch
from lightboard.events.wire import encode_scalar_event
from lightboard.proto.event_pb2 import Event, SessionLog, SourceMetadata

QueuedEvent = Union[bytes, tuple[Callable[[Any], bytes], Any]]  # noqa: UP007 - a runtime alias on Python 3.10
"""A serialized Event, or a tuple ``(encode, ...)`` that ``encode(tuple)`` turns into one."""

FILE_VERSION = "brain.Event:2"
WRITER_NAME = "lightboard"
BACKPRESSURE_EVENTS = 8192
"""Queued events beyond which ``add`` writes the queue itself instead of waiting for the thread."""
BACKPRESSURE_BYTES = 64 << 20
"""Queued bytes of data still to encode (pixels, audio) beyond which :meth:`EventFile.add_heavy` writes the
queue itself: memory stays bounded when the writer thread cannot encode as fast as images are logged."""


logger = logging.getLogger(__name__)
_OPEN_FLAGS = (
    os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


def _sync_directory(path: str) -> None:
    """fsync a directory so that a file just created in it survives a crash of the machine (best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def first_records(purge_step: int | None) -> bytes:
    """The records an event file starts with: the ``file_version`` event, then, for ``purge_step``, two
    ``SessionLog.START`` events at that step (both TensorBoard loaders then drop earlier steps ``>=`` it)."""
    now = time.time()
    first = [Event(wall_time=now, file_version=FILE_VERSION, source_metadata=SourceMetadata(writer=WRITER_NAME))]
    if purge_step is not None:
        start = SessionLog(status=SessionLog.START)
        first += [Event(wall_time=now, step=purge_step, session_log=start)] * 2
    return b"".join(frame(event.SerializeToString()) for event in first)


class EventWriteError(OSError):
    """Writing an event file failed.

    ``lost`` is False when every event concerned is kept and retried on the next write (a full disk),
    True when events are gone (the file was deleted while open).
    """

    lost = False


class EventFileClosedError(ValueError):
    """An event was added to a closed event file."""


class EventFile:
    """An event file in ``logdir`` and the queue of events waiting to be written into it.

    Args:
        logdir: directory of the file (created if missing).
        filename_suffix: appended to the file name.
        max_queue: queued events that make the writer thread write at once.
        flush_secs: longest time an event waits in the queue.
        purge_step: if set, the file starts with two ``SessionLog.START`` events at this step, which makes
            both TensorBoard loaders discard what an earlier run wrote at steps ``>= purge_step``.
    """

    def __init__(
        self,
        logdir: str,
        filename_suffix: str = "",
        max_queue: int = 10,
        flush_secs: float = 120,
        purge_step: int | None = None,
    ) -> None:
        self.logdir = logdir
        self.flush_secs = float(flush_secs)
        self.scheduled = False
        self.urgent = False
        self.path: str | None = None
        self._suffix = filename_suffix
        self._wake_at = max(1, min(int(max_queue), BACKPRESSURE_EVENTS))
        self._queue: deque[QueuedEvent] = deque()
        self._queued_bytes = 0  # of add_heavy's events still queued (approximately: not under a lock)
        self._io_lock = threading.Lock()
        self._fd = -1
        self._size = 0
        self._retry = b""
        self._errors: deque[BaseException] = deque()  # set by the writer thread, raised to callers
        self._closed = False
        self._write_through = False
        self._open(purge_step)
        worker.track(self)

    # -- callers' side ------------------------------------------------------------------------------

    def add(self, event: QueuedEvent) -> None:
        """Queue one event (see :data:`QueuedEvent`); raises the error of an earlier failed write.

        The event is queued even then: it is written with the others once writing works again.

        Raises:
            EventFileClosedError: the file was closed.
            EventWriteError: an earlier write failed (its events are still queued for a retry).
        """
        if self._closed:
            raise EventFileClosedError(f"event file {self.path} is closed")
        queue = self._queue
        queue.append(event)
        if self._write_through:
            self.flush()
        elif not self.scheduled:
            worker.scheduler().schedule(self, False)
        elif (waiting := len(queue)) >= self._wake_at:
            if waiting > BACKPRESSURE_EVENTS:
                with self._io_lock:  # the writer thread is starved of the GIL: write here rather than grow
                    self._write_all()
            elif not self.urgent:
                self.urgent = True
                worker.scheduler().schedule(self, True)
        if self._errors:
            raise self._errors.popleft()

    def add_heavy(self, event: QueuedEvent, size: int) -> None:
        """:meth:`add` for an event holding ``size`` bytes still to encode (an image's pixels, audio frames).

        Beyond :data:`BACKPRESSURE_BYTES` of them queued, the caller writes the queue itself (encoding them),
        rather than letting the queue grow while the writer thread falls behind.
        """
        self._queued_bytes += size
        self.add(event)
        if self._queued_bytes > BACKPRESSURE_BYTES:
            with self._io_lock:
                self._write_all()

    def flush(self) -> None:
        """Return once every event queued before this call is written to the operating system.

        Raises:
            EventFileClosedError: the file was closed.
            EventWriteError: the write failed; the events stay queued for the next attempt.
        """
        if self._closed:
            raise EventFileClosedError(f"event file {self.path} is closed")
        with self._io_lock:
            self._write_all()
            self._persist()

    def close(self) -> None:
        """Write what is queued, fsync and close the file. Closing twice is harmless.

        Raises:
            EventWriteError: the last write failed; those events are lost.
        """
        if self._closed:
            return
        worker.scheduler().forget(self)
        with self._io_lock:
            self._close_locked()

    def close_soon(self) -> None:
        """Close from a finalizer: never blocks; if the file is busy the writer thread closes it."""
        if self._io_lock.acquire(blocking=False):
            try:
                self._close_locked()
            finally:
                self._io_lock.release()
        else:
            worker.orphan(self)

    def finish_at_exit(self) -> None:
        """At interpreter exit: write and fsync what is queued, then write every later event at once."""
        with self._io_lock:
            if self._closed:
                return
            self._write_through = True
            self._write_all()
            self._sync()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    # -- writer thread's side -----------------------------------------------------------------------

    def write_queued(self) -> None:
        """Write the queue (called by the writer thread); an error is kept for the next caller."""
        with self._io_lock:
            if self._closed:
                return
            try:
                self._write_queue()
            except Exception as error:  # noqa: BLE001 - handed to the caller, never lost
                self._errors.append(error)
                return
        self._idle()

    def forget_parent(self) -> None:
        """In a forked child: drop the parent's descriptor, queue and errors; write to a file of our own."""
        self._io_lock = threading.Lock()
        self._queue = deque()
        self._queued_bytes = 0
        self.scheduled = self.urgent = False
        self._retry = b""
        self._errors = deque()
        self.path = None
        self._release()

    # -- under the I/O lock -------------------------------------------------------------------------

    def _write_all(self) -> None:
        """Write the queue and any retry data, then raise an earlier error that lost events."""
        self._write_queue()
        self._check_still_linked()
        while self._errors:  # what failed before is written now: only lost events are still worth raising
            error = self._errors.popleft()
            if getattr(error, "lost", True):
                raise error
            logger.warning("lightboard: %s: recovered from an earlier write error: %s", self.path, error)

    def _close_locked(self) -> None:
        if self._closed:
            return
        try:
            self._write_all()
            self._sync()
        finally:
            self._closed = True
            self._release()

    # -- where the bytes go: a local file (a subclass may send them elsewhere) -----------------------

    def _persist(self) -> None:
        """Make what was written as durable as ``flush`` promises: for a local file, in the OS already."""

    def _idle(self) -> None:
        """Called by the writer thread after each batch, without the I/O lock: nothing to do for a local file."""

    def _sync(self) -> None:
        """Make everything written durable (close and exit): fsync."""
        if self._fd >= 0:
            os.fsync(self._fd)

    def _release(self) -> None:
        """Let go of the file (closed, or inherited by a forked child)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _write_queue(self) -> None:
        queue = self._queue
        count = len(queue)
        if not count and not self._retry:
            return
        popleft = queue.popleft
        self._queued_bytes = 0
        data, failure = frame_batch([popleft() for _ in range(count)], encode_scalar_event)
        if self._retry:
            data, self._retry = self._retry + data, b""
        self._write(data)
        if failure is not None:
            raise failure

    def _write(self, data: bytes) -> None:
        """Append ``data`` (whole records); on failure keep it for the next attempt and raise EventWriteError."""
        try:
            if self._fd < 0:
                self._open(None)
            view = memoryview(data)
            written = 0
            try:
                while written < len(data):
                    written += os.write(self._fd, view[written:])
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, self._size)  # never leave a partial record behind
                raise
        except OSError as error:
            self._retry = data
            if isinstance(error, EventWriteError):
                raise
            where = self.path if self._fd >= 0 else f"a new event file in {self.logdir}"
            raise EventWriteError(error.errno, f"could not write {where}: {error.strerror}") from error
        self._size += written
        self._check_still_linked(data)

    def _check_still_linked(self, unwritten: bytes = b"") -> None:
        """Raise if the file was deleted (its directory removed?); ``unwritten`` goes to a new file next time."""
        if self._fd >= 0 and os.fstat(self._fd).st_nlink == 0:
            self._retry = unwritten + self._retry
            os.close(self._fd)
            self._fd = -1
            error = EventWriteError(
                f"event file {self.path} was deleted while open (was its directory removed?); "
                "events written to it are lost, later ones go to a new file"
            )
            error.lost = True
            raise error

    def _open(self, purge_step: int | None) -> None:
        """Create a new event file (O_APPEND: writes follow a truncation) and write its first records."""
        os.makedirs(self.logdir, exist_ok=True)
        while True:
            path = os.path.join(self.logdir, event_file_name(self._suffix))
            try:
                fd = os.open(path, _OPEN_FLAGS, 0o644)
                break
            except FileExistsError:
                continue
        header = first_records(purge_step)
        try:
            written = 0
            while written < len(header):  # a short write is followed by the write that reports why
                written += os.write(fd, header[written:])
        except OSError as error:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise EventWriteError(error.errno, f"could not start event file {path}: {error.strerror}") from error
        self._fd, self.path, self._size = fd, path, written
        _sync_directory(self.logdir)
