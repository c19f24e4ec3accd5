"""What ``add_scalars`` logged, for ``export_scalars_to_json``, kept on disk instead of in RAM.

tensorboardX keeps every value in a dict for ever (lanpa/tensorboardX#204). Here each value costs 28
bytes in an anonymous temporary file, and memory stays bounded however long the run.
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


class ScalarHistory:
    """An append-only log of ``(writer_dir, walltime, step, value)``, exported as tensorboardX's JSON."""

    def __init__(self) -> None:
        self._keys: dict[str, int] = {}
        self._spill: IO[bytes] | None = None

    def append(self, key: str, walltime: float, step: int | None, value: float) -> None:
        """Record one value of the sub-writer ``key`` (``step=None`` is exported as ``null``)."""
        index = self._keys.setdefault(key, len(self._keys))
        if self._spill is None:
            self._spill = tempfile.TemporaryFile()
            weakref.finalize(self, self._spill.close)
        self._spill.write(_RECORD.pack(index, walltime, _NO_STEP if step is None else step, value))

    def as_dict(self) -> dict[str, list[list[float | int | None]]]:
        """``{writer_dir: [[walltime, step, value], ...]}`` in logging order."""
        result: dict[str, list[list[float | int | None]]] = {key: [] for key in self._keys}
        if self._spill is None:
            return result
        names = list(self._keys)
        self._spill.seek(0)
        data = self._spill.read()
        self._spill.seek(0, os.SEEK_END)
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
        if self._spill is not None:
            self._spill.close()
            self._spill = None
