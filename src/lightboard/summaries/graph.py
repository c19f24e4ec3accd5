"""Model graph events, read by TensorBoard's graph dashboard.

A graph is an ``Event`` whose ``graph_def`` holds a serialized ``GraphDef`` (TensorBoard shows it under the
run's tag ``__run_graph__``); its execution statistics are a separate ``Event`` whose ``tagged_run_metadata``
holds a serialized ``RunMetadata`` under a tag (``step1`` for PyTorch graphs, as ``torch.utils.tensorboard``
writes them), offered by the dashboard's "Session runs" menu.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lightboard.proto.event_pb2 import Event, TaggedRunMetadata
from lightboard.proto.graph_pb2 import AttrValue, GraphDef
from lightboard.proto.run_metadata_pb2 import DeviceStepStats, RunMetadata, StepStats
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto

RUN_METADATA_TAG = "step1"
"""Tag of the run metadata written with a PyTorch graph (``torch.utils.tensorboard``'s choice)."""
DEVICE = "/device:CPU:0"
"""Device named in the step statistics; PyTorch traces do not say where the model ran."""
PRODUCER = 22
"""``GraphDef.versions.producer`` written by torch.utils.tensorboard and tensorboardX."""


def attr_string(text: str) -> AttrValue:
    """An ``AttrValue`` holding ``text`` (UTF-8) as bytes."""
    return AttrValue(s=text.encode("utf-8"))


def tensor_shape(dims: Iterable[int | None]) -> TensorShapeProto:
    """A ``TensorShapeProto``; ``None`` (an unknown size) becomes -1."""
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=-1 if size is None else size) for size in dims])


def output_shapes(shapes: Sequence[Iterable[int | None]]) -> AttrValue:
    """The ``_output_shapes`` attribute of a node with outputs of ``shapes``, as the graph dashboard reads it."""
    return AttrValue(list=AttrValue.ListValue(shape=[tensor_shape(shape) for shape in shapes]))


def cpu_run_metadata() -> RunMetadata:
    """Run metadata with empty step statistics for :data:`DEVICE`, as torch.utils.tensorboard writes it."""
    return RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device=DEVICE)]))


def graph_event(graph: GraphDef | bytes, wall_time: float, step: int = 0) -> bytes:
    """A serialized ``Event`` carrying ``graph`` (a ``GraphDef`` or its serialization) in ``graph_def``."""
    payload = graph if isinstance(graph, bytes) else graph.SerializeToString()
    return Event(wall_time=wall_time, step=step, graph_def=payload).SerializeToString()


def run_metadata_event(tag: str, metadata: RunMetadata | bytes, wall_time: float, step: int = 0) -> bytes:
    """A serialized ``Event`` carrying ``metadata`` (a ``RunMetadata`` or its serialization) under ``tag``."""
    payload = metadata if isinstance(metadata, bytes) else metadata.SerializeToString()
    tagged = TaggedRunMetadata(tag=tag, run_metadata=payload)
    return Event(wall_time=wall_time, step=step, tagged_run_metadata=tagged).SerializeToString()
