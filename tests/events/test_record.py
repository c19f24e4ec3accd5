"""TFRecord framing against the published test vectors (tensorboard-format.md §2.3) and TensorBoard's reader."""

from __future__ import annotations

import pytest
from crc32c import crc32c
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as tensorboard_masked_crc

from lightboard.events import record
from lightboard.events.record import RecordError, frame, iter_records
from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import Summary


def test_crc32c_check_values() -> None:
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"abcd") == 0x92C80A31


CRCS = [record.masked_crc32c_python, record.masked_crc32c]  # the Python twin, and what the writer uses


@pytest.mark.parametrize("masked_crc32c", CRCS)
def test_masked_crc_vectors(masked_crc32c: object) -> None:
    assert masked_crc32c(b"") == 0xA282EAD8
    assert masked_crc32c(b"\x1a\x11CRC test, one two") == 0x5794D08A
    assert masked_crc32c(bytes.fromhex("1800000000000000")) == 0x224B7FA3


@pytest.mark.parametrize("masked_crc32c", CRCS)
@pytest.mark.parametrize("data", [b"", b"x", b"hello world" * 100, bytes(range(256))])
def test_masked_crc_matches_tensorboard(data: bytes, masked_crc32c: object) -> None:
    assert masked_crc32c(data) == tensorboard_masked_crc(data)


def test_frame_of_a_scalar_event_is_byte_exact() -> None:
    event = Event(wall_time=1700000000.0, step=1, summary=Summary(value=[Summary.Value(tag="loss", simple_value=0.5)]))
    payload = event.SerializeToString()
    assert payload.hex() == "0900000040fc54d94110012a0d0a0b0a046c6f7373150000003f"
    expected = "1a00000000000000129bd82d" + payload.hex() + "8db02e39"
    assert frame(payload).hex() == expected


def test_iter_records_round_trip_and_partial_tail() -> None:
    payloads = [b"", b"a", b"bc" * 1000]
    data = b"".join(frame(p) for p in payloads)
    assert list(iter_records(data)) == payloads
    assert list(iter_records(data + frame(b"tail")[:-3])) == payloads


def test_iter_records_reports_corruption() -> None:
    data = bytearray(frame(b"payload"))
    data[14] ^= 0xFF
    with pytest.raises(RecordError, match="payload checksum"):
        list(iter_records(bytes(data)))
    data = bytearray(frame(b"payload"))
    data[0] ^= 0x01
    with pytest.raises(RecordError, match="length checksum"):
        list(iter_records(bytes(data)))
