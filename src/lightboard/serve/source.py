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

    def start(self) -> None:
        """Begin the first read (queries asked before it ends wait for it); later calls do nothing."""
        if not self._started:
            self._started = True
            self._worker.submit(self._refresh)

    def _refresh(self) -> bool:
        runs = len(self.logdir)
        try:
            consumed = self.logdir.refresh(threads=READ_THREADS)
        except Exception as error:  # noqa: BLE001 - a failed read is reported and retried, never fatal
            message = f"reading {self.logdir.path} failed: {type(error).__name__}: {error}"
            if message != self.error:
                log.error("%s (retrying)", message)
            self.error = message
            return False
        self.error = None
        if consumed or len(self.logdir) != runs or self.generation == 0:
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
