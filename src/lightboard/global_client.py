"""The other processes' side of :class:`~lightboard.global_writer.GlobalSummaryWriter`.

Holds :class:`_Client`, a process's connection to the owner (see :mod:`lightboard.global_server`),
opened on first use and again after a fork, and :data:`REPLY_TIMEOUT_S`.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from multiprocessing.connection import Client, Connection
from typing import Any

from lightboard.global_server import _FLUSH

logger = logging.getLogger("lightboard.global_writer")  # the logger's name from before the split

REPLY_TIMEOUT_S = 60.0
"""Longest wait of a child for the owner to acknowledge its connection or a flush."""


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
