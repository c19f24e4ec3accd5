"""Event payloads covering every branch of the reader's scan, for the differential and fuzz tests."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from lightboard import SummaryWriter
from lightboard.events.record import iter_records
from lightboard.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto

FIXTURES = Path(__file__).parent / "fixtures"

SCALARS = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
BY_CLASS = SummaryMetadata(data_class=DataClass.DATA_CLASS_SCALAR)


def shape(*dims: int) -> TensorShapeProto:
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in dims])


def event(step: int, *values: Summary.Value, wall_time: float = 1.5) -> bytes:
    return Event(wall_time=wall_time, step=step, summary=Summary(value=list(values))).SerializeToString()


def raw_scalar(tag: bytes, value: float) -> bytes:
    """A scalar event built byte by byte (protobuf refuses tags that are not UTF-8)."""
    summary_value = b"\x0a" + bytes([len(tag)]) + tag + b"\x15" + struct.pack("<f", value)
    summary = b"\x0a" + bytes([len(summary_value)]) + summary_value
    return b"\x2a" + bytes([len(summary)]) + summary


def hand_made() -> list[bytes]:
    """Events that exercise the scan's rarer rules, each on purpose."""
    half = struct.unpack("<H", np.float16(1.5).tobytes())[0]
    bfloat = struct.unpack("<I", np.float32(2.5).tobytes())[0] >> 16
    v = Summary.Value
    return [
        event(0, v(tag="t/float", metadata=SCALARS, tensor=TensorProto(dtype=1, float_val=[0.25]))),
        event(1, v(tag="t/float", tensor=TensorProto(dtype=1, tensor_content=np.float32(0.5).tobytes()))),
        event(0, v(tag="t/double", metadata=SCALARS, tensor=TensorProto(dtype=2, double_val=[0.1]))),
        event(1, v(tag="t/double", tensor=TensorProto(dtype=2, tensor_content=np.float64(1e300).tobytes()))),
        event(0, v(tag="t/half", metadata=BY_CLASS, tensor=TensorProto(dtype=19, half_val=[half]))),
        event(1, v(tag="t/half", tensor=TensorProto(dtype=19, tensor_content=np.float16(-2).tobytes()))),
        event(0, v(tag="t/bf16", metadata=SCALARS, tensor=TensorProto(dtype=14, half_val=[bfloat]))),
        event(0, v(tag="t/shape11", metadata=SCALARS, tensor=TensorProto(dtype=1, tensor_shape=shape(1, 1),
                                                                           float_val=[3.0]))),
        event(0, v(tag="t/vector", metadata=SCALARS, tensor=TensorProto(dtype=1, tensor_shape=shape(2),
                                                                          float_val=[1, 2]))),
        event(0, v(tag="t/int", metadata=SCALARS, tensor=TensorProto(dtype=3, int_val=[7]))),
        event(0, v(tag="t/two", metadata=SCALARS, tensor=TensorProto(dtype=1, float_val=[1, 2]))),
        event(0, v(node_name="t/node", simple_value=4.0)),
        event(-5, v(tag="t/negative", simple_value=-1.0)),
        event(2**62, v(tag="t/big", simple_value=1.0), v(tag="t/big2", simple_value=2.0), wall_time=float("nan")),
        event(3, v(tag="t/first", simple_value=1.0, metadata=SummaryMetadata(display_name="First"))),
        event(4, v(tag="t/text", metadata=SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text")),
                   tensor=TensorProto(dtype=7, string_val=[b"hi"]))),
        event(5, v(tag="t/text", tensor=TensorProto(dtype=1, float_val=[9.0]))),  # a text tag stays text
        raw_scalar(b"t/\xff-not-utf8", 1.0),
        Event(step=7, graph_def=b"\x0a\x03abc").SerializeToString(),
        Event(step=8, session_log=SessionLog(status=SessionLog.START)).SerializeToString(),
        Event(step=9, tagged_run_metadata=TaggedRunMetadata(tag="rm", run_metadata=b"x")).SerializeToString(),
        Event(file_version="brain.Event:2").SerializeToString(),
        b"",  # an empty Event
        b"\x08\x01",  # field 1 with the wrong wire type: skipped as unknown
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # an over-long varint: malformed
        b"\x2a\x05\x0a\x03\x0a\x01",  # a value that runs past its summary: malformed
    ]


def written_by_lightboard(directory: Path) -> list[bytes]:
    """Payloads of a file lightboard's writer made with most kinds."""
    rng = np.random.default_rng(0)
    with SummaryWriter(str(directory)) as writer:
        for step in range(3):
            writer.add_scalar("loss", float(rng.normal()), step)
            writer.add_scalar("nan", float("nan"), step)
            writer.add_scalar("new", 1.0 + step, step, new_style=True)
            writer.add_histogram("weights", rng.normal(size=100), step)
            writer.add_image("image", rng.random((3, 4, 5)), step)
            writer.add_text("note", f"step {step}", step)
            writer.add_pr_curve("pr", rng.integers(0, 2, 20), rng.random(20), step, num_thresholds=5)
            writer.add_audio("sound", rng.uniform(-1, 1, 50), step, sample_rate=800)
        writer.add_hparams({"lr": 0.1}, {"hp/metric": 1.0})
    payloads = []
    for path in sorted(directory.rglob("*tfevents*")):
        payloads.extend(iter_records(path.read_bytes()))
    return payloads


def from_fixtures() -> list[bytes]:
    """Payloads of the other writers' fixture files."""
    payloads = []
    for path in sorted(FIXTURES.rglob("*tfevents*")):
        payloads.extend(iter_records(path.read_bytes()))
    return payloads
