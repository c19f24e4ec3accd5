"""Text, rendered by TensorBoard as Markdown: a DT_STRING tensor of shape [1] under ``<tag>/text_summary``."""

from __future__ import annotations

from lightboard.proto.plugins_pb2 import TextPluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_STRING
from lightboard.summaries.tensor_proto import to_array

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


def text_of(value: Summary.Value) -> str | list:
    """The text of a text value (reader side): a ``str`` for one cell, else nested lists of ``str``.

    Raises:
        ValueError: the value holds no string tensor.
    """
    if not value.HasField("tensor") or value.tensor.dtype != DT_STRING:
        raise ValueError(f"value {value.tag!r} holds no string tensor")
    cells = to_array(value.tensor)
    decoded = [cell.decode("utf-8", "replace") for cell in cells.reshape(-1)]
    if len(decoded) == 1:
        return decoded[0]
    return [str(cell) for cell in decoded] if cells.ndim == 1 else _nest(decoded, cells.shape)


def _nest(cells: list[str], shape: tuple[int, ...]) -> list:
    if len(shape) == 1:
        return cells
    step = len(cells) // shape[0] if shape[0] else 0
    return [_nest(cells[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]
