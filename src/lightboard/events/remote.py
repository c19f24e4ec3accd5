"""An event file in object storage (any fsspec URL: ``s3://``, ``gs://``, ``memory://``, ...), written as segments.

Object stores cannot append, and tensorboardX re-uploads a whole file on every flush (its upload cost grows
with the square of the run's length). Here a file is a series of immutable objects, *segments*, each holding
whole records: ``<name>`` (the header records, uploaded at once so the run shows up), then ``<name>.000001``,
``<name>.000002``, ... — names that sort in write order, so TensorBoard and lightboard's reader take them as
the run's event files in sequence. A segment is uploaded when ``flush()`` is called, when it reaches
:data:`SEGMENT_BYTES`, when its oldest record has waited ``flush_secs``, and at close: every byte is uploaded
once (plus a retry when an upload fails).

An upload that fails is tried again with growing delays (:data:`RETRY_DELAYS`); if it still fails the data
stays in memory and the :class:`~lightboard.events.file.EventWriteError` is raised to the caller (``flush``,
``close``, or the next ``add`` when the writer thread met it); the next attempt uploads it with what came since.
"""

from __future__ import annotations

import errno
import time
from typing import Any

from lightboard.events import worker
from lightboard.events.file import EventFile, EventWriteError, first_records
from lightboard.events.naming import event_file_name
from lightboard.urls import filesystem

SEGMENT_BYTES = 8 << 20
"""A segment is uploaded once it holds this many bytes (so memory stays bounded between flushes)."""
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
"""Seconds before each new attempt at an upload that failed (about 16 s in all)."""


class RemoteEventFile(EventFile):
    """An event file at ``url`` (a "directory" URL), written as segments; same interface as ``EventFile``.

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
        self._name: str | None = None
        self._segment = 0
        self._pending = bytearray()
        self._pending_since = 0.0
        self.uploaded = 0
        """Bytes uploaded so far (each segment counted once however many attempts it took)."""
        super().__init__(url, filename_suffix, max_queue, flush_secs, purge_step)

    def forget_parent(self) -> None:
        """In a forked child: the parent's unsent bytes are the parent's; the child starts a file of its own."""
        super().forget_parent()
        self._pending = bytearray()
        self._name = None

    # -- EventFile's storage hooks ---------------------------------------------------------------------

    def _open(self, purge_step: int | None) -> None:
        name = event_file_name(self._suffix)
        self._put(name, first_records(purge_step))
        self._name, self._segment, self.path = name, 1, f"{self._url}/{name}"

    def _write(self, data: bytes) -> None:
        if self._name is None:
            self._open(None)
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending += data
        self._size += len(data)
        if len(self._pending) >= SEGMENT_BYTES:
            self._upload()
        elif not self.scheduled:
            worker.scheduler().schedule(self, False)  # come back within flush_secs to upload it

    def _idle(self) -> None:
        if self._pending:
            if time.monotonic() - self._pending_since >= self.flush_secs:
                self._upload()
            elif not self.scheduled:
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

    def _upload(self) -> None:
        """Upload the pending bytes as the next segment (kept for another attempt if it fails)."""
        if not self._pending or self._name is None:
            return
        data = bytes(self._pending)
        self._put(f"{self._name}.{self._segment:06d}", data)
        del self._pending[: len(data)]
        self._segment += 1

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
            f"{failure}; it stays in memory and is tried again at the next flush",
        ) from failure
