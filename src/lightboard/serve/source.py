"""The logdir behind the viewer: read once at start, then refreshed as training writes, on one worker thread.

Every use of the :class:`~lightboard.reader.Logdir` (reads, refreshes, queries) runs on a single thread, in
the order asked, so the reader needs no locks and the event loop never blocks on a read. Queries asked
before the first read ends wait for it (the worker runs them in order).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from lightboard.reader import Logdir

T = TypeVar("T")
log = logging.getLogger("lightboard.serve")
READ_THREADS = min(4, os.cpu_count() or 1)
"""Runs read at once (the first read of a big logdir is what a user waits for)."""
PART_BYTES = 256 << 20
"""The first read of a local logdir bigger than this goes a part at a time: the first run, then about this many
bytes, then twice as many each part; queries asked meanwhile are answered between parts, so a big logdir's first
runs show while the rest is read. A smaller logdir is read whole before any query is answered."""
WARM_WHILE_ASKED_S = 10.0
"""After new data, the warmers run if a query came this recently (or for the first read): a page is watching."""


class LiveLogdir:
    """A logdir read on a worker thread, with a ``generation`` that grows each time new data is read.

    Args:
        path: the logdir, a run directory or an event file.
        restarts: ``"preempt"`` or ``"keep"``, as :func:`lightboard.read`.
    """

    def __init__(self, path: str, restarts: str = "preempt") -> None:
        self.logdir = Logdir(path, restarts)
        self.generation = 0
        """Grows by one each time a refresh reads new data (new points, files or runs)."""
        self.error: str | None = None
        """Why the last refresh failed (it is tried again at the next one), or None."""
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="lightboard-reader")
        self._cache: dict[Any, Any] = {}
        self._started = False
        self.warmers: list[Callable[[], object]] = []
        """Run on the reader's thread after a read that brought new data (see :data:`WARM_WHILE_ASKED_S`): they
        compute, through :meth:`memo`, the answers every page asks for first, so that they are ready."""
        self._asked = 0.0
        self.reading = False
        """True while the first read goes on (what was read so far is already served)."""

    def start(self) -> None:
        """Begin the first read, a part at a time (queries asked meanwhile are answered between parts, from what
        was read so far); later calls do nothing."""
        if not self._started:
            self._started = True
            self.reading = True
            self._worker.submit(self._first_read)

    def _first_read(self) -> None:
        try:
            parts = self._parts() if self.logdir.local else [None]
        except OSError:
            parts = [None]  # the plain read reports it
        self._read_parts(parts)

    def _parts(self) -> list[list[str] | None]:
        """The runs in parts: the first run alone, then parts of about :data:`PART_BYTES`, twice as big each time
        (each part is a generation, which makes a page fetch what it shows again: few, growing parts show the first
        runs soon and the rest without refetching all along); a logdir of at most PART_BYTES is one part, read
        whole before any query (as an empty one)."""
        self.logdir.refresh(runs=[])  # lists the runs, reads nothing
        names = self.logdir.runs
        sizes = {name: self.logdir.run(name).pending() for name in names}
        if sum(sizes.values()) <= PART_BYTES:
            return [None]
        parts: list[list[str] | None] = [[names[0]]]
        current: list[str] = []
        size, limit = 0, PART_BYTES
        for name in names[1:]:
            pending = sizes[name]
            if current and size + pending > limit:
                parts.append(current)
                current, size, limit = [], 0, 2 * limit
            current.append(name)
            size += pending
        if current:
            parts.append(current)
        return parts

    def _read_parts(self, parts: list[list[str] | None]) -> None:
        self._refresh(parts[0], first=True)
        if len(parts) > 1:
            self._worker.submit(self._read_parts, parts[1:])
        else:
            self.reading = False

    def _refresh(self, runs: list[str] | None = None, first: bool = False) -> bool:
        if self.reading and not first:
            return False  # the first read's parts will get there
        count = len(self.logdir)
        try:
            consumed = self.logdir.refresh(threads=READ_THREADS, runs=runs)
        except Exception as error:  # noqa: BLE001 - a failed read is reported and retried, never fatal
            message = f"reading {self.logdir.path} failed: {type(error).__name__}: {error}"
            if message != self.error:
                log.error("%s (retrying)", message)
            self.error = message
            return False
        self.error = None
        if consumed or len(self.logdir) != count or self.generation == 0:
            self.generation += 1
            self._cache.clear()
            if self.generation == 1 or time.monotonic() - self._asked < WARM_WHILE_ASKED_S:
                self._warm()
            return True
        return False

    def _warm(self) -> None:
        for warmer in self.warmers:
            try:
                warmer()
            except Exception:  # the query that needs it computes it again and reports the error
                log.exception("warming an answer failed")

    async def refresh(self) -> bool:
        """Read what was written since the last refresh; return whether anything new was read."""
        return await self.call(self._refresh)

    async def call(self, function: Callable[[], T]) -> T:
        """Run ``function()`` on the reader's thread and return its result."""
        self._asked = time.monotonic()
        return await asyncio.wrap_future(self._worker.submit(function))

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``, computed once per generation for a given ``key``. Only on the reader's thread: in a
        function given to :meth:`call` or :meth:`query`."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    async def cached(self, key: Any, function: Callable[[Logdir], T]) -> tuple[int, T]:
        """``(generation, function(logdir))``, computed once per generation for a given ``key``."""
        return await self.call(lambda: (self.generation, self.memo(key, lambda: function(self.logdir))))

    async def query(self, function: Callable[[Logdir], T]) -> T:
        """``function(logdir)``, computed on the reader's thread (``self.generation`` is the data's there)."""
        return await self.call(lambda: function(self.logdir))

    def close(self) -> None:
        """Stop the worker thread (queries waiting are cancelled)."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    async def follow(self, interval: float) -> None:
        """Refresh every ``interval`` seconds, forever (run as a task; cancel it to stop)."""
        while True:
            await asyncio.sleep(interval)
            await self.refresh()
