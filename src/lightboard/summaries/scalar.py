"""Scalars: one float per step, stored as ``simple_value`` (float32), which both TensorBoard loaders read.

The plain case (no display name, no description) is the hot path of every training loop: the writer
queues ``(encode_event, wall_time, step, event_prefix(tag), value)`` and the writer thread serializes
it by hand (:mod:`lightboard.events.wire`, or its C twin); tests prove the bytes identical to the
protobuf library's. Every other case goes through protobuf (:func:`summary`).
"""

from __future__ import annotations

from lightboard.events.wire import encode_scalar_event as encode_event
from lightboard.events.wire import scalar_event_prefix as event_prefix
from lightboard.proto.plugins_pb2 import ScalarPluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.types_pb2 import DT_FLOAT

PLUGIN_NAME = "scalars"
__all__ = ["PLUGIN_NAME", "encode_event", "event_prefix", "summary"]


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
