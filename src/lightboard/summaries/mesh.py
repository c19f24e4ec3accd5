"""Meshes and point clouds for TensorBoard's mesh plugin: one tensor value per component.

The layout is TensorBoard's own (``tensorboard/plugins/mesh/summary_v2.py``): tags ``<tag>_VERTEX``,
``<tag>_FACE`` and ``<tag>_COLOR``; vertices float32 ``[B, N, 3]``, faces int32 ``[B, F, 3]``, colours
uint8 ``[B, N, 3]``; each value carries ``MeshPluginData`` with the user's tag as ``name`` (the dashboard
groups the components by it and shows only it), the component's ``content_type`` and ``shape``, the
three.js scene config as JSON, and the ``components`` bitmask of the parts present, which tells the
dashboard which parts to fetch. tensorboardX instead writes tags ``<tag>_1/_2/_3``, every part as float,
and no bitmask, so TensorBoard assumes all three parts exist.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from lightboard.proto.mesh_pb2 import MeshPluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_FLOAT, DT_INT32, DT_UINT8
from lightboard.summaries.tensor_proto import to_array

PLUGIN_NAME = "mesh"
VERTEX = MeshPluginData.VERTEX
FACE = MeshPluginData.FACE
COLOR = MeshPluginData.COLOR

_PARTS = {  # content type: (argument, tag suffix, numpy dtype, TensorProto dtype)
    VERTEX: ("vertices", "_VERTEX", np.dtype("<f4"), DT_FLOAT),
    FACE: ("faces", "_FACE", np.dtype("<i4"), DT_INT32),
    COLOR: ("colors", "_COLOR", np.dtype("u1"), DT_UINT8),
}


def components_mask(content_types: list[int]) -> int:
    """OR of ``1 << content_type`` over the parts present (``MeshPluginData.components``)."""
    mask = 0
    for content_type in content_types:
        mask |= 1 << content_type
    return mask


def json_config(config_dict: Mapping[str, Any] | None, *, method: str = "add_mesh", tag: str = "") -> str:
    """``config_dict`` as sorted JSON, ``"{}"`` for None (TensorBoard's default; the dashboard cannot parse null).

    Raises:
        TypeError: not a mapping, or not serializable as JSON.
    """
    if config_dict is None:
        return "{}"
    if not isinstance(config_dict, Mapping):
        raise TypeError(f"{method}: config_dict for tag {tag!r} must be a dict, got {type(config_dict).__name__}")
    try:
        return json.dumps(dict(config_dict), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{method}: config_dict for tag {tag!r} must be JSON-serializable: {error}") from error


def _check_shape(array: np.ndarray, argument: str, method: str, tag: str, what: str) -> None:
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(
            f"{method}: {argument} for tag {tag!r} must have shape (B, {what}, 3), got shape {array.shape}"
            + (f"; add the batch axis, e.g. {argument}[None]" if array.ndim == 2 and array.shape[1] == 3 else "")
        )
    if array.size == 0:
        raise ValueError(f"{method}: {argument} for tag {tag!r} is empty (shape {array.shape})")


def _integral(array: np.ndarray, argument: str, method: str, tag: str) -> np.ndarray:
    """Integers as int64; floats only if every value is a whole number; anything else raises TypeError."""
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        return array.astype(np.int64)
    raise TypeError(
        f"{method}: {argument} for tag {tag!r} must hold integers, got dtype {array.dtype}"
        + (" with fractional or non-finite values" if array.dtype.kind == "f" else "")
    )


def check_vertices(vertices: np.ndarray, *, method: str = "add_mesh", tag: str = "") -> np.ndarray:
    """Vertex coordinates ``(B, N, 3)`` of any real dtype as float32.

    Raises:
        TypeError: bool or non-numeric values.
        ValueError: wrong shape, empty, or NaN/±inf (also after rounding to float32).
    """
    if vertices.dtype.kind not in "iuf":
        raise TypeError(f"{method}: vertices for tag {tag!r} must be real numbers, got dtype {vertices.dtype}")
    _check_shape(vertices, "vertices", method, tag, "N")
    with np.errstate(over="ignore"):
        result = vertices.astype(np.float32)
    if not np.all(np.isfinite(result)):
        raise ValueError(f"{method}: vertices for tag {tag!r} must be finite in float32 (found NaN or inf)")
    return result


def check_faces(faces: np.ndarray, vertices: np.ndarray, *, method: str = "add_mesh", tag: str = "") -> np.ndarray:
    """Triangles ``(B, F, 3)`` of vertex indices in ``[0, N)``, as int32.

    Raises:
        TypeError: values that are not integers.
        ValueError: wrong shape or batch size, empty, or an index outside the vertices.
    """
    _check_shape(faces, "faces", method, tag, "F")
    indices = _integral(faces, "faces", method, tag)
    if faces.shape[0] != vertices.shape[0]:
        raise ValueError(
            f"{method}: faces for tag {tag!r} must have one batch entry per vertices entry "
            f"({vertices.shape[0]}), got shape {faces.shape}"
        )
    low, high = int(indices.min()), int(indices.max())
    if low < 0 or high >= vertices.shape[1]:
        raise ValueError(
            f"{method}: faces for tag {tag!r} must index the {vertices.shape[1]} vertices (0 to "
            f"{vertices.shape[1] - 1}), found {low if low < 0 else high}"
        )
    return indices.astype(np.int32)


def check_colors(colors: np.ndarray, vertices: np.ndarray, *, method: str = "add_mesh", tag: str = "") -> np.ndarray:
    """Per-vertex RGB colours ``(B, N, 3)``, whole numbers in ``[0, 255]``, as uint8.

    Raises:
        TypeError: values that are not whole numbers (floats in [0, 1] must be scaled by 255 first).
        ValueError: a shape other than the vertices', or values outside ``[0, 255]``.
    """
    if colors.shape != vertices.shape:
        raise ValueError(
            f"{method}: colors for tag {tag!r} must have the vertices' shape {vertices.shape} (one RGB triple per "
            f"vertex), got shape {colors.shape}"
        )
    try:
        values = _integral(colors, "colors", method, tag)
    except TypeError as error:
        raise TypeError(f"{error}; colours are integers 0-255 (multiply floats in [0, 1] by 255)") from None
    if values.min() < 0 or values.max() > 255:
        raise ValueError(
            f"{method}: colors for tag {tag!r} must lie in [0, 255], found values from {values.min()} to {values.max()}"
        )
    return values.astype(np.uint8)


def _value(tag: str, content_type: int, array: np.ndarray, components: int, config: str) -> Summary.Value:
    _, suffix, dtype, tensor_dtype = _PARTS[content_type]
    plugin_data = MeshPluginData(
        version=0,
        name=tag,
        content_type=content_type,  # type: ignore[arg-type]
        json_config=config,
        shape=list(array.shape),
        components=components,
    )
    metadata = SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME, content=plugin_data.SerializeToString()),
        data_class=DataClass.DATA_CLASS_TENSOR,
    )
    tensor = TensorProto(
        dtype=tensor_dtype,
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=size) for size in array.shape]),
        tensor_content=np.ascontiguousarray(array, dtype=dtype).tobytes(),
    )
    return Summary.Value(tag=tag + suffix, metadata=metadata, tensor=tensor)


def summary(
    tag: str, vertices: np.ndarray, faces: np.ndarray | None, colors: np.ndarray | None, config: str
) -> Summary:
    """A ``Summary`` with one value per component present (arrays already checked by the ``check_*`` functions)."""
    parts = [(VERTEX, vertices), (FACE, faces), (COLOR, colors)]
    present = [(content_type, array) for content_type, array in parts if array is not None]
    components = components_mask([content_type for content_type, _ in present])
    return Summary(value=[_value(tag, content_type, array, components, config) for content_type, array in present])


def parse(value: Summary.Value) -> tuple[MeshPluginData, np.ndarray]:
    """The ``MeshPluginData`` and the array of a mesh value (for readers and tests).

    Raises:
        ValueError: the value does not belong to the mesh plugin.
    """
    if value.metadata.plugin_data.plugin_name != PLUGIN_NAME:
        raise ValueError(f"value {value.tag!r} is not a mesh summary")
    data = MeshPluginData.FromString(value.metadata.plugin_data.content)
    _, _, dtype, _ = _PARTS[data.content_type]
    return data, to_array(value.tensor).astype(dtype)
