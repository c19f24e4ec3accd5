"""One event file read incrementally: each read resumes at the first byte not yet consumed."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lightboard.reader.scan import BROKEN, PARTIAL
from lightboard.reader.storage import LOCAL, Source, Store

BLOCK_SIZE = 1 << 20
"""Bytes read at a time from a local file (a larger record gets a block of its own size)."""
REMOTE_BLOCK_SIZE = 16 << 20
"""Bytes fetched per ranged request from a remote file (fewer requests; a new segment is usually one)."""
PREFETCH_BYTES = 64 << 20
"""At most this many bytes of a remote run's files are fetched at once ahead of reading them."""


@dataclass(frozen=True)
class Damage:
    """A problem found in an event file; the reader skipped what it names and went on."""

    path: str
    offset: int
    """Where in the file (-1 for a value whose record was sound but whose content is not)."""
    problem: str
    """``"payload checksum"`` (that record skipped), ``"length checksum"`` (the rest of the file
    skipped), ``"malformed event"`` (that record skipped), ``"undecodable value ..."`` (that value skipped),
    ``"file shrank"`` (the file was truncated or replaced; it is not read again)."""

    def __str__(self) -> str:
        return f"{self.path} @ {self.offset}: {self.problem}"


class FileCursor:
    """Where reading of one event file stands: the offset of its first unconsumed record."""

    __slots__ = ("broken", "offset", "path", "store")

    def __init__(self, path: str, store: Store = LOCAL) -> None:
        self.path = path
        self.store = store
        self.offset = 0
        self.broken = False

    def pending(self) -> int:
        """Bytes appended since the last read (0 for a broken file)."""
        if self.broken:
            return 0
        try:
            return max(0, self.store.size(self.path) - self.offset)
        except OSError:
            return 0

    def read(self, scanner: Any, damage: list[Damage], others: list[tuple], progress: Any = None) -> int:
        """Feed the complete records appended since the last read to ``scanner``; return the bytes consumed.

        Damage found is appended to ``damage`` and the scanner's other values to ``others``. A partial record
        at the end stays for the next read. ``progress(n)`` is called with the bytes consumed per block.
        """
        if self.broken:
            return 0
        start = self.offset
        try:
            with self.store.open(self.path) as source:
                if source.size() < self.offset:
                    self._break(damage, "file shrank")
                    return 0
                self._read(source, scanner, damage, others, progress)
        except OSError:  # vanished between listing and reading, or unreadable: try again next time
            pass
        return self.offset - start

    def _read(self, source: Source, scanner: Any, damage: list[Damage], others: list[tuple], progress: Any) -> None:
        block_size = REMOTE_BLOCK_SIZE if self.store.remote else BLOCK_SIZE
        want = block_size
        while True:
            block = source.read(self.offset, want)
            if not block:
                return
            consumed, state, bad_crc, malformed, found = scanner.feed(block)
            base = self.offset
            damage.extend(Damage(self.path, base + at, "payload checksum") for at in bad_crc)
            damage.extend(Damage(self.path, base + at, "malformed event") for at in malformed)
            others.extend(found)
            self.offset += consumed
            if progress is not None and consumed:
                progress(consumed)
            if state == BROKEN:
                self._break(damage, "length checksum")
                return
            if len(block) < want:
                return  # end of file; a partial record waits for the writer
            want = block_size
            if state == PARTIAL and consumed == 0:  # one record larger than the block
                (length,) = struct.unpack_from("<Q", block, 0)
                if self.offset + length + 16 > source.size():
                    return  # not all written yet
                want = length + 16

    def _break(self, damage: list[Damage], problem: str) -> None:
        damage.append(Damage(self.path, self.offset, problem))
        self.broken = True


def read_ahead(store: Store, cursors: list[FileCursor]) -> Iterator[FileCursor]:
    """``cursors`` in order; from a remote store, the first block of new bytes of the next files (up to
    :data:`PREFETCH_BYTES`) is fetched at once before they are read: a run of many small segments costs
    a few concurrent round trips rather than one request per segment."""
    if not store.remote:
        yield from cursors
        return
    group: list[tuple[FileCursor, int]] = []
    budget = 0
    for cursor in [*cursors, None]:
        want = min(cursor.pending(), REMOTE_BLOCK_SIZE) if cursor is not None else 0
        if group and (cursor is None or budget + want > PREFETCH_BYTES):
            store.prefetch([(member.path, member.offset, member.offset + size) for member, size in group if size])
            for member, _ in group:
                yield member
            group, budget = [], 0
        if cursor is not None:
            group.append((cursor, want))
            budget += want
