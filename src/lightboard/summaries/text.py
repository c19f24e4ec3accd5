"""Text, rendered by TensorBoard as Markdown: a DT_STRING tensor of shape [1] under ``<tag>/text_summary``."""

from __future__ import annotations

from lightboard.proto.plugins_pb2 import TextPluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_STRING

PLUGIN_NAME = "text"
TAG_SUFFIX = "/text_summary"

_METADATA = SummaryMetadata(
    plugin_data=SummaryMetadata.PluginData(
        plugin_name=PLUGIN_NAME, content=TextPluginData(version=0).SerializeToString()
    ),
    data_class=DataClass.DATA_CLASS_TENSOR,
)
_SHAPE = TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)])


def summary(tag: str, text: str) -> Summary:
    """A ``Summary`` with ``text`` (UTF-8) under the tag ``tag + "/text_summary"``, as tensorboardX writes it."""
    tensor = TensorProto(dtype=DT_STRING, tensor_shape=_SHAPE, string_val=[text.encode("utf-8")])
    return Summary(value=[Summary.Value(tag=tag + TAG_SUFFIX, metadata=_METADATA, tensor=tensor)])
