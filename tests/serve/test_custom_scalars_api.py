"""Custom scalars API: the merged layout and the regex matches, checked against TensorBoard's own HTTP API
(``/data/plugin/custom_scalars/layout`` and ``/scalars?run=&tag=<regex>``, both loaders) on runs whose layouts
tensorboardX, ``torch.utils.tensorboard`` and lightboard wrote; and ``/api/custom_scalars/chart`` (a whole
chart's series in one answer) against the reader.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from lightboard import SummaryWriter, read
from lightboard.serve.app import create_app
from lightboard.serve.plugins import custom_scalars
from lightboard.serve.smoothing import smooth
from lightboard.serve.source import LiveLogdir
from tests.serve.test_api import decode_binary
from tests.serve.test_openapi import response_validator
from tests.tensorboard_server import TensorBoardServer

pytestmark = pytest.mark.timeout(180)

STEPS = 40
TBX_LAYOUT = {
    "losses": {"all losses": ["Multiline", ["loss/.*"]]},
    "accuracy": {"band": ["Margin", ["acc/mean", "acc/low", "acc/high"]]},
}
TORCH_LAYOUT = {
    "losses": {"all losses": ["Multiline", ["loss/.*"]], "train": ["Multiline", ["loss/train$"]]},
    "schedule": {"lr": ["Multiline", ["lr"]]},
}
REGEXES = ["loss/.*", "loss/train$", "acc", "l", ".*", "(?i)LOSS/T", "loss/test\\d+", "nothing", "lr|acc/m"]
"""Regexes the match route is checked on: prefixes, anchors, case flags, alternation, none matching."""


def value(run: str, tag: str, step: int) -> float:
    """What ``run`` logs under ``tag`` at ``step`` (distinct per run and tag)."""
    offset = sum(map(ord, run + tag)) % 97
    return float(np.float32(math.cos(step / 7 + offset) + offset / 10))


def scalars(writer: Any, run: str, tags: list[str]) -> None:
    for step in range(STEPS):
        for tag in tags:
            writer.add_scalar(tag, value(run, tag, step), step, walltime=1_000.0 + step)


def write_logdir(root: pathlib.Path) -> None:
    """Runs ``a_tbx`` (tensorboardX), ``b_torch`` (torch), ``c_lb`` (lightboard, three calls that add up),
    ``d_plain`` (scalars, no layout) and ``e_closed`` (a closed category, written by torch). Their layouts overlap
    so that merging skips duplicates, appends new charts to an earlier category, and adds categories."""
    from tensorboardX import SummaryWriter as TbxWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    acc = ["acc/mean", "acc/low", "acc/high"]
    with TbxWriter(str(root / "a_tbx")) as writer:
        writer.add_custom_scalars(TBX_LAYOUT)
        scalars(writer, "a_tbx", ["loss/train", "loss/val", *acc])
    with TorchWriter(str(root / "b_torch")) as writer:
        writer.add_custom_scalars(TORCH_LAYOUT)
        scalars(writer, "b_torch", ["loss/train", "loss/val", "lr"])
    with SummaryWriter(root / "c_lb") as writer:
        writer.add_custom_scalars_multilinechart(["loss/test\\d+"], category="losses", title="tests")
        writer.add_custom_scalars_marginchart(acc, category="accuracy", title="band")
        writer.add_custom_scalars_marginchart(acc, category="accuracy", title="band again")
        scalars(writer, "c_lb", ["loss/train", "loss/test2", "loss/test10", *acc])
    with SummaryWriter(root / "d_plain") as writer:
        scalars(writer, "d_plain", ["loss/train", "lr", "other"])
    with TorchWriter(str(root / "e_closed")) as writer:
        writer._get_file_writer().add_summary(closed_layout("hidden", "other", "other"), 0)


def closed_layout(category: str, chart: str, regex: str) -> object:
    """A TensorBoard ``Summary`` of a layout with one closed category holding one multiline chart: what the writers'
    dict layouts cannot express, built from TensorBoard's own protos (its ``summary.pb`` needs TensorFlow)."""
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.plugins.custom_scalar import layout_pb2

    content = layout_pb2.MultilineChartContent(tag=[regex])
    layout = layout_pb2.Layout(
        category=[
            layout_pb2.Category(title=category, closed=True, chart=[layout_pb2.Chart(title=chart, multiline=content)])
        ]
    )
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="custom_scalars"))
    tensor = TensorProto(dtype="DT_STRING", string_val=[layout.SerializeToString()])
    return Summary(value=[Summary.Value(tag="custom_scalars__config__", metadata=metadata, tensor=tensor)])


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("custom_scalars")
    write_logdir(root)
    return root


@pytest.fixture(scope="module")
def client(logdir: pathlib.Path) -> Iterator[TestClient]:
    with TestClient(create_app(LiveLogdir(str(logdir)), reload_interval=0), base_url="http://localhost") as c:
        yield c


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast=true", "load_fast=false"])
def tensorboard(request: pytest.FixtureRequest, logdir: pathlib.Path) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logdir, load_fast=request.param) as server:
        server.wait_for_tags({"scalars": {"d_plain": {"other"}, "c_lb": {"acc/high"}}})
        server.wait_until_stable([("/data/plugin/custom_scalars/layout", {})])
        yield server


def tensorboard_matches(server: TensorBoardServer, regex: str) -> dict[str, list[str]]:
    """``{tag: [runs]}`` from TensorBoard's custom-scalars ``/scalars`` route, asked run by run."""
    tags: dict[str, list[str]] = {}
    for run in sorted(server.get_json("/data/runs")):
        answer = server.get_json("/data/plugin/custom_scalars/scalars", run=run, tag=regex)
        assert answer["regex_valid"] is True
        for tag in answer["tag_to_events"]:
            tags.setdefault(tag, []).append(run)
    return tags


def test_layout_is_tensorboards(client: TestClient, tensorboard: TensorBoardServer) -> None:
    ours = client.get("/api/custom_scalars/layout").json()
    assert ours == tensorboard.get_json("/data/plugin/custom_scalars/layout")
    # What that merge is: runs in name order, duplicates skipped, later charts appended, the closed flag kept.
    titles = [(c["title"], [chart["title"] for chart in c["chart"]], c.get("closed", False)) for c in ours["category"]]
    assert titles == [
        ("losses", ["all losses", "train", "tests"], False),
        ("accuracy", ["band", "band again"], False),
        ("schedule", ["lr"], False),
        ("hidden", ["other"], True),
    ]


def test_layout_points_are_the_readers(client: TestClient, logdir: pathlib.Path) -> None:
    """``/api/custom_scalars?run&tag`` lists a run's layouts: c_lb's three calls added up into one layout."""
    ((step, wall_time, value),) = read(logdir).run("c_lb").values(custom_scalars.TAG)
    body = client.get("/api/custom_scalars", params={"run": "c_lb", "tag": custom_scalars.TAG}).json()
    assert body["total"] == 1 and body["points"][0]["step"] == step and body["points"][0]["wall_time"] == wall_time
    layout = body["points"][0]["layout"]
    assert layout == custom_scalars.layout_dict(custom_scalars.parse(value))
    assert [[chart["title"] for chart in c["chart"]] for c in layout["category"]] == [["tests"], ["band", "band again"]]


@pytest.mark.parametrize("regex", REGEXES)
def test_match_is_tensorboards(client: TestClient, tensorboard: TensorBoardServer, regex: str) -> None:
    ours = client.get("/api/custom_scalars/match", params={"regex": regex}).json()
    theirs = tensorboard_matches(tensorboard, regex)
    assert ours == {tag: sorted(theirs[tag]) for tag in ours} and set(ours) == set(theirs)


def test_chart_values_are_tensorboards(client: TestClient, tensorboard: TensorBoardServer) -> None:
    """Every point of every (tag, run) pair a regex picks, as TensorBoard's custom-scalars route serves it."""
    body = client.get("/api/custom_scalars/chart", params={"regex": "loss/", "smoothing": 0, "points": 1000}).json()
    pairs = {(s["tag"], s["run"]): s for s in body["series"]}
    expected = {}
    for run in ("a_tbx", "b_torch", "c_lb", "d_plain"):
        answer = tensorboard.get_json("/data/plugin/custom_scalars/scalars", run=run, tag="loss/")
        for tag, events in answer["tag_to_events"].items():
            expected[(tag, run)] = events
    assert set(pairs) == set(expected)
    for pair, events in expected.items():
        series = pairs[pair]
        assert series["full"] and series["count"] == STEPS
        assert [[w, s, v] for w, s, v in zip(series["wall_time"], series["step"], series["value"], strict=True)] == [
            [float(w), s, v] for w, s, v in events
        ]


def test_invalid_regex(client: TestClient, tensorboard: TensorBoardServer) -> None:
    """TensorBoard answers ``regex_valid: false``; the API refuses it with 400 naming the argument."""
    answer = tensorboard.get_json("/data/plugin/custom_scalars/scalars", run="a_tbx", tag="loss/(")
    assert answer == {"regex_valid": False, "tag_to_events": {}}
    for path in ("/api/custom_scalars/match", "/api/custom_scalars/chart"):
        bad = client.get(path, params={"regex": "loss/("})
        assert bad.status_code == 400 and "'regex'" in bad.json()["error"], bad.json()


def test_no_layout_is_an_empty_object(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_scalar("x", 1.0, 0)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as c:
        assert c.get("/api/custom_scalars/layout").json() == {}
        assert c.get("/api/custom_scalars/tags").json() == {}


def test_chart_is_every_pair_with_the_readers_values(client: TestClient, logdir: pathlib.Path) -> None:
    """Exact tags and regexes together, some runs: a series per (tag, run) that exists, smoothed on every point."""
    params = {"tag": ["acc/mean", "lr"], "regex": ["loss/test"], "run": ["c_lb", "b_torch"], "smoothing": 0.9}
    body = client.get("/api/custom_scalars/chart", params=params).json()
    assert body["tags"] == ["acc/mean", "lr", "loss/test2", "loss/test10"] and body["matched"] == 4
    assert [(s["tag"], s["run"]) for s in body["series"]] == [
        ("acc/mean", "c_lb"), ("lr", "b_torch"), ("loss/test2", "c_lb"), ("loss/test10", "c_lb"),
    ]  # fmt: skip
    reader = read(logdir)
    for series in body["series"]:
        points = reader.scalars(series["run"], series["tag"])
        assert series["step"] == points.step.tolist()
        assert series["value"] == points.value.astype(np.float64).tolist()
        np.testing.assert_allclose(series["smoothed"], smooth(points.value, 0.9))
    assert not list(response_validator("/api/custom_scalars/chart", "200").iter_errors(body))


def test_chart_binary_is_its_json(client: TestClient) -> None:
    params = {"regex": ["acc/"], "points": 5}
    body = client.get("/api/custom_scalars/chart", params=params).json()
    binary = decode_binary(client.get("/api/custom_scalars/chart", params={**params, "format": "binary"}).content)
    assert binary["tags"] == body["tags"] == ["acc/high", "acc/low", "acc/mean"]
    assert [(s["tag"], s["run"], s["full"]) for s in binary["series"]] == [
        (s["tag"], s["run"], s["full"]) for s in body["series"]
    ]
    for ours, theirs in zip(binary["series"], body["series"], strict=True):
        assert list(ours["step"]) == theirs["step"] and list(ours["value"]) == theirs["value"]
        assert not ours["full"] and len(ours["step"]) < STEPS  # 5 buckets: an envelope


def test_chart_shares_a_point_budget(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    body = client.get("/api/custom_scalars/chart", params={"regex": "", "points": 1000}).json()
    assert len(body["series"]) == 17 and all(s["full"] for s in body["series"])  # every scalar of every run
    monkeypatch.setattr(custom_scalars, "POINT_BUDGET", 17 * 2)
    monkeypatch.setattr(custom_scalars, "MIN_BUCKETS", 1)
    body = client.get("/api/custom_scalars/chart", params={"regex": "", "points": 1000}).json()
    assert len(body["series"]) == 17
    assert all(not s["full"] and len(s["step"]) <= 2 * 4 + 2 for s in body["series"])  # 2 buckets' extremes, ends


def test_chart_caps_the_tags(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(custom_scalars, "MAX_TAGS", 2)
    body = client.get("/api/custom_scalars/chart", params={"regex": "loss/"}).json()
    assert body["tags"] == ["loss/test2", "loss/test10"] and body["matched"] == 4
    assert [s["run"] for s in body["series"]] == ["c_lb", "c_lb"]


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({}, 400, "'tag' or 'regex'"),
        ({"tag": "acc/mean", "x": "sideways"}, 400, "'x'"),
        ({"tag": "acc/mean", "run": "nope"}, 404, "no run 'nope'"),
        ({"tag": "missing"}, 404, "no run has a scalar tag 'missing'"),
    ],
)
def test_chart_errors(client: TestClient, params: dict, status: int, text: str) -> None:
    answer = client.get("/api/custom_scalars/chart", params=params)
    assert answer.status_code == status and text in answer.json()["error"], answer.json()


def test_a_regex_matching_nothing_is_an_empty_chart(client: TestClient) -> None:
    body = client.get("/api/custom_scalars/chart", params={"regex": "nothing", "run": "a_tbx"}).json()
    assert body["tags"] == [] and body["series"] == [] and body["matched"] == 0


def test_match_lists_merged_rank_streams_as_one_run(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in range(2):
        monkeypatch.setenv("RANK", str(rank))
        with SummaryWriter(str(tmp_path / "job"), ranks="all") as writer:
            writer.add_scalar("loss", float(rank), 0)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as c:
        assert c.get("/api/custom_scalars/match", params={"regex": "l"}).json() == {
            "loss": ["job/rank-00000", "job/rank-00001"]
        }
        assert c.get("/api/custom_scalars/match", params={"regex": "l", "ranks": "merge"}).json() == {
            "loss": ["job/rank-*"]
        }
        chart = c.get("/api/custom_scalars/chart", params={"regex": "l", "ranks": "merge"}).json()
        assert [(s["run"], s["merged"], s["min"], s["max"]) for s in chart["series"]] == [
            ("job/rank-*", True, [0.0], [1.0])
        ]


def test_tensorboard_loses_charts_added_to_a_category_a_later_run_brought(tmp_path: pathlib.Path) -> None:
    """A documented difference: TensorBoard's merge appends a third run's charts to the second run's own copy of a
    category the first run lacks, not to the merged one, so they vanish; lightboard keeps them."""
    layouts = {
        "r1": {"first": {"a": ["Multiline", ["a"]]}},
        "r2": {"second": {"b": ["Multiline", ["b"]]}},
        "r3": {"second": {"c": ["Multiline", ["c"]]}},
    }
    for run, layout in layouts.items():
        with SummaryWriter(tmp_path / run) as writer:
            writer.add_custom_scalars(layout)
            writer.add_scalar(run, 1.0, 0)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as c:
        ours = c.get("/api/custom_scalars/layout").json()
    with TensorBoardServer(tmp_path, load_fast=False) as server:
        server.wait_for_tags({"scalars": {run: {run} for run in layouts}})
        server.wait_until_stable([("/data/plugin/custom_scalars/layout", {})])
        theirs = server.get_json("/data/plugin/custom_scalars/layout")
    charts = lambda layout: {c["title"]: [chart["title"] for chart in c["chart"]] for c in layout["category"]}  # noqa: E731
    assert charts(theirs) == {"first": ["a"], "second": ["b"]}
    assert charts(ours) == {"first": ["a"], "second": ["b", "c"]}
