"""Hand-written protobuf wire encoding for the hot paths (scalar and histogram events).

Only what those paths need; each user proves its bytes identical to the protobuf library's in tests.
proto3 rules: a double is omitted when all its bits are zero (so -0.0 is written), an int64 when 0.
"""

from __future__ import annotations

import struct

_WALL = struct.Struct("<Bd")
_NO_WALL = _WALL.pack(0x09, 0.0)
_F32 = struct.Struct("<f")
_POS_INF = _F32.pack(float("inf"))
_NEG_INF = _F32.pack(float("-inf"))
_prefixes: dict[str, bytes] = {}


def varint(value: int) -> bytes:
    """Protobuf varint of an int64 (negative values take ten bytes, as in two's complement)."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def length_delimited(key: int, payload: bytes) -> bytes:
    """Field ``key`` (its one-byte tag: field number << 3 | 2) holding ``payload``."""
    return bytes((key,)) + varint(len(payload)) + payload


def double_field(key: int, value: float) -> bytes:
    """Field ``key`` (its one-byte tag: field number << 3 | 1) holding a double, or nothing if it is +0.0."""
    packed = _WALL.pack(key, value)
    return b"" if packed[1:] == _NO_WALL[1:] else packed


def event_head(wall_time: float, step: int) -> bytes:
    """``Event.wall_time`` and ``Event.step``, the fields that precede ``Event.summary``."""
    head = _WALL.pack(0x09, wall_time)
    if head == _NO_WALL:
        head = b""
    if step:
        head += b"\x10" + (bytes((step,)) if 0 < step < 0x80 else varint(step))
    return head


def summary_event(wall_time: float, step: int, value: bytes) -> bytes:
    """An ``Event`` whose ``summary`` holds the one serialized ``Summary.Value`` ``value``."""
    return event_head(wall_time, step) + length_delimited(0x2A, length_delimited(0x0A, value))


def scalar_event_prefix(tag: str) -> bytes:
    """The bytes of ``Event.summary`` up to the float of a ``simple_value`` under ``tag`` (memoised)."""
    prefix = _prefixes.get(tag)
    if prefix is None:
        raw = tag.encode("utf-8")
        value = (length_delimited(0x0A, raw) if raw else b"") + b"\x15"
        prefix = length_delimited(0x2A, length_delimited(0x0A, value + b"\0\0\0\0"))[:-4]
        if len(_prefixes) < 65536:
            _prefixes[tag] = prefix
    return prefix


def encode_scalar_event(item: tuple) -> bytes:
    """Serialize the deferred event ``(encode_scalar_event, wall_time, step, scalar_event_prefix(tag), value)``.

    ``wall_time`` and ``value`` are Python floats, ``step`` an int64 int. The extension module
    ``lightboard.events._framing`` recognises such tuples and encodes them the same way in C.
    """
    _, wall_time, step, prefix, value = item
    try:
        number = _F32.pack(value)
    except OverflowError:  # beyond float32: the C cast protobuf applies gives +-inf
        number = _POS_INF if value > 0 else _NEG_INF
    return event_head(wall_time, step) + prefix + number
