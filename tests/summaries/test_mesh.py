"""``add_mesh``: TensorBoard's mesh layout (tags, dtypes, ``MeshPluginData`` with a correct bitmask) and bad input.

Values are read back with TensorBoard's loader, ``tensor_util.make_ndarray`` and the mesh plugin's own
``metadata.parse_plugin_metadata``, the functions its HTTP handlers use.
"""

from __future__ import annotations

import glob
import json
import math
import os
from typing import Any

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.plugins.mesh import metadata as mesh_metadata
from tensorboard.plugins.mesh import plugin_data_pb2
from tensorboard.util import tensor_util

from lightboard import SummaryWriter
from lightboard.summaries import mesh

VERTICES = np.array([[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]], dtype=np.float32)
FACES = np.array([[[0, 2, 3], [0, 3, 1], [0, 1, 2], [1, 3, 2]]], dtype=np.int32)
COLORS = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255]]], dtype=np.uint8)


def mesh_values(logdir: str) -> dict[str, list[tuple[int, Any, np.ndarray]]]:
    """``{tag: [(step, MeshPluginData, array)]}`` of the mesh values in ``logdir``, decoded as TensorBoard does."""
    found: dict[str, list[tuple[int, Any, np.ndarray]]] = {}
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for event in LegacyEventFileLoader(path).Load():
            for value in event.summary.value:
                assert value.metadata.plugin_data.plugin_name == "mesh"
                assert value.metadata.data_class == 2  # DATA_CLASS_TENSOR
                data = mesh_metadata.parse_plugin_metadata(value.metadata.plugin_data.content)
                array = tensor_util.make_ndarray(value.tensor)
                found.setdefault(value.tag, []).append((event.step, data, array))
    return found


def logged(tmp_path: Any, tag: str = "m", **kwargs: Any) -> dict[str, list[tuple[int, Any, np.ndarray]]]:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_mesh(tag, **kwargs)
    return mesh_values(str(tmp_path))


def test_full_mesh_layout(tmp_path: Any) -> None:
    config = {"camera": {"cls": "PerspectiveCamera", "fov": 75}, "lights": [{"cls": "AmbientLight"}]}
    found = logged(tmp_path, "cube", vertices=VERTICES, colors=COLORS, faces=FACES, config_dict=config, global_step=7)
    assert set(found) == {"cube_VERTEX", "cube_FACE", "cube_COLOR"}  # TensorBoard's get_instance_name
    expected = {
        "cube_VERTEX": (plugin_data_pb2.MeshPluginData.VERTEX, VERTICES, np.float32),
        "cube_FACE": (plugin_data_pb2.MeshPluginData.FACE, FACES, np.int32),
        "cube_COLOR": (plugin_data_pb2.MeshPluginData.COLOR, COLORS, np.uint8),
    }
    for tag, (content_type, array, dtype) in expected.items():
        ((step, data, stored),) = found[tag]
        assert step == 7
        assert tag == mesh_metadata.get_instance_name("cube", content_type)
        assert data.name == "cube" and data.version == 0 and data.content_type == content_type
        assert list(data.shape) == list(array.shape)
        assert data.components == 14
        assert json.loads(data.json_config) == config
        assert data.json_config == json.dumps(config, sort_keys=True)
        assert stored.dtype == dtype
        np.testing.assert_array_equal(stored, array)


@pytest.mark.parametrize(
    ("parts", "mask"),
    [((), 0b0010), (("faces",), 0b0110), (("colors",), 0b1010), (("faces", "colors"), 0b1110)],
    ids=["vertices", "vertices+faces", "vertices+colors", "all"],
)
def test_components_bitmask_names_the_parts_present(tmp_path: Any, parts: tuple[str, ...], mask: int) -> None:
    kwargs: dict[str, Any] = {"faces": FACES, "colors": COLORS}
    found = logged(tmp_path, vertices=VERTICES, **{name: kwargs[name] for name in parts})
    assert len(found) == 1 + len(parts)
    expected = mesh_metadata.get_components_bitmask(
        [plugin_data_pb2.MeshPluginData.VERTEX]
        + [
            {"faces": plugin_data_pb2.MeshPluginData.FACE, "colors": plugin_data_pb2.MeshPluginData.COLOR}[name]
            for name in parts
        ]
    )
    assert expected == mask
    assert {data.components for entries in found.values() for _, data, _ in entries} == {mask}


def test_no_config_is_an_empty_json_object(tmp_path: Any) -> None:
    ((_, data, _),) = logged(tmp_path, vertices=VERTICES)["m_VERTEX"]
    assert data.json_config == "{}"  # tensorboardX writes "null", which the dashboard's JSON.parse turns into null


def test_conversions_from_other_dtypes_and_torch(tmp_path: Any) -> None:
    vertices = torch.tensor(VERTICES.astype(np.float64) * 2.5)
    faces = torch.tensor(FACES, dtype=torch.int64)
    colors = COLORS.astype(np.float64)  # whole numbers as floats are fine
    found = logged(tmp_path, vertices=vertices, faces=faces, colors=colors)
    np.testing.assert_array_equal(found["m_VERTEX"][0][2], (VERTICES * 2.5).astype(np.float32))
    np.testing.assert_array_equal(found["m_FACE"][0][2], FACES)
    np.testing.assert_array_equal(found["m_COLOR"][0][2], COLORS)
    ints = logged(tmp_path / "ints", vertices=np.array([[[1, 2, 3]]], dtype=np.int16))
    assert ints["m_VERTEX"][0][2].dtype == np.float32
    np.testing.assert_array_equal(ints["m_VERTEX"][0][2], [[[1.0, 2.0, 3.0]]])


def test_batches_and_steps(tmp_path: Any) -> None:
    rng = np.random.default_rng(0)
    batches = [rng.normal(size=(3, 50, 3)).astype(np.float32) for _ in range(2)]
    with SummaryWriter(str(tmp_path)) as writer:
        for step, batch in enumerate(batches):
            writer.add_mesh("cloud", batch, global_step=step * 10)
    found = mesh_values(str(tmp_path))["cloud_VERTEX"]
    assert [step for step, _, _ in found] == [0, 10]
    for (_, data, stored), batch in zip(found, batches, strict=True):
        assert list(data.shape) == [3, 50, 3]
        np.testing.assert_array_equal(stored, batch)


def test_caller_may_reuse_its_arrays(tmp_path: Any) -> None:
    vertices, faces, colors = VERTICES.copy(), FACES.copy(), COLORS.copy()
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_mesh("m", vertices, colors=colors, faces=faces)
        vertices[:] = 0
        faces[:] = 0
        colors[:] = 0
    found = mesh_values(str(tmp_path))
    np.testing.assert_array_equal(found["m_VERTEX"][0][2], VERTICES)
    np.testing.assert_array_equal(found["m_FACE"][0][2], FACES)
    np.testing.assert_array_equal(found["m_COLOR"][0][2], COLORS)


def test_tag_is_not_cleaned(tmp_path: Any) -> None:
    found = logged(tmp_path, "my mesh (v2)", vertices=VERTICES)
    ((_, data, _),) = found["my mesh (v2)_VERTEX"]
    assert data.name == "my mesh (v2)"


def test_write_to_disk_false_writes_nothing(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path / "never"), write_to_disk=False) as writer:
        writer.add_mesh("m", VERTICES, colors=COLORS, faces=FACES)
    assert not (tmp_path / "never").exists()


def test_parse_round_trip() -> None:
    summary = mesh.summary("m", VERTICES, FACES, None, "{}")
    data, array = mesh.parse(summary.value[1])
    assert data.content_type == mesh.FACE and data.components == 0b0110
    np.testing.assert_array_equal(array, FACES)
    with pytest.raises(ValueError, match="not a mesh summary"):
        mesh.parse(type(summary.value[0])(tag="x", simple_value=1.0))


# -- bad input -------------------------------------------------------------------------------------------------

V = VERTICES
BAD = [  # (kwargs, error, message)
    ({"vertices": V[0]}, ValueError, r"vertices for tag 'm' must have shape \(B, N, 3\).*vertices\[None\]"),
    ({"vertices": V[None]}, ValueError, r"vertices for tag 'm' must have shape \(B, N, 3\), got shape \(1, 1, 4, 3\)"),
    ({"vertices": np.zeros((1, 4, 2))}, ValueError, r"vertices for tag 'm' must have shape \(B, N, 3\)"),
    ({"vertices": np.zeros((1, 0, 3))}, ValueError, "vertices for tag 'm' is empty"),
    ({"vertices": np.zeros((0, 4, 3))}, ValueError, "vertices for tag 'm' is empty"),
    ({"vertices": np.full((1, 2, 3), math.nan)}, ValueError, "vertices for tag 'm' must be finite"),
    ({"vertices": np.full((1, 2, 3), math.inf)}, ValueError, "vertices for tag 'm' must be finite"),
    ({"vertices": np.full((1, 2, 3), 1e39)}, ValueError, "vertices for tag 'm' must be finite in float32"),
    ({"vertices": np.ones((1, 2, 3), dtype=bool)}, TypeError, "vertices for tag 'm' must be real numbers"),
    ({"vertices": np.ones((1, 2, 3), dtype=complex)}, TypeError, "vertices for tag 'm'"),
    ({"vertices": [[["a", "b", "c"]]]}, TypeError, "vertices for tag 'm'"),
    ({"vertices": None}, TypeError, "vertices for tag 'm' are required"),
    ({"faces": FACES[0]}, ValueError, r"faces for tag 'm' must have shape \(B, F, 3\)"),
    ({"faces": FACES[:, :, :2]}, ValueError, r"faces for tag 'm' must have shape \(B, F, 3\)"),
    ({"faces": np.zeros((1, 0, 3), dtype=int)}, ValueError, "faces for tag 'm' is empty"),
    ({"faces": np.concatenate([FACES, FACES])}, ValueError, "faces for tag 'm' must have one batch entry per"),
    ({"faces": FACES + 1}, ValueError, r"faces for tag 'm' must index the 4 vertices \(0 to 3\), found 4"),
    ({"faces": FACES - 1}, ValueError, "faces for tag 'm' must index the 4 vertices.*found -1"),
    ({"faces": FACES + 0.5}, TypeError, "faces for tag 'm' must hold integers.*fractional"),
    ({"faces": np.full((1, 1, 3), math.nan)}, TypeError, "faces for tag 'm' must hold integers"),
    ({"faces": FACES.astype(bool)}, TypeError, "faces for tag 'm' must hold integers, got dtype bool"),
    ({"colors": COLORS[:, :3]}, ValueError, r"colors for tag 'm' must have the vertices' shape \(1, 4, 3\)"),
    ({"colors": COLORS[0]}, ValueError, "colors for tag 'm' must have the vertices' shape"),
    ({"colors": COLORS.astype(int) + 1}, ValueError, r"colors for tag 'm' must lie in \[0, 255\]"),
    ({"colors": COLORS.astype(int) - 1}, ValueError, r"colors for tag 'm' must lie in \[0, 255\]"),
    ({"colors": COLORS / 510.0}, TypeError, "colors for tag 'm' must hold integers.*multiply floats in"),
    ({"colors": np.full((1, 4, 3), math.nan)}, TypeError, "colors for tag 'm' must hold integers"),
    ({"colors": COLORS.astype(bool)}, TypeError, "colors for tag 'm' must hold integers"),
    ({"config_dict": ["camera"]}, TypeError, "config_dict for tag 'm' must be a dict"),
    ({"config_dict": {"camera": object()}}, TypeError, "config_dict for tag 'm' must be JSON-serializable"),
    ({"config_dict": {"fov": math.nan}}, TypeError, "config_dict for tag 'm' must be JSON-serializable"),
]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"), BAD, ids=[f"{i}-{next(iter(v[0]))}" for i, v in enumerate(BAD)]
)
def test_bad_input_raises_naming_argument_and_tag(
    tmp_path: Any, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments = {"vertices": VERTICES, **kwargs}
    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(error, match=f"^add_mesh: {message}"):
            writer.add_mesh("m", **arguments)
    assert mesh_values(str(tmp_path)) == {}  # nothing written


def test_tag_must_be_a_str(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(TypeError, match="add_mesh: tag must be a str"):
        writer.add_mesh(3, VERTICES)  # type: ignore[arg-type]
