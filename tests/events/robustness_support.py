"""Helpers shared by the robustness tests: a strict TFRecord reader, event decoding and child processes.

The reader here is deliberately independent of lightboard's own framing code: it checks both masked
CRC-32C checksums of every record with the ``crc32c`` package and decodes payloads with TensorBoard's
copy of the ``Event`` proto, so a bug in lightboard's encoder cannot hide behind the same bug in its reader.
"""

from __future__ import annotations

import glob
import os
import struct
import subprocess
import sys
from typing import NamedTuple

from crc32c import crc32c
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.compat.proto.event_pb2 import Event

EVENT_GLOB = "events.out.tfevents.*"
FILE_VERSION = "brain.Event:2"
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")


def masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC-32C of ``data`` (rotate right 15 bits, add 0xA282EAD8)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class Records(NamedTuple):
    """The complete records of an event file and the bytes of a partial record after them (if any)."""

    payloads: list[bytes]
    tail: bytes


def read_records(path: str | os.PathLike[str]) -> Records:
    """Parse ``path`` as TFRecords, checking both checksums of every record.

    A checksum mismatch fails the test (``AssertionError``). Bytes after the last complete record are
    returned as ``tail``; they are checked to be a plausible *prefix* of one record (a torn final write),
    not garbage: if the 12-byte length header is complete, its checksum must hold and the length must
    reach past the end of the file.
    """
    with open(path, "rb") as stream:
        data = stream.read()
    payloads: list[bytes] = []
    offset, end = 0, len(data)
    while end - offset >= 12:
        length_bytes = data[offset : offset + 8]
        assert _U32.unpack_from(data, offset + 8)[0] == masked_crc(length_bytes), (
            f"{path}: length checksum mismatch at offset {offset}"
        )
        (length,) = _U64.unpack(length_bytes)
        stop = offset + 12 + length
        if stop + 4 > end:
            break
        payload = data[offset + 12 : stop]
        assert _U32.unpack_from(data, stop)[0] == masked_crc(payload), (
            f"{path}: payload checksum mismatch in the record at offset {offset}"
        )
        payloads.append(payload)
        offset = stop + 4
    return Records(payloads, data[offset:])


def strict_events(path: str | os.PathLike[str], allow_partial_tail: bool = False) -> list[Event]:
    """Every event of ``path``, read by :func:`read_records`; a partial final record fails unless allowed."""
    records = read_records(path)
    if not allow_partial_tail:
        assert records.tail == b"", f"{path}: {len(records.tail)} bytes of a partial record at the end"
    events = [Event.FromString(payload) for payload in records.payloads]
    assert events, f"{path}: no records at all"
    assert events[0].file_version == FILE_VERSION, f"{path}: first record is not the file_version event"
    return events


def tensorboard_events(path: str | os.PathLike[str]) -> list[Event]:
    """Every event TensorBoard's own ``EventFileLoader`` reads from ``path`` (it must not raise)."""
    return list(EventFileLoader(os.fspath(path)).Load())


def event_files(logdir: str | os.PathLike[str]) -> list[str]:
    """The event files directly in ``logdir``, sorted by name."""
    return sorted(glob.glob(os.path.join(glob.escape(os.fspath(logdir)), EVENT_GLOB)))


def only_event_file(logdir: str | os.PathLike[str]) -> str:
    """The single event file in ``logdir`` (fails the test if there are none or several)."""
    files = event_files(logdir)
    assert len(files) == 1, f"expected one event file in {logdir}, found {files}"
    return files[0]


def scalars(events: list[Event], tag: str | None = None) -> list[tuple[int, float]]:
    """``(step, simple_value)`` of every scalar value (with ``tag``, if given) in ``events``, in order."""
    return [
        (event.step, value.simple_value)
        for event in events
        for value in event.summary.value
        if (tag is None or value.tag == tag) and value.WhichOneof("value") == "simple_value"
    ]


def scalar_tags(events: list[Event]) -> set[str]:
    """The tags of every summary value in ``events``."""
    return {value.tag for event in events for value in event.summary.value}


def run_python(code: str, *args: str, timeout: float = 30, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (``sys.executable -c``) with ``args``; never waits past ``timeout``."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def open_fds_to(path: str | os.PathLike[str]) -> list[str]:
    """Descriptors of this process open on ``path`` (Linux ``/proc``; empty elsewhere)."""
    target = os.path.realpath(path)
    fds = []
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    for name in names:
        try:
            if os.readlink(f"/proc/self/fd/{name}") in (target, target + " (deleted)"):
                fds.append(name)
        except OSError:
            continue
    return fds


def value_of(step: int) -> float:
    """A float32-exact value for ``step`` (so read-back values compare with ``==``)."""
    return (step % 4096) * 0.25
