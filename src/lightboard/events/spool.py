"""Bytes waiting for an upload, first in, first out: in memory, then in a temporary file once they pile up.

A remote event file keeps what it has not uploaded yet. Normally that is less than a segment, but while the
store is down it grows with everything logged; past :data:`MEMORY_BYTES` the oldest bytes move to an unnamed
temporary file (``tempfile.TemporaryFile``: gone with the process), so a long outage costs disk, not memory.
If the disk refuses too, the bytes stay in memory (nothing is dropped) and a warning says so.
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import IO

MEMORY_BYTES = 64 << 20
"""Bytes kept in memory before the oldest go to the temporary file."""

logger = logging.getLogger(__name__)


class Spool:
    """A FIFO of bytes: :meth:`append` at the end, :meth:`read` anywhere, :meth:`drop` at the front.

    The bytes are ``file[start:end]`` (the spilled part, when there is one) followed by an in-memory tail.
    Not thread-safe: the caller locks.
    """

    def __init__(self) -> None:
        self._tail = bytearray()
        self._file: IO[bytes] | None = None
        self._start = self._end = 0  # the file's bytes still pending
        self._disk_failed = False

    def __len__(self) -> int:
        return self._end - self._start + len(self._tail)

    @property
    def spilled(self) -> int:
        """Bytes pending in the temporary file."""
        return self._end - self._start

    def append(self, data: bytes) -> None:
        """Add ``data`` at the end (moving the in-memory bytes to the file once they exceed MEMORY_BYTES)."""
        self._tail += data
        if len(self._tail) > MEMORY_BYTES and not self._disk_failed:
            self._spill()

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (counted from the first pending byte; fewer at the end)."""
        spilled = self._end - self._start
        data = b""
        if offset < spilled:
            data = os.pread(self._file.fileno(), min(length, spilled - offset), self._start + offset)
        begin = max(0, offset - spilled)
        return data + bytes(self._tail[begin : begin + length - len(data)])

    def drop(self, length: int) -> None:
        """Forget the first ``length`` bytes (they were uploaded)."""
        from_file = min(length, self._end - self._start)
        self._start += from_file
        del self._tail[: length - from_file]
        if self._file is not None and self._start == self._end:
            self._file.truncate(0)  # empty again: the file's space goes back to the disk
            self._start = self._end = 0

    def _spill(self) -> None:
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="lightboard-unsent-")
            written = os.pwrite(self._file.fileno(), self._tail, self._end)
        except OSError as error:
            self._disk_failed = True
            logger.warning("lightboard: cannot keep unsent bytes on disk (%s); they stay in memory", error)
            return
        self._end += written
        del self._tail[:written]
