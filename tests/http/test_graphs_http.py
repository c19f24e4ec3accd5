"""Conformance: the real TensorBoard, with both loaders, serves the graphs lightboard logged.

One log directory gets one run per model: a small CNN, an LSTM, a transformer encoder layer, a model with a
tuple and a dict among its inputs and a tuple or dict as output, and an ONNX file exported from the CNN. The
graphs plugin serves each GraphDef as pbtxt (``/data/plugin/graphs/graph``), parsed here into TensorBoard's own
``GraphDef`` and compared with ``torch.utils.tensorboard``'s GraphDef of the same model (names, op kinds, edges,
attributes) and, for ONNX, with the GraphDef lightboard built; the run metadata comes back under ``step1``.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
from google.protobuf import text_format  # noqa: E402
from tensorboard.compat.proto.config_pb2 import RunMetadata as TbRunMetadata  # noqa: E402
from tensorboard.compat.proto.graph_pb2 import GraphDef as TbGraphDef  # noqa: E402

from lightboard import SummaryWriter  # noqa: E402
from lightboard.summaries import onnx_graph  # noqa: E402
from tests.summaries.test_onnx_graph import export_cnn  # noqa: E402
from tests.summaries.test_pytorch_graph import graph_cases, node_set, reference  # noqa: E402
from tests.tensorboard_server import TensorBoardServer  # noqa: E402

TORCH_RUNS = list(graph_cases())
ONNX_RUN = "onnx_cnn"


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, TbGraphDef]]:
    """The log directory and the GraphDef each run should serve (torch's for models, ours for ONNX)."""
    logdir = tmp_path_factory.mktemp("graphs")
    expected: dict[str, TbGraphDef] = {}
    for run, (model, inputs, strict) in graph_cases().items():
        with SummaryWriter(logdir / run) as writer:
            writer.add_graph(model, inputs, use_strict_trace=strict)
        expected[run] = reference(model, inputs, strict)
    path = export_cnn(tmp_path_factory.mktemp("onnx") / "cnn.onnx")
    with SummaryWriter(logdir / ONNX_RUN) as writer:
        writer.add_onnx_graph(str(path))
    ours = onnx_graph.graph_def(onnx_graph.load_model(path))
    expected[ONNX_RUN] = TbGraphDef.FromString(ours.SerializeToString())
    return logdir, expected


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast", "python_loader"])
def server(request: pytest.FixtureRequest, logged: tuple[Path, dict[str, TbGraphDef]]) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logged[0], load_fast=request.param) as tensorboard:
        runs = set(logged[1])
        tensorboard.wait_for(lambda: runs <= set(_graph_runs(tensorboard)), 30, "graphs of every run")
        yield tensorboard


def _graph_runs(server: TensorBoardServer) -> dict[str, Any]:
    return {run: item for run, item in server.get_json("/data/plugin/graphs/info").items() if item.get("run_graph")}


def served_graph(server: TensorBoardServer, run: str) -> TbGraphDef:
    body = server.get("/data/plugin/graphs/graph", run=run, conversions="false").decode("utf-8")
    return text_format.Parse(body, TbGraphDef())


def test_info_lists_graphs_and_run_metadata(server: TensorBoardServer) -> None:
    info = server.get_json("/data/plugin/graphs/info")
    for run in TORCH_RUNS:
        assert info[run]["run_graph"] is True
        assert info[run]["tags"]["step1"]["profile"] is True
    assert info[ONNX_RUN]["run_graph"] is True and not info[ONNX_RUN]["tags"]


@pytest.mark.parametrize("run", [*TORCH_RUNS, ONNX_RUN])
def test_served_graph_equals_expected(
    server: TensorBoardServer, logged: tuple[Path, dict[str, TbGraphDef]], run: str
) -> None:
    served = served_graph(server, run)
    expected = logged[1][run]
    assert len(served.node) > 5
    assert node_set(served) == node_set(expected)
    assert served == expected


def test_served_run_metadata(server: TensorBoardServer) -> None:
    for run in TORCH_RUNS:
        body = server.get("/data/plugin/graphs/run_metadata", run=run, tag="step1").decode("utf-8")
        metadata = text_format.Parse(body, TbRunMetadata())
        assert [dev.device for dev in metadata.step_stats.dev_stats] == ["/device:CPU:0"]
    with pytest.raises(urllib.error.HTTPError):
        server.get("/data/plugin/graphs/run_metadata", run=ONNX_RUN, tag="step1")
