"""The masked CRC-32C of TFRecord framing, which both the writer's pipeline and the reader check.

TFRecord stores the CRC-32C of a record's length bytes and of its payload rotated right by 15 bits plus
0xA282EAD8 (tensorboard-format.md §2). This is the pure-Python form (the ``crc32c`` package, imported on first
use); the writer and the reader each have a C twin of it in their extension.
"""

from __future__ import annotations

from collections.abc import Callable

MASK_DELTA = 0xA282EAD8

_crc32c: Callable[[bytes], int] | None = None


def masked_crc32c_python(data: bytes) -> int:
    """Return the CRC-32C of ``data``, rotated right by 15 bits plus 0xA282EAD8, as TFRecord stores it."""
    global _crc32c
    if _crc32c is None:
        from crc32c import crc32c as _crc32c
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def load() -> None:
    """Import the ``crc32c`` package now rather than at the first checksum."""
    masked_crc32c_python(b"")
