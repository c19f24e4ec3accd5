"""The owner's side of :class:`~lightboard.global_writer.GlobalSummaryWriter`: the server for other processes.

Holds :class:`_Owner` (the only ``SummaryWriter``, the per-tag step counters and the threads that accept
connections and read records), :func:`_listen` (the authenticated local socket), the record dispatch
table (``_log_*`` and ``_KINDS``) and the wire protocol's constants.
"""

from __future__ import annotations

import logging
import os
import pickle
import secrets
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Client, Connection, Listener, wait
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lightboard.writer import SummaryWriter

logger = logging.getLogger("lightboard.global_writer")  # the logger's name from before the split

_ACK = b"ok"
_FLUSH = "flush"
_BATCH = 10_000  # records read from one connection before the others get a turn


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


_HEADER_BYTES = 4  # the length prefix multiprocessing.connection puts before each message (under 2 GiB)


def _waiting_bytes(connection: Connection) -> int | None:
    """Bytes in ``connection``'s receive buffer now (``FIONREAD``), or None where that cannot be asked."""
    try:
        import fcntl
        import termios
    except ImportError:  # Windows
        return None
    try:
        raw = fcntl.ioctl(connection.fileno(), termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return None
    return int(struct.unpack("i", raw)[0])


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
        """Write every record that had reached this process when called, then flush the writer.

        Bounded while children keep sending: of each connection, only the bytes waiting when the call began
        are read (records that arrive meanwhile wait for the read thread).
        """
        with self.read_lock:
            for connection in list(self.connections):
                self._read(connection, None, _waiting_bytes(connection))
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

    def _read(self, connection: Connection, limit: int | None, budget: int | None = None) -> None:
        """Handle the records waiting on ``connection``, at most ``limit`` of them and until ``budget`` bytes
        have been read (a record begun within it is read whole); under ``read_lock``."""
        count = consumed = 0
        try:
            while (limit is None or count < limit) and (budget is None or consumed < budget) and connection.poll(0):
                data = connection.recv_bytes()
                count += 1
                consumed += len(data) + _HEADER_BYTES
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
