"""Natural order of run and tag names, as TensorBoard sorts them: runs of digits compare as numbers, so
``metric2`` comes before ``metric10``."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_PIECES = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=1 << 16)
def natural_key(name: str) -> tuple:
    """A sort key: ``name`` cut into text and numbers (``"a10b"`` → ``("a", 10, "b")``); text and numbers
    alternate, so keys compare piece by piece."""
    return tuple(int(piece) if i % 2 else piece for i, piece in enumerate(_PIECES.split(name)))


def natural(names: Iterable[str]) -> list[str]:
    """``names`` in natural order."""
    return sorted(names, key=natural_key)
