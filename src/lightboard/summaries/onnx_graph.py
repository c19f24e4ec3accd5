"""ONNX models as ``GraphDef``, for TensorBoard's graph dashboard (as tensorboardX's ``onnx_graph``, but quiet).

Layout of the ``GraphDef``:

* each graph input that is not an initializer is a ``Variable`` node named as the input, with attributes
  ``dtype`` (the TensorFlow ``DataType`` of its element type) and ``shape`` (unknown sizes are -1);
* each initializer (a weight) is a ``Parameter`` node named as the initializer, with ``dtype`` and ``shape``;
* each operator is a node named after its first output without leading ``/`` (else ``node.name``, else
  ``<op_type>_<index>``; a name already taken gets ``_`` appended), ``op`` = its ``op_type``
  (``domain.op_type`` outside the default domain), fed by the nodes that make its inputs (``name:k`` for the
  k-th output of a multi-output operator), with attribute ``parameters``: its ONNX attributes as text
  ``name = value, ...``, and ``_output_shapes`` where the model records them;
* each graph output is a ``Variable`` node ``output/<name>`` fed by the value it returns (tensorboardX gave it
  the name of its producer, so two nodes had one name).
"""

from __future__ import annotations

import os
from typing import Any

from lightboard.optional import require
from lightboard.proto.graph_pb2 import AttrValue, GraphDef, NodeDef, VersionDef
from lightboard.proto.types_pb2 import DataType
from lightboard.summaries.graph import PRODUCER, attr_string, output_shapes, tensor_shape

# ONNX TensorProto.DataType -> TensorFlow DataType (tensorboardX wrote the ONNX number as is: INT64 became DT_STRING).
_DTYPES = {
    1: DataType.DT_FLOAT, 2: DataType.DT_UINT8, 3: DataType.DT_INT8, 4: DataType.DT_UINT16, 5: DataType.DT_INT16,
    6: DataType.DT_INT32, 7: DataType.DT_INT64, 8: DataType.DT_STRING, 9: DataType.DT_BOOL, 10: DataType.DT_HALF,
    11: DataType.DT_DOUBLE, 12: DataType.DT_UINT32, 13: DataType.DT_UINT64, 14: DataType.DT_COMPLEX64,
    15: DataType.DT_COMPLEX128, 16: DataType.DT_BFLOAT16,
}  # fmt: skip
_MAX_ATTRIBUTE_TEXT = 200
"""Longest text of one ONNX attribute value in ``parameters`` (tensors and graphs are summarised)."""


def load_model(onnx_model_file: Any) -> Any:
    """An ``onnx.ModelProto`` from a path (str or PathLike) or a loaded ``ModelProto`` (returned as is).

    Raises:
        ImportError: the ``onnx`` package is not installed.
        TypeError: ``onnx_model_file`` is something else.
        FileNotFoundError: there is no such file.
        ValueError: the file is not an ONNX model.
    """
    onnx = require("onnx", "onnx", "add_onnx_graph")
    if isinstance(onnx_model_file, onnx.ModelProto):
        return onnx_model_file
    if not isinstance(onnx_model_file, (str, os.PathLike)):
        raise TypeError(
            "add_onnx_graph: onnx_model_file must be a path (str or os.PathLike) or an onnx.ModelProto, "
            f"got {type(onnx_model_file).__name__}"
        )
    path = os.fspath(onnx_model_file)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"add_onnx_graph: no ONNX model file at {path!r}")
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as error:  # protobuf's DecodeError and friends
        reason = f"{type(error).__name__}: {error}"
        raise ValueError(f"add_onnx_graph: {path!r} is not an ONNX model file ({reason})") from error
    graph = model.graph
    if not model.HasField("graph") or not (graph.node or graph.input or graph.output):
        raise ValueError(f"add_onnx_graph: {path!r} is not an ONNX model file (it holds no graph)")
    return model


def _value_attrs(value_type: Any) -> dict[str, AttrValue]:
    tensor_type = value_type.tensor_type
    dims = [dim.dim_value if dim.HasField("dim_value") else None for dim in tensor_type.shape.dim]
    return {
        "dtype": AttrValue(type=_DTYPES.get(tensor_type.elem_type, DataType.DT_INVALID)),
        "shape": AttrValue(shape=tensor_shape(dims)),
    }


def _attribute_text(onnx: Any, attribute: Any) -> str:
    value = onnx.helper.get_attribute_value(attribute)
    if isinstance(value, onnx.TensorProto):
        text = f"tensor {onnx.TensorProto.DataType.Name(value.data_type)} {list(value.dims)}"
    elif isinstance(value, onnx.GraphProto):
        text = f"graph {value.name!r} ({len(value.node)} nodes)"
    elif isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    else:
        text = str(value)
    if len(text) > _MAX_ATTRIBUTE_TEXT:
        text = text[: _MAX_ATTRIBUTE_TEXT - 3] + "..."
    return f"{attribute.name} = {text}"


def graph_def(model: Any) -> GraphDef:
    """The ``GraphDef`` of an ``onnx.ModelProto`` (layout in the module docstring)."""
    onnx = require("onnx", "onnx", "add_onnx_graph")
    graph = model.graph
    nodes: list[NodeDef] = []
    sources: dict[str, str] = {}  # tensor name -> "node" or "node:k"
    shapes = {info.name: info.type for info in (*graph.value_info, *graph.output)}
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    for value in graph.input:
        if value.name not in initializers:
            nodes.append(NodeDef(name=value.name, op="Variable", attr=_value_attrs(value.type)))
            sources[value.name] = value.name
    for name, tensor in initializers.items():
        attr = {
            "dtype": AttrValue(type=_DTYPES.get(tensor.data_type, DataType.DT_INVALID)),
            "shape": AttrValue(shape=tensor_shape(tensor.dims)),
        }
        nodes.append(NodeDef(name=name, op="Parameter", attr=attr))
        sources[name] = name
    taken = set(sources)
    for index, node in enumerate(graph.node):
        # Exporters name values like "/layer1/Conv_output_0": without the leading "/" the dashboard groups
        # them by scope under "layer1" instead of under a nameless root.
        name = (node.output[0] if node.output else "").lstrip("/") or node.name.lstrip("/") or f"{node.op_type}_{index}"
        while name in taken:  # a name an input or initializer already uses
            name += "_"
        taken.add(name)
        for slot, output in enumerate(node.output):
            if output:
                sources[output] = name if slot == 0 else f"{name}:{slot}"
        op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
        attr = {"parameters": attr_string(", ".join(_attribute_text(onnx, a) for a in node.attribute))}
        known = [shapes.get(output) for output in node.output]
        if known and all(t is not None and t.HasField("tensor_type") for t in known):
            attr["_output_shapes"] = output_shapes(
                [[d.dim_value if d.HasField("dim_value") else None for d in t.tensor_type.shape.dim] for t in known]
            )
        inputs = [sources.get(tensor, tensor) for tensor in node.input if tensor]
        nodes.append(NodeDef(name=name, op=op, input=inputs, attr=attr))
    for value in graph.output:
        name = f"output/{value.name}"
        source = sources.get(value.name, value.name)
        nodes.append(NodeDef(name=name, op="Variable", input=[source], attr=_value_attrs(value.type)))
    return GraphDef(node=nodes, versions=VersionDef(producer=PRODUCER))
