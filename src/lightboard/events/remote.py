"""An event file in object storage (any fsspec URL: ``s3://``, ``gs://``, ``memory://``, ...), written as segments.

Object stores cannot append, and tensorboardX re-uploads a whole file on every flush (its upload cost grows
with the square of the run's length). Here a file is a series of immutable objects, *segments*, each holding
whole records: ``<name>`` (the header records, uploaded at once so the run shows up), then ``<name>.000001``,
``<name>.000002``, ... — names that sort in write order, so TensorBoard and lightboard's reader take them as
the run's event files in sequence. A segment holds at most :data:`SEGMENT_BYTES` (a larger record is a segment
of its own) and is uploaded when ``flush()`` is called, when the next records would not fit, when its oldest
record has waited ``flush_secs``, and at close: every byte is uploaded once (plus a retry when an upload fails).

Logging never waits for the store: full and aged segments go up on a background upload thread. An upload that
fails is tried again with growing delays (:data:`RETRY_DELAYS`); if it still fails the data stays in memory:
in the background a warning is logged (once, and once more when uploads work again) and the upload is tried
again later; in ``flush()`` and ``close()``, which wait for the store, an
:class:`~lightboard.events.file.EventWriteError` is raised. The next attempt uploads it with what came since.
"""

from __future__ import annotations

import errno
import logging
import struct
import threading
import time
from typing import Any

from lightboard.events import worker
from lightboard.events.file import EventFile, EventWriteError, first_records
from lightboard.events.naming import event_file_name
from lightboard.events.spool import Spool
from lightboard.urls import filesystem

SEGMENT_BYTES = 8 << 20
"""The most bytes a segment holds (so memory stays bounded between flushes, and a reader fetches a segment in
one request)."""
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
"""Seconds before each new attempt at an upload that failed (about 16 s in all)."""

logger = logging.getLogger(__name__)


class RemoteEventFile(EventFile):
    """An event file at ``url`` (a "directory" URL), written as segments; same interface as ``EventFile``.

    Uploads never hold up logging: segments that are full or old enough go up on a background thread of
    their own (one at a time, in order), so neither ``add_*`` nor the writer thread waits for the store; a
    failure there is logged and tried again, and only ``flush()`` and ``close()`` wait for the store (and raise
    when it keeps failing).

    Args:
        url: the run's URL, e.g. ``s3://bucket/exp/run1``.
        storage_options: passed to fsspec (credentials, endpoint, ...); else fsspec's own configuration.
        (the other arguments are :class:`~lightboard.events.file.EventFile`'s)
    """

    def __init__(
        self,
        url: str,
        filename_suffix: str = "",
        max_queue: int = 10,
        flush_secs: float = 120,
        purge_step: int | None = None,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self._url = url.rstrip("/")
        self._fs, self._root = filesystem(self._url, f"writing to {url}", storage_options)
        worker.finish_before_thread_pools_stop()  # at exit, upload while fsspec can still make requests
        self._name: str | None = None
        self._segment = 0
        self._start_uploads()
        self.uploaded = 0
        """Bytes uploaded so far (each segment counted once however many attempts it took)."""
        super().__init__(url, filename_suffix, max_queue, flush_secs, purge_step)

    def _start_uploads(self) -> None:
        """Nothing pending, no upload running (at creation, and in a forked child)."""
        self._pending = Spool()
        self._cuts: list[int] = []  # where the full segments end in _pending (one per segment: few)
        self._pending_since = 0.0
        self._background = False  # whether a background upload thread is running
        self._failing = False  # whether the last background upload failed (its warning was logged)
        self._pending_lock = threading.Lock()  # _pending, _cuts, _pending_since, _background; never held for a request
        self._upload_lock = threading.Lock()  # one upload at a time, so segments go up in order

    @property
    def unsent(self) -> tuple[int, int]:
        """``(bytes not uploaded yet, how many of them wait in a temporary file)``: see :mod:`~.events.spool`."""
        with self._pending_lock:
            return len(self._pending), self._pending.spilled

    def forget_parent(self) -> None:
        """In a forked child: the parent's unsent bytes are the parent's; the child starts a file of its own."""
        super().forget_parent()
        self._start_uploads()
        self._name = None

    # -- EventFile's storage hooks ---------------------------------------------------------------------

    def _open(self, purge_step: int | None) -> None:
        name = event_file_name(self._suffix)
        self._put(name, first_records(purge_step))
        self._name, self._segment, self.path = name, 1, f"{self._url}/{name}"

    def _write(self, data: bytes) -> None:
        if self._name is None:
            self._open(None)
        with self._pending_lock:
            if not self._pending:
                self._pending_since = time.monotonic()
            self._cut(data)
            self._pending.append(data)
            full = bool(self._cuts)
        self._size += len(data)
        if full:
            self._upload_in_background()
        elif not self.scheduled:
            worker.scheduler().schedule(self, False)  # come back within flush_secs to upload it

    def _idle(self) -> None:
        if self._closed:
            return
        with self._pending_lock:
            pending, due = bool(self._pending), self._due()
        if due:
            self._upload_in_background()
        elif pending and not self.scheduled:
            worker.scheduler().schedule(self, False)

    def _persist(self) -> None:
        self._upload()

    def _sync(self) -> None:
        self._upload()

    def _release(self) -> None:
        """Nothing is held open between uploads."""

    def _check_still_linked(self, unwritten: bytes = b"") -> None:
        """Objects cannot be unlinked under a writer: nothing to check."""

    # -- uploads -----------------------------------------------------------------------------------------

    def _due(self) -> bool:
        """Whether a segment should go up now: one is full, or the oldest pending record waited flush_secs."""
        return bool(self._cuts) or (bool(self._pending) and time.monotonic() - self._pending_since >= self.flush_secs)

    def _upload_in_background(self) -> None:
        """Start the upload thread unless it runs already (it uploads what is due, then ends)."""
        with self._pending_lock:
            if self._background:
                return
            self._background = True
        threading.Thread(target=self._upload_due, name="lightboard-upload", daemon=True).start()

    def _upload_due(self) -> None:
        """The upload thread: while something is due, upload it; a failure is logged and left for a later try."""
        try:
            while True:
                with self._pending_lock:
                    if not self._due():
                        return
                    aged = time.monotonic() - self._pending_since >= self.flush_secs
                self._upload(full_only=not aged)
                if self._failing:
                    self._failing = False
                    logger.warning("lightboard: uploads to %s work again; nothing was lost", self._url)
        except EventWriteError as error:
            if not self._failing:
                self._failing = True
                logger.warning("lightboard: %s (logging goes on; tried again later)", error)
        finally:
            with self._pending_lock:
                self._background = False
                pending = bool(self._pending)
            if pending and not self._closed and not self.scheduled:
                worker.scheduler().schedule(self, False)  # the writer thread comes back to try again

    def _upload(self, full_only: bool = False) -> None:
        """Upload the pending bytes as the next segments (kept for another attempt if one fails).

        With ``full_only``, only segments that the records after them would overflow go up; the rest waits.
        """
        with self._upload_lock:
            while True:
                with self._pending_lock:
                    if not self._pending or self._name is None or (full_only and not self._cuts):
                        return
                    end = self._cuts[0] if self._cuts else len(self._pending)
                    data = self._pending.read(0, end)
                self._put(f"{self._name}.{self._segment:06d}", data)
                with self._pending_lock:
                    self._pending.drop(end)
                    self._cuts = [cut - end for cut in self._cuts if cut > end]
                    self._pending_since = time.monotonic()  # the rest came with a later batch: about now
                self._segment += 1

    def _cut(self, data: bytes) -> None:
        """Before ``data`` (whole records) is appended: end the open segment where ``data`` would overflow it,
        between batches when it fits, else between the records of ``data`` (a record larger than a segment is
        one of its own)."""
        base = len(self._pending)
        start = self._cuts[-1] if self._cuts else 0  # where the open segment starts
        if base > start and base - start + len(data) > SEGMENT_BYTES:
            self._cuts.append(base)
            start = base
        if len(data) <= SEGMENT_BYTES:
            return
        position = 0
        while position < len(data):
            record = struct.unpack_from("<Q", data, position)[0] + 16  # length, its CRC, data, data CRC
            if base + position > start and base + position + record - start > SEGMENT_BYTES:
                self._cuts.append(base + position)
                start = base + position
            position += record

    def _put(self, name: str, data: bytes) -> None:
        """Write object ``name`` with retries; EventWriteError (nothing lost: the caller keeps ``data``)."""
        target = f"{self._root}/{name}"
        failure: Exception | None = None
        for delay in (0.0, *RETRY_DELAYS):
            time.sleep(delay)
            try:
                self._fs.pipe_file(target, data)
            except Exception as error:  # noqa: BLE001 - any failure of the store is retried, then reported
                failure = error
                continue
            self.uploaded += len(data)
            return
        raise EventWriteError(
            errno.EIO,
            f"could not upload {self._url}/{name} ({len(data):,} bytes) after {len(RETRY_DELAYS) + 1} attempts: "
            f"{failure}; it is kept and tried again (in the background, and at the next flush)",
        ) from failure
