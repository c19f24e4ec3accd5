"""The reader's scan of event-file bytes: TFRecord frames → Events → scalar columns and other values.

:class:`Scanner` comes from the C extension ``lightboard.reader._scan`` when it was built, else it is
:class:`PythonScanner`, the pure-Python twin defined here (``LIGHTBOARD_PURE_PYTHON=1`` forces it).
Both behave identically; tests feed both the same valid, damaged and random bytes and compare.

A scanner belongs to one run. ``feed(data)`` consumes the complete records in ``data`` and returns
``(offset, state, bad_crc, malformed, others)``:

* ``offset``: where the next feed must resume (the start of the first record not consumed);
* ``state``: :data:`COMPLETE`, :data:`PARTIAL` (a record starts at ``offset`` but is not complete yet:
  wait for more bytes) or :data:`BROKEN` (the length checksum at ``offset`` does not match; nothing
  after it can be trusted);
* ``bad_crc`` / ``malformed``: offsets of records skipped for a payload checksum mismatch / for a
  payload that is not a well-formed Event;
* ``others``: ``(tag or None, step, wall_time, field, payload)`` for everything that is not a scalar
  point: field 5 is a serialized ``Summary.Value``; other numbers are the ``Event`` field of a
  non-summary event (4 ``graph_def``, 6 ``log_message``, 7 ``session_log``, 8 ``tagged_run_metadata``,
  9 ``meta_graph_def``).

Scalar points (``simple_value``, or a one-element DT_FLOAT / DT_DOUBLE / DT_HALF / DT_BFLOAT16 tensor of a
tag whose first metadata names the ``scalars`` plugin or ``DATA_CLASS_SCALAR``) go to per-tag columns
instead; ``take()`` hands them over as ``{tag: (steps, wall_times, values, values_are_double)}``, four
buffers for :func:`numpy.frombuffer` (int64, float64, float32 or float64). A tag's kind is decided by its
first ``SummaryMetadata`` (TensorBoard's first-value rule), else by its first value. ``tags()`` returns
``{tag: (is_scalar, first metadata bytes or None)}``.
"""

from __future__ import annotations

import math
import struct
from array import array
from typing import Any

from lightboard.crc import masked_crc32c_python
from lightboard.optional import extension

COMPLETE, PARTIAL, BROKEN = 0, 1, 2
"""The ``state`` of a feed: every record consumed; a partial record at the offset; a broken length checksum."""

_UNSET, _SCALAR, _OTHER = 0, 1, 2
_DT_FLOAT, _DT_DOUBLE, _DT_BFLOAT16, _DT_HALF = 1, 2, 14, 19
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


class Malformed(Exception):
    """Bytes that are not well-formed protobuf (internal to the scan)."""


def _varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while shift < 70:
        if pos >= end:
            raise Malformed
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
    raise Malformed


def _fields(data: bytes, pos: int, end: int) -> Any:
    """Yield ``(field, wire, number, start, stop)`` for each field in ``data[pos:end]``; raise Malformed."""
    while pos < end:
        key, pos = _varint(data, pos, end)
        field, wire = key >> 3, key & 7
        if field == 0 or field > 0x1FFFFFFF:
            raise Malformed
        number = 0
        if wire == 0:
            number, pos = _varint(data, pos, end)
            start = stop = pos
        elif wire in (1, 5):
            start, stop = pos, pos + (8 if wire == 1 else 4)
            if stop > end:
                raise Malformed
        elif wire == 2:
            length, start = _varint(data, pos, end)
            stop = start + length
            if stop > end:
                raise Malformed
        else:
            raise Malformed
        pos = stop
        yield field, wire, number, start, stop


def _well_formed(data: bytes, start: int, stop: int) -> bool:
    try:
        for _ in _fields(data, start, stop):
            pass
    except Malformed:
        return False
    return True


def _half(bits: int) -> float:
    sign, exponent, mantissa = (bits >> 15) & 1, (bits >> 10) & 0x1F, bits & 0x3FF
    if exponent == 0:
        value = math.ldexp(mantissa, -24)
    elif exponent == 31:
        value = math.nan if mantissa else math.inf
    else:
        value = math.ldexp(mantissa | 0x400, exponent - 25)
    return -value if sign else value


def _float_bits(bits: int) -> float:
    return _F32.unpack(_U32.pack(bits & 0xFFFFFFFF))[0]


def tensor_scalar(data: bytes, start: int, stop: int) -> tuple[float, bool] | None:
    """``(value, is_double)`` of a one-element floating-point TensorProto in ``data[start:stop]``, else None."""
    dtype, elements, content = 0, 1, None
    floats: list[int] = []
    doubles: list[int] = []
    halves: list[int] = []
    try:
        for field, wire, number, begin, end in _fields(data, start, stop):
            if field == 1 and wire == 0:
                dtype = number
            elif field == 2 and wire == 2:
                for f, w, n, dim_start, dim_stop in _fields(data, begin, end):
                    if f == 3 and w == 0 and n:
                        return None
                    if f != 2 or w != 2:
                        continue
                    extent = 0
                    for g, w2, n2, _, _ in _fields(data, dim_start, dim_stop):
                        if g == 1 and w2 == 0:
                            extent = n2
                    elements *= extent
            elif field == 4 and wire == 2:
                content = (begin, end)
            elif field == 5 and wire in (5, 2) and (end - begin) % 4 == 0 and end > begin:
                floats.extend(range(begin, end, 4))
            elif field == 6 and wire in (1, 2) and (end - begin) % 8 == 0 and end > begin:
                doubles.extend(range(begin, end, 8))
            elif field == 13 and wire == 0:
                halves.append(number)
            elif field == 13 and wire == 2:
                pos = begin
                while pos < end:
                    bits, pos = _varint(data, pos, end)
                    halves.append(bits)
    except Malformed:
        return None
    if elements & 0xFFFFFFFFFFFFFFFF != 1:
        return None
    if dtype == _DT_FLOAT:
        if (content[1] - content[0] != 4) if content else len(floats) != 1:
            return None
        return _F32.unpack_from(data, content[0] if content else floats[-1])[0], False
    if dtype == _DT_DOUBLE:
        if (content[1] - content[0] != 8) if content else len(doubles) != 1:
            return None
        return _F64.unpack_from(data, content[0] if content else doubles[-1])[0], True
    if dtype in (_DT_HALF, _DT_BFLOAT16):
        if (content[1] - content[0] != 2) if content else len(halves) != 1:
            return None
        bits = data[content[0]] | data[content[0] + 1] << 8 if content else halves[-1] & 0xFFFF
        return (_half(bits) if dtype == _DT_HALF else _float_bits(bits << 16)), False
    return None


def metadata_kind(data: bytes, start: int, stop: int) -> int:
    """Whether a SummaryMetadata names the scalars plugin / DATA_CLASS_SCALAR, another kind, or neither."""
    kind = _UNSET
    try:
        for field, wire, number, begin, end in _fields(data, start, stop):
            if field == 4 and wire == 0 and number:
                return _SCALAR if number == 1 else _OTHER
            if field == 1 and wire == 2:
                for f, w, _, name_start, name_stop in _fields(data, begin, end):
                    if f == 1 and w == 2:
                        name = data[name_start:name_stop]
                        kind = _UNSET if not name else _SCALAR if name == b"scalars" else _OTHER
    except Malformed:
        pass
    return kind


class _Series:
    __slots__ = ("kind", "metadata", "steps", "tag", "values", "walls")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.metadata: bytes | None = None
        self.kind = _UNSET
        self.steps = array("q")
        self.walls = array("d")
        self.values = array("f")

    def append(self, step: int, wall: float, value: float, is_double: bool) -> None:
        if is_double and self.values.typecode == "f" and value == value and array("f", (value,))[0] != value:
            self.values = array("d", self.values)
        self.steps.append(step)
        self.walls.append(wall)
        self.values.append(value)


class PythonScanner:
    """Pure-Python twin of the C ``Scanner``: same arguments, same results (see the module docstring)."""

    def __init__(self) -> None:
        self._series: dict[bytes, _Series] = {}

    def _get(self, key: bytes) -> _Series:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series(key.decode("utf-8", "replace"))
        return series

    def feed(self, data: Any) -> tuple[int, int, list[int], list[int], list[tuple]]:
        """Scan the complete records in ``data``; see the module docstring for the result."""
        data = bytes(data)
        offset, length, state = 0, len(data), COMPLETE
        bad_crc: list[int] = []
        malformed: list[int] = []
        others: list[tuple] = []
        while offset < length:
            left = length - offset
            if left < 12:
                state = PARTIAL
                break
            if _U32.unpack_from(data, offset + 8)[0] != masked_crc32c_python(data[offset : offset + 8]):
                state = BROKEN
                break
            (size,) = _U64.unpack_from(data, offset)
            if left < 16 or size > left - 16:
                state = PARTIAL
                break
            payload_end = offset + 12 + size
            if _U32.unpack_from(data, payload_end)[0] != masked_crc32c_python(data[offset + 12 : payload_end]):
                bad_crc.append(offset)
            elif not self._plain_scalar(data, offset + 12, payload_end) and not self._event(
                data, offset + 12, payload_end, others
            ):
                malformed.append(offset)
            offset = payload_end + 4
        return offset, state, bad_crc, malformed, others

    def _plain_scalar(self, data: bytes, start: int, stop: int) -> bool:
        """The C scan's fast path for the common scalar layout (see ``scan_plain_scalar`` there)."""
        if stop - start < 20 or data[start] != 0x09:
            return False
        pos, step = start + 9, 0
        if data[pos] == 0x10:
            try:
                step, pos = _varint(data, pos + 1, stop)
            except Malformed:
                return False
        if stop - pos < 4 or data[pos] != 0x2A or data[pos + 1] > 0x7F or data[pos + 3] > 0x7F:
            return False
        if data[pos + 1] != stop - pos - 2 or data[pos + 2] != 0x0A or data[pos + 3] != stop - pos - 4:
            return False
        value = pos + 4
        size = data[value + 1]
        if data[value] != 0x0A or size > 0x7F or stop - value != size + 7 or data[value + 2 + size] != 0x15:
            return False
        series = self._get(data[value + 2 : value + 2 + size])
        if series.kind == _UNSET:
            series.kind = _SCALAR
        wall = _F64.unpack_from(data, start + 1)[0]
        series.append(step - (1 << 64) if step >= 1 << 63 else step, wall, _F32.unpack_from(data, stop - 4)[0], False)
        return True

    def _event(self, data: bytes, start: int, stop: int, others: list[tuple]) -> bool:
        wall_bits = step = 0
        summaries: list[tuple[int, int]] = []
        other = None
        try:
            for field, wire, number, begin, end in _fields(data, start, stop):
                if field == 1 and wire == 1:
                    (wall_bits,) = _U64.unpack_from(data, begin)
                elif field == 2 and wire == 0:
                    step = number
                elif field == 5 and wire == 2:
                    for f, w, _, value_start, value_stop in _fields(data, begin, end):
                        if f == 1 and w == 2 and not _well_formed(data, value_start, value_stop):
                            return False
                    summaries.append((begin, end))
                elif 4 <= field <= 9 and wire == 2:
                    other = (field, begin, end)
        except Malformed:
            return False
        wall = _F64.unpack(_U64.pack(wall_bits))[0]
        signed_step = step - (1 << 64) if step >= 1 << 63 else step
        if other is not None:
            others.append((None, signed_step, wall, other[0], data[other[1] : other[2]]))
        for begin, end in summaries:
            for f, w, _, value_start, value_stop in _fields(data, begin, end):
                if f == 1 and w == 2:
                    self._value(data, value_start, value_stop, signed_step, wall, others)
        return True

    def _value(self, data: bytes, start: int, stop: int, step: int, wall: float, others: list[tuple]) -> None:
        tag = node = meta = tensor = None
        simple: float | None = None
        for field, wire, _, begin, end in _fields(data, start, stop):
            if field == 1 and wire == 2:
                tag = data[begin:end]
            elif field == 7 and wire == 2:
                node = data[begin:end]
            elif field == 9 and wire == 2:
                meta = (begin, end)
            elif field == 2 and wire == 5:
                simple = _F32.unpack_from(data, begin)[0]
            elif field == 8 and wire == 2:
                tensor, simple = (begin, end), None
            elif field in (3, 4, 5, 6) and wire == 2:
                simple = None
        if not tag and node is not None:
            tag = node
        series = self._get(tag or b"")
        if meta is not None and series.metadata is None:
            series.metadata = data[meta[0] : meta[1]]
            if series.kind == _UNSET:
                series.kind = metadata_kind(data, *meta)
        if series.kind == _UNSET:
            series.kind = _SCALAR if simple is not None else _OTHER
        if simple is not None:
            series.append(step, wall, simple, False)
            return
        if tensor is not None and series.kind == _SCALAR:
            scalar = tensor_scalar(data, *tensor)
            if scalar is not None:
                series.append(step, wall, scalar[0], scalar[1])
                return
        others.append((series.tag, step, wall, 5, data[start:stop]))

    def take(self) -> dict[str, tuple[Any, Any, Any, bool]]:
        """Hand over the scalar points scanned since the last take: ``{tag: (steps, walls, values, double)}``."""
        taken = {}
        for series in self._series.values():
            if series.steps:
                double = series.values.typecode == "d"
                taken[series.tag] = (series.steps, series.walls, series.values, double)
                series.steps, series.walls, series.values = array("q"), array("d"), array("f")
        return taken

    def tags(self) -> dict[str, tuple[bool, bytes | None]]:
        """Every tag seen: ``{tag: (is_scalar, first SummaryMetadata bytes or None)}``."""
        return {series.tag: (series.kind == _SCALAR, series.metadata) for series in self._series.values()}


_C_SCAN = extension("lightboard.reader._scan")
Scanner: Any = _C_SCAN.Scanner if _C_SCAN else PythonScanner
USING_EXTENSION = Scanner is not PythonScanner
"""Whether the C extension scans (False: the pure-Python twin does)."""
