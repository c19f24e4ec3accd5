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
"""

from __future__ import annotations

import logging
import os
import pickle
import secrets
import socket
import sys
import threading
import time
import weakref
from collections.abc import Callable
from multiprocessing import util as mp_util
from multiprocessing.connection import Client, Connection, Listener, wait
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lightboard.file_writer import DummyFileWriter, FileWriter
    from lightboard.writer import SummaryWriter

logger = logging.getLogger(__name__)

_ACK = b"ok"
_FLUSH = "flush"
REPLY_TIMEOUT_S = 60.0
"""Longest wait of a child for the owner to acknowledge its connection or a flush."""
_BATCH = 10_000  # records read from one connection before the others get a turn

_writer: GlobalSummaryWriter | None = None
_writer_lock = threading.Lock()
_instances: weakref.WeakSet[GlobalSummaryWriter] = weakref.WeakSet()


# -- the owner's side ------------------------------------------------------------------------------


def _log_scalar(writer: SummaryWriter, tag: str, value: Any, step: int, wall: float | None) -> None:
    writer.add_scalar(tag, value, step, wall)


def _log_image(writer: SummaryWriter, tag: str, payload: tuple[Any, str], step: int, wall: float | None) -> None:
    image, dataformats = payload
    writer.add_image(tag, image, step, wall, dataformats=dataformats)  # type: ignore[attr-defined]


def _log_histogram(writer: SummaryWriter, tag: str, payload: tuple[Any, Any, Any], step: int, wall: Any) -> None:
    values, bins, max_bins = payload
    writer.add_histogram(tag, values, step, bins=bins, walltime=wall, max_bins=max_bins)


def _log_text(writer: SummaryWriter, tag: str, text: str, step: int, wall: float | None) -> None:
    writer.add_text(tag, text, step, wall)


def _log_audio(writer: SummaryWriter, tag: str, payload: tuple[Any, int], step: int, wall: float | None) -> None:
    samples, sample_rate = payload
    writer.add_audio(tag, samples, step, sample_rate=sample_rate, walltime=wall)  # type: ignore[attr-defined]


_KINDS: dict[str, Callable[..., None]] = {
    "scalar": _log_scalar,
    "image": _log_image,
    "histogram": _log_histogram,
    "text": _log_text,
    "audio": _log_audio,
}


def _listen(authkey: bytes) -> Listener:
    """A listener that outlives ``multiprocessing``'s first exit finalizers (children may still be sending then).

    Linux: an abstract Unix socket (no file). Elsewhere, or if that fails: loopback TCP. (A file-based Unix
    socket or a Windows pipe is removed by a priority-0 finalizer, before ``multiprocessing`` joins the
    children at exit.) Either way only clients that know ``authkey`` get in.
    """
    if sys.platform.startswith("linux"):
        try:
            return Listener("\0lightboard-" + secrets.token_hex(16), "AF_UNIX", backlog=64, authkey=authkey)
        except OSError:
            pass
    return Listener(("127.0.0.1", 0), "AF_INET", backlog=64, authkey=authkey)


class _Owner:
    """What only the creating process has: the writer, the step counters and the server for other processes."""

    def __init__(self, writer: SummaryWriter, serve: bool) -> None:
        self.writer = writer
        self.steps: dict[str, dict[str, int]] = {kind: {} for kind in _KINDS}
        self.lock = threading.Lock()  # step counters, and the order in which steps reach the writer
        # Reading connections: the read thread, flush() and close(). Reentrant: a finalizer that closes the
        # writer may run on the read thread while it holds the lock.
        self.read_lock = threading.RLock()
        self.authkey = os.urandom(32)
        self.listener: Listener | None = None
        self.address: Any = None
        self.connections: list[Connection] = []
        self.closing = False
        self.threads: list[threading.Thread] = []
        self.wake_in, self.wake_out = socket.socketpair() if serve else (None, None)
        if serve:
            self.wake_in.setblocking(False)  # a full wake-up socket already wakes the reader
            self.listener = _listen(self.authkey)
            self.address = self.listener.address
            for target, name in ((self._accept_loop, "accept"), (self._read_loop, "read")):
                thread = threading.Thread(target=target, name=f"lightboard-global-{name}", daemon=True)
                thread.start()
                self.threads.append(thread)

    # -- writing -----------------------------------------------------------------------------------

    def log(self, kind: str, tag: str, payload: Any, wall: float | None) -> None:
        """Write one record at the next step of (kind, tag); a record the writer rejects takes no step."""
        with self.lock:
            steps = self.steps[kind]
            step = steps.get(tag, 0)
            _KINDS[kind](self.writer, tag, payload, step, wall)
            steps[tag] = step + 1

    def flush(self) -> None:
        """Write every record that has reached this process, then flush the writer."""
        with self.read_lock:
            for connection in list(self.connections):
                self._read(connection, None)
        self.writer.flush()

    # -- serving -----------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        listener = self.listener
        assert listener is not None
        while True:
            try:
                connection = listener.accept()
            except Exception as error:  # noqa: BLE001 - a bad client must not stop the server
                if self.closing:
                    return
                logger.warning("lightboard: GlobalSummaryWriter refused a connection: %s", error)
                time.sleep(0.01)
                continue
            if self.closing:
                connection.close()
                return
            with self.read_lock:
                self.connections.append(connection)
            try:
                connection.send_bytes(_ACK)  # the client sends only after this: flush() then sees its records
            except OSError:
                self._drop(connection)
            self._wake()

    def _read_loop(self) -> None:
        while not self.closing:
            try:
                self._read_ready()
            except Exception as error:  # noqa: BLE001 - the thread must live on, or children block
                logger.error("lightboard: GlobalSummaryWriter reader: %s", error)
                time.sleep(0.01)

    def _read_ready(self) -> None:
        """Wait up to a second for records or a wake-up, then handle what is ready."""
        with self.read_lock:
            watched: list[Any] = [*self.connections, self.wake_out]
        try:
            ready = wait(watched, timeout=1.0)
        except (OSError, ValueError):  # a connection closed meanwhile: look again
            return
        with self.read_lock:
            for item in ready:
                if item is self.wake_out:
                    try:
                        self.wake_out.recv(4096)  # type: ignore[union-attr]
                    except OSError:
                        pass
                elif item in self.connections:
                    self._read(item, _BATCH)

    def _read(self, connection: Connection, limit: int | None) -> None:
        """Handle the records waiting on ``connection`` (at most ``limit``); under ``read_lock``."""
        count = 0
        try:
            while (limit is None or count < limit) and connection.poll(0):
                data = connection.recv_bytes()
                count += 1
                self._handle(connection, data)
        except (EOFError, OSError):  # the child exited (its records before that were read)
            self._drop(connection)

    def _handle(self, connection: Connection, data: bytes) -> None:
        try:
            kind, tag, payload, wall = pickle.loads(data)
            if kind == _FLUSH:
                self.writer.flush()
                connection.send_bytes(_ACK)
            else:
                self.log(kind, tag, payload, wall)
        except OSError:
            raise
        except Exception as error:  # noqa: BLE001 - one bad record must not stop the others
            logger.error("lightboard: GlobalSummaryWriter could not write a record from another process: %s", error)

    def _drop(self, connection: Connection) -> None:
        if connection in self.connections:
            self.connections.remove(connection)
        connection.close()

    def _wake(self) -> None:
        if self.wake_in is not None:
            try:
                self.wake_in.send(b"\0")
            except OSError:
                pass

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop serving, write every record that has arrived, close the writer. Runs once (a Finalize)."""
        self.closing = True
        current = threading.current_thread()
        if self.listener is not None:
            accepting = current is not self.threads[0]
            if accepting:
                try:  # wake the accept thread, which sees `closing` and leaves
                    Client(self.address, authkey=self.authkey).close()
                except Exception as error:  # noqa: BLE001 - then it stays blocked (a daemon), not joined
                    logger.debug("lightboard: waking the accept thread failed: %s", error)
                    accepting = False
            self._wake()
            for thread in self.threads[1 if not accepting else 0 :]:
                if thread is not current:
                    thread.join(5.0)
            self.listener.close()
        try:
            self.flush()
        finally:
            with self.read_lock:
                for connection in self.connections:
                    connection.close()
                self.connections.clear()
            for end in (self.wake_in, self.wake_out):
                if end is not None:
                    end.close()
            self.writer.close()

    def forget_in_child(self) -> None:
        """After ``fork``, in the child: close its copies of the server's descriptors (the owner's stay open)."""
        for connection in self.connections:
            connection.close()
        self.connections = []
        if self.listener is not None:
            self.listener.close()  # its unlink is a multiprocessing Finalize of the owner's pid: skipped here
        for end in (self.wake_in, self.wake_out):
            if end is not None:
                end.close()


# -- other processes' side -------------------------------------------------------------------------


class _Client:
    """A connection from this process to the owner, opened on first use (again after a fork)."""

    def __init__(self, address: Any, authkey: bytes) -> None:
        self.address = address
        self.authkey = authkey
        self.lock = threading.Lock()
        self.connection: Connection | None = None
        self.pid = os.getpid()
        self.failed = False

    def send(self, record: tuple[Any, ...]) -> None:
        """Send ``record`` to the owner; returns once it is in the owner's socket buffer."""
        data = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        with self.lock:
            connection = self._connect()
            if connection is not None:
                try:
                    connection.send_bytes(data)
                except OSError as error:
                    self._lost(error)

    def flush(self) -> None:
        """Return once the owner has written everything this process sent before."""
        with self.lock:
            connection = self._connect()
            if connection is None:
                return
            try:
                connection.send_bytes(pickle.dumps((_FLUSH, "", None, None)))
                if not connection.poll(REPLY_TIMEOUT_S):
                    raise TimeoutError(f"no reply to a flush within {REPLY_TIMEOUT_S:.0f} s")
                connection.recv_bytes()
            except TimeoutError:
                raise  # a busy owner: the connection stays, later records still go through
            except (OSError, EOFError) as error:
                self._lost(error)

    def close(self) -> None:
        """Close this process's connection (a later call reconnects)."""
        with self.lock:
            if self.connection is not None and self.pid == os.getpid():
                self.connection.close()
            self.connection = None

    def _connect(self) -> Connection | None:
        if self.pid != os.getpid():  # inherited through fork without the at-fork hook
            self.forget_in_child()
        if self.connection is None and not self.failed and self.address is not None:
            try:
                connection = Client(self.address, authkey=self.authkey)
                if not connection.poll(REPLY_TIMEOUT_S):
                    connection.close()
                    raise TimeoutError(f"the owner did not accept the connection within {REPLY_TIMEOUT_S:.0f} s")
                connection.recv_bytes()
                self.connection = connection
            except TimeoutError as error:  # a busy owner: drop this record, try again on the next call
                logger.warning("lightboard: GlobalSummaryWriter: process %d: %s; retrying later", os.getpid(), error)
            except (OSError, EOFError) as error:
                self._lost(error)
        return self.connection

    def _lost(self, error: BaseException) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if not self.failed:
            self.failed = True
            logger.error(
                "lightboard: GlobalSummaryWriter: process %d cannot reach the process that created the writer "
                "(closed or exited?): %s; its later records are dropped",
                os.getpid(),
                error,
            )

    def forget_in_child(self) -> None:
        """After ``fork``, in the child: the parent's connection and lock are not ours."""
        if self.connection is not None:
            self.connection.close()  # our copy of the descriptor only
        self.connection = None
        self.lock = threading.Lock()
        self.pid = os.getpid()


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
    exited, other processes' records are dropped (an error is logged once per process).

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
