"""``add_graph``: the GraphDef of a traced PyTorch module equals torch.utils.tensorboard's, node for node.

The reference is ``torch.utils.tensorboard._pytorch_graph.graph``, the function torch's (and tensorboardX's)
``add_graph`` writes. Both GraphDefs are compared as TensorBoard's own ``GraphDef`` protos: names, op kinds,
edges and attributes (``_output_shapes``, ``attr``). The models here are reused by tests/http/test_graphs_http.py.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader  # noqa: E402
from tensorboard.compat.proto.config_pb2 import RunMetadata as TbRunMetadata  # noqa: E402
from tensorboard.compat.proto.graph_pb2 import GraphDef as TbGraphDef  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.tensorboard._pytorch_graph import graph as torch_graph  # noqa: E402

from benchmarks.models import ResNet50  # noqa: E402
from lightboard import SummaryWriter  # noqa: E402
from lightboard.summaries import pytorch_graph  # noqa: E402
from lightboard.summaries.pytorch_graph import model_graph  # noqa: E402

# -- models ----------------------------------------------------------------------------------------------


class SmallCNN(nn.Module):
    """Conv, batch norm, pooling, dropout and a nested Sequential head."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 4 * 4, 10))

    def forward(self, x: Any) -> Any:
        return self.head(self.features(x))


class TupleDictModel(nn.Module):
    """Takes a tensor and a dict, returns a tuple (strict trace) or a dict (``as_dict``, non-strict trace)."""

    def __init__(self, as_dict: bool = False) -> None:
        super().__init__()
        self.as_dict = as_dict
        self.left = nn.Linear(3, 4)
        self.right = nn.Linear(3, 4)

    def forward(self, x: Any, extra: Any) -> Any:
        a = self.left(x)
        b = self.right(extra["y"]) * extra["scale"]
        return {"sum": a + b, "diff": a - b} if self.as_dict else (a + b, a - b)


def graph_cases() -> dict[str, tuple[nn.Module, Any, bool]]:
    """``{name: (model, input_to_model, use_strict_trace)}``: the models both test modules draw."""
    torch.manual_seed(0)
    extra = {"y": torch.randn(2, 3), "scale": torch.tensor(2.0)}
    return {
        "cnn": (SmallCNN(), torch.randn(2, 1, 8, 8), True),
        "lstm": (nn.LSTM(3, 5, num_layers=2), torch.randn(4, 2, 3), True),
        "transformer": (nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1), torch.randn(5, 2, 8), True),
        "tuple_io": (TupleDictModel(), (torch.randn(2, 3), extra), True),
        "dict_io": (TupleDictModel(as_dict=True), [torch.randn(2, 3), extra], False),
    }


def as_tensorboard(graph: Any) -> TbGraphDef:
    """Any GraphDef (ours, or TensorBoard's) as TensorBoard's ``GraphDef`` proto."""
    return TbGraphDef.FromString(graph.SerializeToString())


def node_set(graph: Any) -> set[tuple[str, str, tuple[str, ...]]]:
    """``{(name, op, inputs)}`` of a GraphDef."""
    return {(node.name, node.op, tuple(node.input)) for node in graph.node}


def reference(model: nn.Module, inputs: Any, strict: bool = True) -> TbGraphDef:
    """torch.utils.tensorboard's GraphDef of ``model`` (it prints nothing on success)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch_graph(model, inputs, use_strict_trace=strict)[0]


# -- the GraphDef ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(graph_cases()))
def test_graph_equals_torch(name: str) -> None:
    model, inputs, strict = graph_cases()[name]
    expected = reference(model, inputs, strict)
    ours = as_tensorboard(model_graph(model, inputs, use_strict_trace=strict))
    assert len(ours.node) > 5
    assert node_set(ours) == node_set(expected)
    assert ours == expected  # attributes and order too


def test_layout_of_small_cnn() -> None:
    graph = as_tensorboard(model_graph(SmallCNN(), torch.randn(2, 1, 8, 8)))
    nodes = {node.name: node for node in graph.node}
    assert nodes["input/x"].op == "IO Node"
    assert [d.size for d in nodes["input/x"].attr["_output_shapes"].list.shape[0].dim] == [2, 1, 8, 8]
    (output,) = [node for node in graph.node if node.name.startswith("output/")]
    assert output.name == "output/output.1"
    assert [d.size for d in output.attr["_output_shapes"].list.shape[0].dim] == [2, 10]
    producer = nodes[output.input[0]]
    assert producer.op == "aten::linear" and producer.name.startswith("SmallCNN/Sequential[head]/Linear[2]/")
    conv = [node for node in graph.node if node.op == "aten::_convolution"]
    assert len(conv) == 1 and conv[0].name.startswith("SmallCNN/Sequential[features]/Conv2d[0]/")
    assert conv[0].input[0] == "input/x"
    weights = [node.name for node in graph.node if node.op == "prim::GetAttr"]
    assert "SmallCNN/Sequential[features]/Conv2d[0]/weight/weight" in {n.rsplit(".", 1)[0] for n in weights}
    for node in graph.node:  # every edge but the parameter -> module-value quirk names a node
        if node.op != "prim::GetAttr":
            assert all(source in nodes for source in node.input), node
    assert graph.versions.producer == 22


def test_inputs_forms_give_one_graph() -> None:
    model, x, y = TupleDictModel(), torch.randn(2, 3), {"y": torch.randn(2, 3), "scale": torch.tensor(1.0)}
    as_tuple = node_set(model_graph(model, (x, y)))
    assert node_set(model_graph(model, [x, y])) == as_tuple
    single = node_set(model_graph(nn.Linear(3, 2), torch.randn(4, 3)))
    assert single == node_set(model_graph(nn.Linear(3, 2), (torch.randn(4, 3),)))
    assert single == node_set(reference(nn.Linear(3, 2), torch.randn(4, 3)))


class Constant(nn.Module):
    def forward(self) -> Any:
        return torch.ones(2) * 3


class DictOnly(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, batch: Any) -> Any:
        return self.lin(batch["x"]) + batch["y"]


def test_no_inputs_and_dict_input() -> None:
    graph = as_tensorboard(model_graph(Constant()))
    assert not [node for node in graph.node if node.name.startswith("input/")]
    assert any(node.op == "aten::mul" for node in graph.node)
    batch = {"x": torch.randn(2, 3), "y": torch.randn(2, 3)}
    ours = as_tensorboard(model_graph(DictOnly(), batch))
    assert ours == reference(DictOnly(), batch)
    assert "input/batch" in {node.name for node in ours.node}


def test_modes_and_state_are_restored() -> None:
    model = SmallCNN().train()
    model.features[1].eval()  # a frozen batch norm inside a training model
    before = {key: value.clone() for key, value in model.state_dict().items()}
    model_graph(model, torch.randn(2, 1, 8, 8))
    assert model.training and model.head.training and not model.features[1].training
    after = model.state_dict()
    assert all(torch.equal(before[key], after[key]) for key in before)
    assert all(parameter.grad is None for parameter in model.parameters())
    # Traced in eval mode whatever the model's mode, as torch does: the same graph either way.
    assert node_set(model_graph(model.eval(), torch.randn(2, 1, 8, 8))) == node_set(
        model_graph(model.train(), torch.randn(2, 1, 8, 8))
    )


def test_verbose_prints_the_graph_and_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    model_graph(SmallCNN(), torch.randn(2, 1, 8, 8))
    assert capsys.readouterr().out == ""
    model_graph(SmallCNN(), torch.randn(2, 1, 8, 8), verbose=True)
    printed = capsys.readouterr().out
    assert "graph(" in printed and "aten::_convolution" in printed


def test_resnet50_is_fast_and_equal_to_torch() -> None:
    model, x = ResNet50(), torch.randn(1, 3, 224, 224)
    # Timed in CPU time, the work done, which a busy machine does not inflate as it does wall-clock time; on
    # one torch thread, as torch's idle threads spin-wait on the CPU (more of it the more cores a machine has).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        start = time.process_time()
        ours = as_tensorboard(model_graph(model, x))
        elapsed = time.process_time() - start
    finally:
        torch.set_num_threads(threads)
    assert elapsed < 5, f"add_graph of ResNet-50 took {elapsed:.1f} s of CPU"
    expected = reference(model, x)
    assert len(ours.node) > 500 and node_set(ours) == node_set(expected)
    assert sum(node.op == "aten::_convolution" for node in ours.node) == 53


# -- errors ----------------------------------------------------------------------------------------------


class DataDependent(nn.Module):
    def forward(self, x: Any) -> Any:
        return {"x": x * 2}


class Broken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x: Any) -> Any:
        return self.lin(x)


@pytest.mark.parametrize(
    ("model", "inputs", "error", "words"),
    [
        (lambda x: x, torch.ones(1), TypeError, "model must be a torch.nn.Module, got function"),
        ("model", torch.ones(1), TypeError, "got str"),
        (Broken(), "text", TypeError, "input_to_model must be a tensor"),
        (Broken(), 3.0, TypeError, "got float"),
        (Broken(), (torch.ones(1, 3), 2), TypeError, "input_to_model[1] is a int"),
        (Broken(), ({"a": [torch.ones(1), None]},), TypeError, "input_to_model[0]['a'][1] is a NoneType"),
        (Broken(), {1: torch.ones(1)}, TypeError, "key 1 of type int"),
        (Broken(), pytest.importorskip("numpy").ones((1, 3), "float32"), TypeError, "got ndarray"),
        (Broken(), torch.ones(2, 5), RuntimeError, "could not trace Broken"),
        (Broken(), (torch.ones(2, 3), torch.ones(2, 3)), RuntimeError, "positional argument"),
        (DataDependent(), torch.ones(2), RuntimeError, "use_strict_trace=False"),
    ],
)
def test_bad_input(model: Any, inputs: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=None) as raised, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model_graph(model, inputs)
    assert words in str(raised.value)


def test_untraceable_message_says_why_and_what_to_try() -> None:
    with pytest.raises(RuntimeError) as raised:
        model_graph(Broken(), torch.ones(2, 5))
    message = str(raised.value)
    assert "mat1 and mat2 shapes cannot be multiplied" in message  # torch's reason
    assert "Try:" in message and "tuple" in message
    assert isinstance(raised.value.__cause__, RuntimeError)
    # The dict output that strict tracing refuses is drawn without it.
    loose = model_graph(DataDependent(), torch.ones(2), use_strict_trace=False)
    assert any(node.op == "prim::DictConstruct" for node in loose.node)


def test_without_torch_import_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"add_graph needs torch.*lightboard\[torch\]"):
        pytorch_graph.model_graph(SmallCNN(), None)


# -- the events ------------------------------------------------------------------------------------------


def read_events(logdir: Path) -> list[Any]:
    paths = sorted(logdir.glob("events.out.tfevents.*"))
    return [event for path in paths for event in LegacyEventFileLoader(str(path)).Load()]


def test_writer_writes_graph_and_run_metadata(tmp_path: Path) -> None:
    model, x = SmallCNN(), torch.randn(2, 1, 8, 8)
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, x)
    events = read_events(tmp_path)
    graphs = [event for event in events if event.HasField("graph_def")]
    metadata = [event for event in events if event.HasField("tagged_run_metadata")]
    assert len(graphs) == 1 and len(metadata) == 1
    assert graphs[0].step == 0 and graphs[0].wall_time > 0
    assert TbGraphDef.FromString(graphs[0].graph_def) == reference(model, x)
    assert metadata[0].tagged_run_metadata.tag == "step1"
    stats = TbRunMetadata.FromString(metadata[0].tagged_run_metadata.run_metadata).step_stats
    assert [dev.device for dev in stats.dev_stats] == ["/device:CPU:0"]


def test_writer_without_disk_and_errors_write_nothing(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path / "off", write_to_disk=False) as writer:
        writer.add_graph(SmallCNN(), torch.randn(2, 1, 8, 8))
    assert not (tmp_path / "off").exists() or not list((tmp_path / "off").iterdir())
    with SummaryWriter(tmp_path / "bad") as writer:
        with pytest.raises(RuntimeError):
            writer.add_graph(Broken(), torch.ones(2, 5))
    assert not [event for event in read_events(tmp_path / "bad") if event.HasField("graph_def")]
