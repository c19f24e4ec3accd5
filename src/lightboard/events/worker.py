"""The one background thread that writes every open event file of the process.

Event files ask it to write their queued events when the first event arrives (deadline
``flush_secs``) and again, urgently, once ``max_queue`` events are waiting (then it lingers
:data:`LINGER_SECS` to write a bigger batch). The thread never dies
on an I/O error: each file keeps its own error and raises it to its caller.

Across ``fork()`` the child gets a fresh scheduler (the parent's thread does not exist there) and
every inherited file forgets its parent's descriptor and queue; see :func:`_after_fork_in_child`.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lightboard.events.file import EventFile

logger = logging.getLogger(__name__)

LINGER_SECS = 0.002
"""How long the thread lets events accumulate after ``max_queue`` woke it. Each wake-up costs the
training thread a few hand-overs of the GIL; batching them keeps that cost per batch, not per event."""


class _Scheduler:
    """Deadlines of the files with queued events, and the thread that meets them."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.due: dict[EventFile, float] = {}
        self.thread: threading.Thread | None = None

    def schedule(self, file: EventFile, urgent: bool) -> None:
        """Ask for ``file``'s queued events to be written now (``urgent``) or within its flush_secs."""
        with self.cond:
            file.scheduled = True
            when = time.monotonic() if urgent else time.monotonic() + file.flush_secs
            if when < self.due.get(file, float("inf")):
                self.due[file] = when
                if self.thread is None:
                    self.thread = threading.Thread(target=self._run, name="lightboard-writer", daemon=True)
                    self.thread.start()
                self.cond.notify()

    def forget(self, file: EventFile) -> None:
        """Drop ``file`` from the schedule (it is being closed)."""
        with self.cond:
            self.due.pop(file, None)

    def _run(self) -> None:
        while True:
            with self.cond:
                while True:
                    now = time.monotonic()
                    ready = [f for f, when in self.due.items() if when <= now]
                    if ready or not _orphans.empty():
                        break
                    # Wake at least every second to close orphaned files (finalizers cannot notify).
                    self.cond.wait(min(min(self.due.values()) - now, 1.0) if self.due else 1.0)
                urgent = any(file.urgent for file in ready)
                for file in ready:
                    del self.due[file]
                    file.scheduled = False
                    file.urgent = False
            if urgent:  # woken by max_queue: let a few more events arrive, to write them in one go
                time.sleep(LINGER_SECS)
            for file in ready:
                file.write_queued()
            while not _orphans.empty():
                _close_logging_errors(_orphans.get())


_scheduler = _Scheduler()
_live_files: weakref.WeakSet[EventFile] = weakref.WeakSet()
_orphans: queue.SimpleQueue[EventFile] = queue.SimpleQueue()


def scheduler() -> _Scheduler:
    """The scheduler of this process (a forked child gets its own)."""
    return _scheduler


def track(file: EventFile) -> None:
    """Remember ``file`` so that it is closed at exit and reset in forked children."""
    _live_files.add(file)
    _install_multiprocessing_hook()


def orphan(file: EventFile) -> None:
    """Hand a file whose writer was garbage-collected while the file was busy to the writer thread to close.

    Safe from finalizers (a ``SimpleQueue`` takes no lock a collected object could hold).
    """
    _orphans.put(file)


def _close_logging_errors(file: EventFile) -> None:
    try:
        file.close()
    except Exception as error:  # noqa: BLE001 - nobody is left to raise to
        logger.error("lightboard: could not close %s: %s", file.path, error)


def finish_all() -> None:
    """At exit: write and fsync every open event file; later events are written at once. Errors are logged."""
    for file in list(_live_files):
        try:
            file.finish_at_exit()
        except Exception as error:  # noqa: BLE001 - exit path: report, never raise
            logger.error("lightboard: could not finish %s: %s", file.path, error)


_early_exit_hook = False


def finish_before_thread_pools_stop() -> None:
    """Make :func:`finish_all` run at interpreter exit before thread pools stop taking work, too (uploads through
    fsspec need them), and not only at ``atexit`` (after them). Called by each remote file; registers once."""
    global _early_exit_hook
    if _early_exit_hook:
        return
    _early_exit_hook = True
    import concurrent.futures.thread  # noqa: F401 - its hook registered first: these hooks run last first

    register = getattr(threading, "_register_atexit", None)  # CPython's, for concurrent.futures itself
    if register is not None:
        register(finish_all)


def _after_fork_in_child() -> None:
    global _scheduler
    _scheduler = _Scheduler()
    for file in list(_live_files):
        file.forget_parent()


_hook_installed = False


def _install_multiprocessing_hook() -> None:
    """Make multiprocessing children (which leave through ``os._exit``) close their files too."""
    global _hook_installed
    if _hook_installed:
        return
    _hook_installed = True
    import multiprocessing
    import multiprocessing.util as mp_util

    def _register_in_child(_: object = None) -> None:
        mp_util.Finalize(None, finish_all, exitpriority=0)

    if multiprocessing.parent_process() is not None:  # we are a child already: it leaves through os._exit
        _register_in_child()
    mp_util.register_after_fork(_scheduler_anchor, _register_in_child)


class _Anchor:
    """A long-lived object for multiprocessing's weak after-fork registry."""


_scheduler_anchor = _Anchor()
os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(finish_all)
