"""The hand-written scalar Event encoder is byte-identical to the protobuf library's serialization."""

from __future__ import annotations

import math
import struct

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lightboard.events.wire import varint
from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import Summary
from lightboard.summaries import scalar


def _library_bytes(wall_time: float, step: int, tag: str, value: float) -> bytes:
    event = Event(wall_time=wall_time, step=step, summary=Summary(value=[Summary.Value(tag=tag, simple_value=value)]))
    return event.SerializeToString()


@settings(max_examples=3000, deadline=None)
@given(
    wall_time=st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, 1.7e9]),
    step=st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1) | st.integers(0, 300),
    tag=st.text(max_size=300),
    value=st.floats(width=64),
)
@example(wall_time=0.0, step=0, tag="", value=0.0)
@example(wall_time=-0.0, step=-1, tag="a" * 200, value=-0.0)
@example(wall_time=1.0, step=127, tag="x", value=3.5e38)
@example(wall_time=1.0, step=128, tag="x", value=-1e300)
def test_encoder_matches_protobuf(wall_time: float, step: int, tag: str, value: float) -> None:
    mine = scalar.encode_event((scalar.encode_event, wall_time, step, scalar.event_prefix(tag), value))
    assert mine == _library_bytes(wall_time, step, tag, value)


def test_nan_and_inf_are_kept() -> None:
    for value in (math.nan, math.inf, -math.inf):
        payload = scalar.encode_event((scalar.encode_event, 1.0, 3, scalar.event_prefix("t"), value))
        stored = Event.FromString(payload).summary.value[0].simple_value
        assert struct.pack("<f", stored) == struct.pack("<f", value) or (math.isnan(stored) and math.isnan(value))


def test_varint_matches_protobuf_for_edges() -> None:
    for step in (1, 127, 128, 16383, 16384, (1 << 63) - 1, -1, -(1 << 63)):
        assert Event.FromString(b"\x10" + varint(step)).step == step
