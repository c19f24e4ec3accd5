"""What ``add_scalars`` logged, for ``export_scalars_to_json``, kept on disk instead of in RAM.

tensorboardX keeps every value in a dict for ever (lanpa/tensorboardX#204). Here each value costs 28
bytes in an anonymous temporary file (written 64 KiB at a time), and memory stays bounded however long
the run.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import weakref
from typing import IO

_RECORD = struct.Struct("<Idqd")
_NO_STEP = -(1 << 63)
_SPILL_AT = 1 << 16
_histories: weakref.WeakSet[ScalarHistory] = weakref.WeakSet()


class ScalarHistory:
    """An append-only log of ``(writer_dir, walltime, step, value)``, exported as tensorboardX's JSON.

    A forked child starts with an empty log of its own and never touches its parent's file.
    """

    def __init__(self) -> None:
        self._keys: dict[str, int] = {}
        self._buffer = bytearray()
        self._spill: IO[bytes] | None = None  # unbuffered: nothing of ours is ever flushed behind our back
        _histories.add(self)

    def append(self, key: str, walltime: float, step: int | None, value: float) -> None:
        """Record one value of the sub-writer ``key`` (``step=None`` is exported as ``null``)."""
        index = self._keys.setdefault(key, len(self._keys))
        self._buffer += _RECORD.pack(index, walltime, _NO_STEP if step is None else step, value)
        if len(self._buffer) >= _SPILL_AT:
            if self._spill is None:
                self._spill = tempfile.TemporaryFile(buffering=0)
            self._spill.write(self._buffer)
            self._buffer.clear()

    def as_dict(self) -> dict[str, list[list[float | int | None]]]:
        """``{writer_dir: [[walltime, step, value], ...]}`` in logging order."""
        result: dict[str, list[list[float | int | None]]] = {key: [] for key in self._keys}
        names = list(self._keys)
        data = bytes(self._buffer)
        if self._spill is not None:
            fd = self._spill.fileno()
            data = os.pread(fd, os.fstat(fd).st_size, 0) + data
        for index, walltime, step, value in _RECORD.iter_unpack(data):
            result[names[index]].append([walltime, None if step == _NO_STEP else step, value])
        return result

    def export(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`as_dict` as JSON to ``path`` and start afresh."""
        with open(path, "w", encoding="utf-8") as out:
            json.dump(self.as_dict(), out)
        self.clear()

    def clear(self) -> None:
        """Forget everything recorded."""
        self._keys.clear()
        self._buffer.clear()
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def _forget_parent(self) -> None:
        """In a forked child: close our copy of the parent's file descriptor and start empty."""
        self.clear()


def _after_fork_in_child() -> None:
    for history in list(_histories):
        history._forget_parent()


os.register_at_fork(after_in_child=_after_fork_in_child)
