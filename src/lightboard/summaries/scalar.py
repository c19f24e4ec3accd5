"""Scalars: one float per step, stored as ``simple_value`` (float32), which both TensorBoard loaders read.

The plain case (no display name, no description) is the hot path of every training loop. Its Event is
encoded by hand on the writer thread (:func:`encode_event`); tests prove the bytes identical to the
protobuf library's. Every other case goes through protobuf (:func:`summary`).
"""

from __future__ import annotations

import struct

from lightboard.events.wire import event_head, varint
from lightboard.proto.plugins_pb2 import ScalarPluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.types_pb2 import DT_FLOAT

PLUGIN_NAME = "scalars"
_F32 = struct.Struct("<f")
_POS_INF = _F32.pack(float("inf"))
_NEG_INF = _F32.pack(float("-inf"))
_prefixes: dict[str, bytes] = {}


def event_prefix(tag: str) -> bytes:
    """The bytes of ``Event.summary`` up to the float of a ``simple_value`` for ``tag`` (memoised)."""
    prefix = _prefixes.get(tag)
    if prefix is None:
        raw = tag.encode("utf-8")
        tag_field = b"\x0a" + varint(len(raw)) + raw if raw else b""
        value = tag_field + b"\x15"
        value_length = len(value) + 4
        summary_length = 1 + len(varint(value_length)) + value_length
        prefix = b"\x2a" + varint(summary_length) + b"\x0a" + varint(value_length) + value
        if len(_prefixes) < 65536:
            _prefixes[tag] = prefix
    return prefix


def encode_event(item: tuple) -> bytes:
    """Serialize the deferred event ``(encode_event, wall_time, step, event_prefix(tag), value)``."""
    _, wall_time, step, prefix, value = item
    head = event_head(wall_time, step)
    try:
        number = _F32.pack(value)
    except OverflowError:  # beyond float32: the C cast protobuf applies gives +-inf
        number = _POS_INF if value > 0 else _NEG_INF
    return head + prefix + number


def summary(
    tag: str, value: float, display_name: str = "", summary_description: str = "", new_style: bool = False
) -> Summary:
    """A ``Summary`` with one scalar value.

    ``new_style`` stores a rank-0 DT_FLOAT tensor with the scalars plugin's metadata (what
    ``torch.utils.tensorboard`` writes for ``new_style=True``); otherwise ``simple_value`` is used and
    metadata is attached only for a display name or description, as tensorboardX does.
    """
    if new_style:
        metadata = SummaryMetadata(
            plugin_data=SummaryMetadata.PluginData(
                plugin_name=PLUGIN_NAME, content=ScalarPluginData(version=0).SerializeToString()
            ),
            display_name=display_name,
            summary_description=summary_description,
            data_class=DataClass.DATA_CLASS_SCALAR,
        )
        tensor = TensorProto(dtype=DT_FLOAT, float_val=[value])
        return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
    if display_name or summary_description:
        metadata = SummaryMetadata(display_name=display_name, summary_description=summary_description)
        return Summary(value=[Summary.Value(tag=tag, simple_value=value, metadata=metadata)])
    return Summary(value=[Summary.Value(tag=tag, simple_value=value)])
