"""``projector_config.pbtxt``: reading it, and replacing it (or any file) atomically under a per-path lock."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from lightboard.summaries.embedding_files import METHOD

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def lock_for(path: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def _reset_locks_in_child() -> None:
    global _locks_guard
    _locks_guard = threading.Lock()
    _locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_in_child)


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


def read_config(path: str) -> Any:
    """The ``ProjectorConfig`` in ``path`` (empty if there is no file).

    Raises:
        ValueError: the file exists but is not a valid text-format ProjectorConfig (it is left untouched).
    """
    from google.protobuf import text_format

    from lightboard.proto.projector_pb2 import ProjectorConfig

    config = ProjectorConfig()
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        return config
    try:
        text_format.Parse(text, config)
    except (text_format.ParseError, UnicodeDecodeError) as error:
        raise ValueError(f"{METHOD}: {path} is not a valid projector config ({error}); fix or remove it") from error
    return config


def write_config(path: str, config: Any, entry: Any) -> None:
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
    replace_file(path, text_format.MessageToString(updated).encode("utf-8"))
