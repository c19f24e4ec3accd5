"""TFRecord framing of event files: little-endian lengths and masked CRC-32C checksums.

Each record is ``u64 length | u32 masked_crc(length bytes) | payload | u32 masked_crc(payload)``,
all little-endian (tensorboard-format.md §2).

:func:`frame_batch` frames what the writer thread takes off a queue, and :func:`masked_crc32c` is the
checksum. Both come from the C extension ``lightboard.events._framing`` when that was built, else from
their pure-Python twins :func:`frame_batch_python` and :func:`lightboard.crc.masked_crc32c_python`; the
environment variable ``LIGHTBOARD_PURE_PYTHON=1`` forces the twins. Tests prove both produce the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import Any

from lightboard import crc
from lightboard.crc import masked_crc32c_python
from lightboard.optional import extension

U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_HEADER_CACHE: dict[int, bytes] = {}



masked_crc32c = masked_crc32c_python


def record_header(length: int) -> bytes:
    """The 12 bytes that precede a payload of ``length`` bytes (memoised: lengths repeat)."""
    header = _HEADER_CACHE.get(length)
    if header is None:
        length_bytes = _U64.pack(length)
        header = length_bytes + U32.pack(masked_crc32c(length_bytes))
        if len(_HEADER_CACHE) < 4096:
            _HEADER_CACHE[length] = header
    return header


def frame(payload: bytes) -> bytes:
    """Return ``payload`` framed as one TFRecord."""
    return frame_batch([payload], None)[0]


def frame_batch_python(
    items: list[Any], scalar_encoder: Callable[[Any], bytes] | None
) -> tuple[bytes, Exception | None]:
    """Frame queued events: bytes (serialized Events) or tuples ``(encode, ...)`` serialized by ``encode(tuple)``.

    Returns the frames and the first exception an encoder raised (its event is skipped, the others kept).
    ``scalar_encoder`` names the encoder the C twin serializes itself; here it is called like any other.
    """
    frames = []
    append = frames.append
    pack = U32.pack
    headers = _HEADER_CACHE
    failure: Exception | None = None
    for event in items:
        if type(event) is not bytes:
            try:
                if not isinstance(event, tuple) or not event:
                    raise TypeError(
                        f"a queued event must be bytes or a tuple (encode, ...), got {type(event).__name__}"
                    )
                event = event[0](event)
                if not isinstance(event, bytes):
                    raise TypeError("a deferred event's encoder must return bytes")
            except Exception as error:  # noqa: BLE001 - a bad deferred event must not stop the others
                failure = failure or error
                continue
        length = len(event)
        append(headers.get(length) or record_header(length))
        append(event)
        append(pack(masked_crc32c_python(event)))
    return b"".join(frames), failure


def _use_extension() -> bool:
    """Bind :func:`frame_batch` and :func:`masked_crc32c` to the C extension if it is built and allowed."""
    global frame_batch, masked_crc32c
    framing = extension("lightboard.events._framing")
    if framing is not None:
        frame_batch, masked_crc32c = framing.frame_batch, framing.masked_crc32c
        return True
    crc.load()  # the twins need it on every record: import it now
    return False


frame_batch = frame_batch_python
USING_EXTENSION = _use_extension()
"""Whether the C extension frames records (False: the pure-Python twins do)."""


class RecordError(ValueError):
    """A record whose length or payload checksum does not match."""


def iter_records(data: bytes) -> Iterator[bytes]:
    """Yield the payloads of the complete records in ``data``, checking both checksums.

    A partial record at the end (a file still being written) ends the iteration quietly;
    a checksum mismatch raises :class:`RecordError` naming the offset.
    """
    offset, end = 0, len(data)
    while end - offset >= 12:
        length_bytes = data[offset : offset + 8]
        if U32.unpack_from(data, offset + 8)[0] != masked_crc32c(length_bytes):
            raise RecordError(f"length checksum mismatch at offset {offset}")
        (length,) = _U64.unpack(length_bytes)
        stop = offset + 12 + length
        if stop + 4 > end:
            return
        payload = data[offset + 12 : stop]
        if U32.unpack_from(data, stop)[0] != masked_crc32c(payload):
            raise RecordError(f"payload checksum mismatch in the record at offset {offset}")
        yield payload
        offset = stop + 4
