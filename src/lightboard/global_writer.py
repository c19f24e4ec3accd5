"""``GlobalSummaryWriter``: one event file fed by every process and thread, each tag with its own step counter.

The process that creates the writer (the *owner*) holds the only :class:`~lightboard.SummaryWriter`, so
the run directory gets one event file. Other processes reach it over a local socket
(:mod:`multiprocessing.connection`, authenticated with a random key): a child that got the writer by
``fork``, or by pickling (a ``Process`` argument under ``spawn`` or ``forkserver``, a ``Pool`` task
argument or initializer argument), connects on its first call and sends its records there. Each send
is synchronous: once an ``add_*`` call returns, the record is in the owner's socket buffer, so nothing is
lost when a child exits without flushing, or is terminated (``Pool.terminate``) after its last call.

In the owner, a daemon thread accepts connections and another reads records as they arrive, assigns
the per-tag steps in arrival order and writes them; calls made in the owner itself go straight to the
writer. Steps start at 0 per (kind, tag), as in tensorboardX.

This module holds the public class, its pickling (:func:`_attach`), the argument checker and the fork
hooks; the owner's server is in :mod:`lightboard.global_server`, other processes' connection to it in
:mod:`lightboard.global_client`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from multiprocessing import util as mp_util
from typing import TYPE_CHECKING, Any

from lightboard.global_client import REPLY_TIMEOUT_S as REPLY_TIMEOUT_S
from lightboard.global_client import _Client
from lightboard.global_server import _Owner

if TYPE_CHECKING:
    from lightboard.file_writer import DummyFileWriter, FileWriter
    from lightboard.writer import SummaryWriter

logger = logging.getLogger(__name__)

_writer: GlobalSummaryWriter | None = None
_writer_lock = threading.Lock()
_instances: weakref.WeakSet[GlobalSummaryWriter] = weakref.WeakSet()


# -- the public class ------------------------------------------------------------------------------


class GlobalSummaryWriter:
    """A writer shared by every process and thread of a job, which numbers the steps itself (tensorboardX's API).

    Each call logs at the next step of its tag (per kind: scalars, images, histograms, text and audio
    count separately), starting at 0, in the order calls reach the process that created the writer. All
    processes write into one event file.

    It works with every ``multiprocessing`` start method. With ``fork``, children use the writer they
    inherit. With ``spawn`` and ``forkserver``, pass the writer to the child: as a ``Process`` argument,
    a ``Pool`` task argument or ``initargs`` (it pickles to a small handle). The global writer of
    :meth:`getSummaryWriter` passed to a child becomes that child's global writer too.

    In other processes, arguments are checked where the call is made (errors are raised there), and
    each call returns once its record is in the owner's hands, so a child that exits (or is terminated)
    right after logging loses nothing. The owner writes everything that has arrived on :meth:`flush`,
    on :meth:`close` and at exit, after ``multiprocessing`` has joined its children. A child's
    :meth:`flush` returns once the owner has written that child's records. After the owner closed or
    exited, other processes' records are dropped (an error is logged once per process). A process's first
    call waits at most ``REPLY_TIMEOUT_S`` (60 s) for the owner to take its connection, then raises
    ``TimeoutError`` naming the owner's address (a stopped or stuck owner; the next call tries again). The
    owner's :meth:`flush` writes what had arrived when it was called, so it returns while children keep
    sending. A URL logdir (``s3://...``, any fsspec URL) works as for ``SummaryWriter``: the owner writes it.

    Args:
        logdir, comment, purge_step, max_queue, flush_secs, filename_suffix, write_to_disk, log_dir,
        **kwargs: as :class:`lightboard.SummaryWriter`.
        coalesce_process: must be True (the records of all processes go to one event file); False raises
            ``ValueError`` (tensorboardX ignores it). For separate files, give each process its own
            ``SummaryWriter`` and run directory.

    Example::

        import multiprocessing as mp
        from lightboard import GlobalSummaryWriter

        def work(writer, x):
            writer.add_scalar("poolmap/1", x)

        if __name__ == "__main__":
            writer = GlobalSummaryWriter("runs/global")
            with mp.get_context("spawn").Pool(4) as pool:
                pool.starmap(work, [(writer, x) for x in range(100)])
            writer.close()
    """

    smw: SummaryWriter | None
    """The owner's ``SummaryWriter`` (None in other processes)."""

    def __init__(
        self,
        logdir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        write_to_disk: bool = True,
        log_dir: str | os.PathLike[str] | None = None,
        coalesce_process: bool = True,
        **kwargs: Any,
    ) -> None:
        if not coalesce_process:
            raise ValueError(
                "GlobalSummaryWriter(coalesce_process=False) is not supported: it writes every process into "
                "one event file; give each process its own SummaryWriter and run directory instead"
            )
        from lightboard.writer import SummaryWriter

        self.smw = SummaryWriter(
            logdir=logdir,
            comment=comment,
            purge_step=purge_step,
            max_queue=max_queue,
            flush_secs=flush_secs,
            filename_suffix=filename_suffix,
            write_to_disk=write_to_disk,
            log_dir=log_dir,
            **kwargs,
        )
        self.logdir: str = self.smw.logdir
        self._owner: _Owner | None = _Owner(self.smw, serve=write_to_disk)
        self._owner_pid = os.getpid()
        self._client = _Client(self._owner.address, self._owner.authkey)
        self._finalizer = mp_util.Finalize(self, self._owner.close, exitpriority=-10)
        _instances.add(self)

    # -- logging -----------------------------------------------------------------------------------

    def add_scalar(self, tag: str, scalar_value: Any, walltime: float | None = None) -> None:
        """Log a number at the next step of ``tag`` (see :meth:`lightboard.SummaryWriter.add_scalar`)."""
        owner = self._local_owner()
        if owner is not None:
            owner.log("scalar", tag, scalar_value, walltime)
            return
        from lightboard.summaries.tags import check_tag
        from lightboard.tensor import to_float

        check_tag(tag, "add_scalar")
        value = to_float(scalar_value, argument="scalar_value", method="add_scalar", tag=tag)
        self._send("scalar", tag, value, walltime)

    def add_image(self, tag: str, img_tensor: Any, walltime: float | None = None, dataformats: str = "CHW") -> None:
        """Log an image at the next step of ``tag`` (see :meth:`lightboard.SummaryWriter.add_image`)."""
        owner = self._local_owner()
        if owner is not None:
            owner.log("image", tag, (img_tensor, dataformats), walltime)
            return
        _checker().add_image(tag, img_tensor, 0, walltime, dataformats=dataformats)  # type: ignore[attr-defined]
        self._send("image", tag, (_copy(img_tensor, "img_tensor", "add_image", tag), dataformats), walltime)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log a histogram at the next step of ``tag`` (see :meth:`lightboard.SummaryWriter.add_histogram`)."""
        owner = self._local_owner()
        if owner is not None:
            owner.log("histogram", tag, (values, bins, max_bins), walltime)
            return
        _checker().add_histogram(tag, values, 0, bins=bins, walltime=walltime, max_bins=max_bins)
        if not isinstance(bins, (str, int)):
            bins = _copy(bins, "bins", "add_histogram", tag)
        self._send("histogram", tag, (_copy(values, "values", "add_histogram", tag), bins, max_bins), walltime)

    def add_text(self, tag: str, text_string: str, walltime: float | None = None) -> None:
        """Log Markdown text at the next step of ``tag`` (see :meth:`lightboard.SummaryWriter.add_text`)."""
        owner = self._local_owner()
        if owner is not None:
            owner.log("text", tag, text_string, walltime)
            return
        _checker().add_text(tag, text_string, 0, walltime)
        self._send("text", tag, text_string, walltime)

    def add_audio(self, tag: str, snd_tensor: Any, sample_rate: int = 44100, walltime: float | None = None) -> None:
        """Log audio at the next step of ``tag`` (see :meth:`lightboard.SummaryWriter.add_audio`)."""
        owner = self._local_owner()
        if owner is not None:
            owner.log("audio", tag, (snd_tensor, sample_rate), walltime)
            return
        _checker().add_audio(tag, snd_tensor, 0, sample_rate=sample_rate, walltime=walltime)  # type: ignore[attr-defined]
        self._send("audio", tag, (_copy(snd_tensor, "snd_tensor", "add_audio", tag), sample_rate), walltime)

    # -- lifecycle ---------------------------------------------------------------------------------

    def flush(self) -> None:
        """Owner: write every record that has arrived. Other processes: return once the owner wrote this
        process's earlier records."""
        owner = self._local_owner()
        if owner is not None:
            owner.flush()
        else:
            self._client.flush()

    def close(self) -> None:
        """Owner: stop serving other processes, write what has arrived, close the event file (a later call
        of the owner opens a new one). Other processes: flush and disconnect."""
        owner = self._local_owner()
        if owner is None:
            self._client.flush()
            self._client.close()
            return
        self._finalizer()  # once: stops the server threads
        owner.writer.close()  # every time, as SummaryWriter.close

    def __enter__(self) -> GlobalSummaryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def file_writer(self) -> FileWriter | DummyFileWriter:
        """The owner's event file writer (only in the process that created the writer)."""
        if self.smw is None or self._local_owner() is None:
            raise RuntimeError("GlobalSummaryWriter.file_writer exists only in the process that created the writer")
        return self.smw._get_file_writer()

    @staticmethod
    def getSummaryWriter() -> GlobalSummaryWriter:
        """The process's global writer, created with default arguments on first use (like ``logging.getLogger``).

        A forked child shares its parent's; a spawned child gets it when the parent passes its global writer.
        """
        global _writer
        with _writer_lock:
            if _writer is None:
                _writer = GlobalSummaryWriter()
            logger.info("lightboard: using the global writer in %s", _writer.logdir)
            return _writer

    # -- plumbing ----------------------------------------------------------------------------------

    def _local_owner(self) -> _Owner | None:
        owner = self._owner
        return owner if owner is not None and os.getpid() == self._owner_pid else None

    def _send(self, kind: str, tag: str, payload: Any, walltime: float | None) -> None:
        self._client.send((kind, tag, payload, time.time() if walltime is None else float(walltime)))

    def __reduce__(self) -> tuple[Callable[..., GlobalSummaryWriter], tuple[Any, ...]]:
        owner = self._owner
        if owner is not None:
            address, authkey = owner.address, owner.authkey
        else:
            address, authkey = self._client.address, self._client.authkey
        return _attach, (address, authkey, self.logdir, self._owner_pid, self is _writer)

    def _forget_in_child(self) -> None:
        if self._owner is not None:
            self._owner.forget_in_child()
            self._owner = None
            self.smw = None
        self._client.forget_in_child()


def _attach(address: Any, authkey: bytes, logdir: str, owner_pid: int, is_global: bool) -> GlobalSummaryWriter:
    """Unpickle a :class:`GlobalSummaryWriter` in another process: a handle that sends to the owner."""
    global _writer
    writer = GlobalSummaryWriter.__new__(GlobalSummaryWriter)
    writer.smw = None
    writer.logdir = logdir
    writer._owner = None
    writer._owner_pid = owner_pid
    writer._client = _Client(address, authkey)
    _instances.add(writer)
    if is_global:
        with _writer_lock:
            if _writer is None:
                _writer = writer
    return writer


_checkers: dict[int, SummaryWriter] = {}


def _checker() -> SummaryWriter:
    """A ``write_to_disk=False`` writer of this process: its methods check arguments as the owner's will."""
    checker = _checkers.get(os.getpid())
    if checker is None:
        from lightboard.writer import SummaryWriter

        checker = _checkers[os.getpid()] = SummaryWriter("checker", write_to_disk=False)
    return checker


def _copy(value: Any, argument: str, method: str, tag: str) -> Any:
    """A numpy copy of an array-like (the caller may change its tensor after the call returns)."""
    from lightboard.tensor import to_numpy

    return to_numpy(value, argument=argument, method=method, tag=tag).copy()


def _after_fork_in_child() -> None:
    global _writer_lock
    _writer_lock = threading.Lock()
    for writer in list(_instances):
        writer._forget_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
