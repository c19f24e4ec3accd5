"""``projector_config.pbtxt``: reading it, and replacing it (or any file) atomically under a lock, on the local
disk or in object storage.

:func:`config_lock` serializes the updates of one config: the threads of a process with a lock per path, the
processes on one machine (or sharing a local file system with working ``flock``) with an exclusive ``flock`` on
``.projector_config.pbtxt.lock`` beside it, so that two processes logging embeddings into one logdir lose no
entry. Object stores have no lock: there, two processes updating one config at once may still lose an entry.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from lightboard.summaries.embedding_files import METHOD

try:
    import fcntl
except ImportError:  # Windows: threads are still held off
    fcntl = None  # type: ignore[assignment]

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def lock_for(path: str) -> threading.Lock:
    """The lock of ``path`` among this process's threads."""
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


@contextlib.contextmanager
def config_lock(config_path: str, local: bool) -> Iterator[None]:
    """Hold the update of ``config_path`` against this process's other threads and, for a ``local`` path,
    against other processes: an exclusive ``flock`` on the lock file beside it (created if needed, never
    removed: removing it would let two processes lock two different files). Where ``fcntl`` is missing
    (Windows) only threads are held off."""
    with lock_for(config_path):
        if not local or fcntl is None:
            yield
            return
        directory, name = os.path.split(config_path)
        os.makedirs(directory or ".", exist_ok=True)
        descriptor = os.open(os.path.join(directory, f".{name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # released when the descriptor is closed
            yield
        finally:
            os.close(descriptor)


def _reset_locks_in_child() -> None:
    global _locks_guard
    _locks_guard = threading.Lock()
    _locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_in_child)


class LocalFiles:
    """The projector's files on the local disk: replaced atomically (temporary file, fsync, rename)."""

    def read(self, path: str) -> bytes | None:
        """The bytes of ``path``, or None when there is no such file."""
        try:
            with open(path, "rb") as stream:
                return stream.read()
        except FileNotFoundError:
            return None

    def replace(self, path: str, data: bytes) -> None:
        """Make ``path`` hold ``data`` (its directory created if needed)."""
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        replace_file(path, data)

    def remove(self, path: str) -> None:
        """Remove ``path`` if it exists."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


class RemoteFiles:
    """The projector's files in object storage (any fsspec URL): each object is replaced whole in one request."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        from lightboard.urls import filesystem

        self._fs = filesystem(url, f"add_embedding to {url}", storage_options)[0]

    def read(self, path: str) -> bytes | None:
        """The bytes of object ``path``, or None when there is none."""
        try:
            return self._fs.cat_file(path)
        except FileNotFoundError:
            return None

    def replace(self, path: str, data: bytes) -> None:
        """Make object ``path`` hold ``data``."""
        self._fs.pipe_file(path, data)

    def remove(self, path: str) -> None:
        """Remove object ``path`` if it exists."""
        with contextlib.suppress(FileNotFoundError):
            self._fs.rm_file(path)


def replace_file(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same directory, fsynced, then renamed."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_config(path: str, files: LocalFiles | RemoteFiles) -> Any:
    """The ``ProjectorConfig`` in ``path`` (empty if there is no file).

    Raises:
        ValueError: the file exists but is not a valid text-format ProjectorConfig (it is left untouched).
    """
    from google.protobuf import text_format

    from lightboard.proto.projector_pb2 import ProjectorConfig

    config = ProjectorConfig()
    data = files.read(path)
    if data is None:
        return config
    try:
        text_format.Parse(data.decode("utf-8"), config)
    except (text_format.ParseError, UnicodeDecodeError) as error:
        raise ValueError(f"{METHOD}: {path} is not a valid projector config ({error}); fix or remove it") from error
    return config


def write_config(path: str, config: Any, entry: Any, files: LocalFiles | RemoteFiles) -> None:
    """Write ``config`` to ``path`` with ``entry`` in place of the entries of the same name or tensor path.

    ``entry`` goes where the first such entry was (or last, if there is none); the other entries are kept
    in order.
    """
    from google.protobuf import text_format

    entries = list(config.embeddings)
    same = [
        i
        for i, old in enumerate(entries)
        if old.tensor_name == entry.tensor_name or old.tensor_path == entry.tensor_path
    ]
    kept = [old for i, old in enumerate(entries) if i not in same]
    kept.insert(same[0] if same else len(kept), entry)  # entries before the first match are all kept
    updated = type(config)()
    updated.CopyFrom(config)
    updated.ClearField("embeddings")
    updated.embeddings.extend(kept)
    files.replace(path, text_format.MessageToString(updated).encode("utf-8"))
