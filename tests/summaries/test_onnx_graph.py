"""``add_onnx_graph``: ONNX models (exported by torch, or built with onnx.helper) become a connected GraphDef."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")
from onnx import TensorProto, helper  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader  # noqa: E402
from tensorboard.compat.proto.graph_pb2 import GraphDef as TbGraphDef  # noqa: E402
from tensorboard.compat.proto.types_pb2 import DT_FLOAT, DT_INT64  # noqa: E402

from lightboard import SummaryWriter  # noqa: E402
from lightboard.summaries import onnx_graph  # noqa: E402


def export_cnn(path: Path) -> Path:
    """A small CNN exported by torch.onnx (the TorchScript exporter, no onnxscript needed)."""
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 3)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (torch.randn(2, 1, 8, 8),), str(path), dynamo=False, input_names=["x"], output_names=["y"]
        )
    return path


def split_model() -> Any:
    """Built by hand: a two-output Split, an int64 input, an unnamed node and a tensor attribute."""
    nodes = [
        helper.make_node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2),
        helper.make_node("Constant", [], ["c"], value=helper.make_tensor("v", TensorProto.FLOAT, [2], [1.0, 2.0])),
        helper.make_node("Add", ["a", "c"], ["sum"]),
        helper.make_node("Mul", ["b", "w"], ["prod"]),
        helper.make_node("Cast", ["idx"], ["idx_f"], to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(
        nodes,
        "split",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
            helper.make_tensor_value_info("idx", TensorProto.INT64, [3]),
        ],
        [
            helper.make_tensor_value_info("sum", TensorProto.FLOAT, ["batch", 2]),
            helper.make_tensor_value_info("prod", TensorProto.FLOAT, ["batch", 2]),
            helper.make_tensor_value_info("idx_f", TensorProto.FLOAT, [3]),
        ],
        initializer=[helper.make_tensor("w", TensorProto.FLOAT, [2], [3.0, 4.0])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def as_tensorboard(graph: Any) -> TbGraphDef:
    return TbGraphDef.FromString(graph.SerializeToString())


def check_connected(graph: TbGraphDef, model: Any) -> None:
    """Node names are unique, every edge names a node, every ONNX operator is one node of its op type."""
    names = [node.name for node in graph.node]
    assert len(names) == len(set(names))
    for node in graph.node:
        for source in node.input:
            assert source.split(":")[0] in names, (node.name, source)
    ops = sorted(node.op for node in graph.node if node.op not in ("Variable", "Parameter"))
    assert ops == sorted(node.op_type for node in model.graph.node)


def test_exported_cnn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export_cnn(tmp_path / "cnn.onnx")
    model = onnx.load(str(path))
    graph = as_tensorboard(onnx_graph.graph_def(onnx_graph.load_model(path)))
    assert capsys.readouterr().out == ""  # tensorboardX printed every node
    check_connected(graph, model)
    nodes = {node.name: node for node in graph.node}
    assert nodes["x"].op == "Variable" and nodes["x"].attr["dtype"].type == DT_FLOAT
    assert [d.size for d in nodes["x"].attr["shape"].shape.dim] == [2, 1, 8, 8]
    parameters = {name for name, node in nodes.items() if node.op == "Parameter"}
    assert parameters == {tensor.name for tensor in model.graph.initializer} and len(parameters) == 4
    (conv,) = [node for node in graph.node if node.op == "Conv"]
    assert conv.input[0] == "x" and set(conv.input[1:]) <= parameters
    assert b"kernel_shape = [3, 3]" in conv.attr["parameters"].s
    assert not conv.name.startswith("/")
    assert nodes["output/y"].input == ["y"] and nodes["y"].op == "Gemm"
    assert [d.size for d in nodes["y"].attr["_output_shapes"].list.shape[0].dim] == [2, 3]


def test_hand_built_model_and_multi_output_edges() -> None:
    model = split_model()
    onnx.checker.check_model(model)
    graph = as_tensorboard(onnx_graph.graph_def(onnx_graph.load_model(model)))
    check_connected(graph, model)
    nodes = {node.name: node for node in graph.node}
    assert nodes["sum"].input == ["a", "c"]
    assert nodes["prod"].input == ["a:1", "w"]  # the Split's second output
    assert nodes["idx"].attr["dtype"].type == DT_INT64  # ONNX INT64 (7) is TensorFlow's DT_INT64 (9)
    assert [d.size for d in nodes["x"].attr["shape"].shape.dim] == [-1, 4]
    assert b"value = tensor FLOAT [2]" in nodes["c"].attr["parameters"].s
    assert {name for name in nodes if name.startswith("output/")} == {"output/sum", "output/prod", "output/idx_f"}
    assert nodes["output/idx_f"].input == ["idx_f"]


def test_path_forms_and_writer(tmp_path: Path) -> None:
    path = export_cnn(tmp_path / "cnn.onnx")
    expected = onnx_graph.graph_def(onnx_graph.load_model(str(path)))
    assert onnx_graph.graph_def(onnx_graph.load_model(path)) == expected
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_onnx_graph(path)
    events = [
        event
        for file in sorted((tmp_path / "run").glob("events.out.tfevents.*"))
        for event in LegacyEventFileLoader(str(file)).Load()
    ]
    graphs = [event for event in events if event.HasField("graph_def")]
    assert len(graphs) == 1 and graphs[0].step == 0
    assert TbGraphDef.FromString(graphs[0].graph_def) == as_tensorboard(expected)
    assert not [event for event in events if event.HasField("tagged_run_metadata")]


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no ONNX model file at"):
        onnx_graph.load_model(tmp_path / "missing.onnx")
    text = tmp_path / "notes.onnx"
    text.write_text("this is not a model\n" * 20)
    with pytest.raises(ValueError, match="is not an ONNX model file"):
        onnx_graph.load_model(text)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="is not an ONNX model file"):
        onnx_graph.load_model(empty)
    with pytest.raises(FileNotFoundError):
        onnx_graph.load_model(tmp_path)  # a directory
    for wrong in (3, b"bytes", None, split_model().graph):
        with pytest.raises(TypeError, match="onnx_model_file must be a path"):
            onnx_graph.load_model(wrong)


def test_without_onnx_import_error_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"add_onnx_graph needs onnx.*lightboard\[onnx\]"):
        onnx_graph.load_model(tmp_path / "model.onnx")
