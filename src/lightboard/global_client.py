"""The other processes' side of :class:`~lightboard.global_writer.GlobalSummaryWriter`.

Holds :class:`_Client`, a process's connection to the owner (see :mod:`lightboard.global_server`),
opened on first use and again after a fork, :func:`open_connection` (``multiprocessing``'s ``Client`` with a
timeout) and :data:`REPLY_TIMEOUT_S`.
"""

from __future__ import annotations

import errno
import logging
import os
import pickle
import socket
import struct
import sys
import threading
from multiprocessing.connection import Client, Connection, address_type, answer_challenge, deliver_challenge
from typing import Any

from lightboard.global_server import _FLUSH

logger = logging.getLogger("lightboard.global_writer")  # the logger's name from before the split

REPLY_TIMEOUT_S = 60.0
"""Longest wait of a child for the owner to take its connection (connect, authenticate, acknowledge) or to
acknowledge a flush."""

_TIMED_OUT = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINPROGRESS, errno.ETIMEDOUT)


def open_connection(address: Any, authkey: bytes, timeout: float) -> Connection:
    """``multiprocessing.connection.Client(address, authkey=authkey)``, waiting at most ``timeout`` seconds for
    the owner to take the connection and to acknowledge it (``Client`` itself would wait forever).

    Sockets get kernel timeouts (``SO_SNDTIMEO``, ``SO_RCVTIMEO``) for the connect and the authentication, which
    are cleared afterwards; a Windows pipe address is left to ``Client`` (no timeout on the authentication).

    Raises:
        TimeoutError: naming the address and the timeout, when the owner did not answer in time (stopped,
            stuck, or too busy to accept).
        OSError, EOFError: the owner is gone, or refused the key.
    """
    family = address_type(address)
    if family == "AF_PIPE":
        connection = Client(address, authkey=authkey)
    else:
        connection = _authenticated(address, family, authkey, timeout)
    try:
        if not connection.poll(timeout):
            raise _timed_out(address, timeout, "acknowledge the connection")
        connection.recv_bytes()
        if family != "AF_PIPE":
            with socket.socket(fileno=os.dup(connection.fileno())) as view:
                _set_timeouts(view, 0.0)  # later sends may block while the owner catches up, as before
    except BaseException:
        connection.close()
        raise
    return connection


def _authenticated(address: Any, family: str, authkey: bytes, timeout: float) -> Connection:
    """A socket connection to ``address`` through ``multiprocessing``'s authentication, each step timed out."""
    sock = socket.socket(getattr(socket, family))
    connection: Connection | None = None
    try:
        _set_timeouts(sock, timeout)
        sock.connect(address)
        connection = Connection(sock.detach())
        answer_challenge(connection, authkey)
        deliver_challenge(connection, authkey)
        return connection
    except BaseException as error:
        (connection or sock).close()
        if isinstance(error, OSError) and error.errno in _TIMED_OUT:
            raise _timed_out(address, timeout, "accept the connection") from error
        raise


def _set_timeouts(sock: socket.socket, seconds: float) -> None:
    """Kernel send and receive timeouts of a blocking socket (0: none); where the system refuses them, none
    (the connection then waits as ``Client`` does)."""
    if sys.platform == "win32":  # a DWORD of milliseconds
        value = struct.pack("@L", int(seconds * 1000))
    else:  # a struct timeval
        whole = int(seconds)
        value = struct.pack("@ll", whole, int((seconds - whole) * 1e6))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    except OSError as error:
        logger.debug("lightboard: GlobalSummaryWriter: no socket timeouts here: %s", error)


def _timed_out(address: Any, timeout: float, what: str) -> TimeoutError:
    return TimeoutError(
        f"GlobalSummaryWriter: process {os.getpid()}: the process that created the writer did not {what} at "
        f"{address!r} within {timeout:g} s (is it stopped, or stuck?)"
    )


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
        """Send ``record`` to the owner; returns once it is in the owner's socket buffer.

        Raises:
            TimeoutError: this process's first connection was not taken by the owner in time (see
                :func:`open_connection`).
        """
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
        """The connection to the owner, opened if needed; None when the owner is gone.

        Raises:
            TimeoutError: the owner did not take the connection within :data:`REPLY_TIMEOUT_S` (the record is
                not sent; the next call tries again).
        """
        if self.pid != os.getpid():  # inherited through fork without the at-fork hook
            self.forget_in_child()
        if self.connection is None and not self.failed and self.address is not None:
            try:
                self.connection = open_connection(self.address, self.authkey, REPLY_TIMEOUT_S)
            except TimeoutError:
                raise
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
