"""The plugin frame: every dashboard listed, each plugin's tags and points routes, the steps spread, natural order,
and the errors for unknown runs, tags, kinds and bad arguments."""

from __future__ import annotations

import io
import pathlib
import time
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from lightboard import SummaryWriter, read
from lightboard.serve.app import create_app
from lightboard.serve.order import natural
from lightboard.serve.plugins import PLUGINS
from lightboard.serve.source import LiveLogdir

STEPS = 50


@pytest.fixture(scope="module")
def kinds_logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """``run2`` and ``run10`` with scalars, histograms, text and PR curves; ``run10`` has a custom-scalars layout."""
    root = tmp_path_factory.mktemp("kinds")
    rng = np.random.default_rng(0)
    for name in ("run10", "run2"):
        with SummaryWriter(root / name) as writer:
            for step in range(STEPS):
                writer.add_scalar("metric10", step, step)
                writer.add_scalar("metric2", -step, step)
                writer.add_histogram("weights", rng.normal(step, 1, 100), step)
                writer.add_text("notes", f"step **{step}**", step)
                labels = rng.integers(0, 2, 50)
                writer.add_pr_curve("pr", labels, rng.random(50), step)
            if name == "run10":
                writer.add_custom_scalars({"losses": {"both": ["Multiline", ["metric.*"]]}})
    return root


@pytest.fixture(scope="module")
def client(kinds_logdir: pathlib.Path) -> Iterator[TestClient]:
    with TestClient(create_app(LiveLogdir(str(kinds_logdir)), reload_interval=0), base_url="http://localhost") as c:
        yield c


def test_dashboards_list_every_kind_in_tab_order(client: TestClient) -> None:
    body = client.get("/api/dashboards").json()
    listed = {item["name"]: item for item in body["dashboards"]}
    assert [item["name"] for item in body["dashboards"]] == [plugin.name for plugin in PLUGINS]
    assert set(listed) == {"scalars", "histograms", "distributions", "images", "audio", "text", "pr_curves",
                           "hparams", "graphs", "mesh", "projector", "custom_scalars"}  # fmt: skip
    counts = {name: item["tags"] for name, item in listed.items() if item["tags"]}
    assert counts == {"scalars": 2, "histograms": 1, "distributions": 1, "text": 1, "pr_curves": 1, "custom_scalars": 1}
    assert not listed["images"]["viewable"] and listed["histograms"]["viewable"]


def test_tags_are_in_natural_order_with_a_generation(client: TestClient) -> None:
    answer = client.get("/api/scalars/tags")
    assert list(answer.json()) == ["metric2", "metric10"]
    assert answer.json()["metric2"] == ["run2", "run10"]
    assert int(answer.headers["X-Lightboard-Generation"]) >= 1
    assert client.get("/api/histograms/tags").json() == {"weights": ["run2", "run10"]}
    assert client.get("/api/custom_scalars/tags").json() == {"custom_scalars__config__": ["run10"]}


def test_natural_order() -> None:
    assert natural(["b10", "a", "b2", "b1x", "B3"]) == ["B3", "a", "b1x", "b2", "b10"]


@pytest.mark.parametrize(("kind", "method"), [("histograms",) * 2, ("text",) * 2, ("pr_curves",) * 2])
def test_points_are_every_logged_step_as_the_reader_has_them(
    client: TestClient, kinds_logdir: pathlib.Path, kind: str, method: str
) -> None:
    tag = {"histograms": "weights", "text": "notes/text_summary", "pr_curves": "pr"}[kind]
    body = client.get(f"/api/{kind}", params={"run": "run2", "tag": tag}).json()
    expected = getattr(read(kinds_logdir).run("run2"), method)(tag)
    assert body["run"] == "run2" and body["tag"] == tag and body["total"] == STEPS
    assert [p["step"] for p in body["points"]] == [e.step for e in expected] == list(range(STEPS))
    assert [p["wall_time"] for p in body["points"]] == [e.wall_time for e in expected]
    if kind == "histograms":
        assert all(np.array_equal(p["buckets"], e.buckets) for p, e in zip(body["points"], expected, strict=True))
    if kind == "text":
        assert [p["text"] for p in body["points"]] == [e.text for e in expected]
    if kind == "pr_curves":
        for point, curve in zip(body["points"], expected, strict=True):
            assert np.allclose(point["precision"], curve.precision[: len(point["precision"])])


def test_steps_spread_over_the_range_keep_the_ends(client: TestClient) -> None:
    body = client.get("/api/histograms", params={"run": "run2", "tag": "weights", "steps": 5}).json()
    assert body["total"] == STEPS and [p["step"] for p in body["points"]] == [0, 12, 24, 37, 49]
    params = {"run": "run2", "tag": "notes/text_summary", "xmin": 10, "xmax": 19, "steps": 3}
    body = client.get("/api/text", params=params).json()
    assert body["total"] == 10 and [p["step"] for p in body["points"]] == [10, 14, 19]


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/histograms", {"run": "nope", "tag": "weights"}, 404, "no run 'nope'"),
        ("/api/histograms", {"run": "run2", "tag": "notes"}, 404, "run 'run2' has no histograms tag 'notes'"),
        ("/api/histograms", {"tag": "weights"}, 400, "missing argument 'run'"),
        ("/api/histograms", {"run": "run2", "tag": "weights", "steps": "0"}, 400, "argument 'steps'"),
        ("/api/histograms", {"run": "run2", "tag": "weights", "steps": "2.5"}, 400, "whole number"),
        ("/api/text", {"run": "run2", "tag": "notes/text_summary", "xmin": "5", "xmax": "1"}, 400, "'xmin'"),
        ("/api/sideways/tags", {}, 404, "dashboards with routes: scalars, histograms"),
        ("/api/graphs/tags", {}, 404, "no API route '/api/graphs/tags'"),
        ("/api/custom_scalars/match", {"regex": "("}, 400, "argument 'regex' is not a valid regular expression"),
    ],
)
def test_errors_name_what_is_wrong(client: TestClient, path: str, params: dict, status: int, message: str) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status and message in answer.json()["error"]


def test_custom_scalars_layout_and_match(client: TestClient) -> None:
    layout = client.get("/api/custom_scalars/layout").json()
    chart = {"title": "both", "multiline": {"tag": ["metric.*"]}}
    assert layout == {"version": 0, "category": [{"title": "losses", "closed": False, "chart": [chart]}]}
    matched = client.get("/api/custom_scalars/match", params={"regex": "metric1"}).json()
    assert matched == {"metric10": ["run2", "run10"]}


def damaged_logdir(root: pathlib.Path) -> pathlib.Path:
    """A run of 100 steps of ``loss`` whose 50th record's payload has a flipped byte."""
    with SummaryWriter(root / "hurt") as writer:
        for step in range(100):
            writer.add_scalar("loss", step, step)
    (path,) = (root / "hurt").iterdir()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return root


def test_damage_is_reported_and_the_rest_served(tmp_path: pathlib.Path) -> None:
    root = damaged_logdir(tmp_path)
    with TestClient(create_app(LiveLogdir(str(root)), reload_interval=0), base_url="http://localhost") as client:
        body = client.get("/api/runs").json()
        assert body["damage"]["count"] == 1
        (item,) = body["damage"]["items"]
        assert item["run"] == "hurt" and item["path"] == str(next((root / "hurt").iterdir()))
        assert item["problem"] == "payload checksum" and item["offset"] > 0
        chart = client.get("/api/scalars", params={"tag": "loss", "smoothing": 0}).json()
        assert chart["series"][0]["count"] == 99, "every step but the damaged one"


def test_media_points_and_their_bytes_on_demand(tmp_path: pathlib.Path) -> None:
    pixels = np.random.default_rng(1).integers(0, 255, (2, 3, 8, 6), dtype=np.uint8)
    with SummaryWriter(tmp_path / "run") as writer:
        for step in range(3):
            writer.add_image("pictures", pixels[step % 2], step)
            writer.add_audio("sound", np.sin(np.arange(800) / 10.0 * (step + 1)), step, sample_rate=8000)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as client:
        assert client.get("/api/images/tags").json() == {"pictures": ["run"]}
        body = client.get("/api/images", params={"run": "run", "tag": "pictures"}).json()
        shapes = [(p["step"], p["index"], p["width"], p["height"], p["type"]) for p in body["points"]]
        assert shapes == [(step, 0, 6, 8, "image/png") for step in range(3)]
        expected = read(tmp_path).run("run").images("pictures")[1]
        answer = client.get("/api/images/blob", params={"run": "run", "tag": "pictures", "step": 1, "index": 0})
        assert answer.headers["content-type"] == "image/png" and answer.content == expected.encoded
        decoded = np.asarray(Image.open(io.BytesIO(answer.content)))
        assert np.array_equal(decoded, pixels[1].transpose(1, 2, 0))

        clip = client.get("/api/audio/blob", params={"run": "run", "tag": "sound", "step": 2})
        assert clip.headers["content-type"] == "audio/wav"
        assert clip.content == read(tmp_path).run("run").audio("sound")[2].encoded
        points = client.get("/api/audio", params={"run": "run", "tag": "sound"}).json()["points"]
        assert [(p["step"], p["sample_rate"]) for p in points] == [(0, 8000), (1, 8000), (2, 8000)]

        missing = client.get("/api/images/blob", params={"run": "run", "tag": "pictures", "step": 7})
        assert missing.status_code == 404 and "no image 0 at step 7" in missing.json()["error"]
        bad = client.get("/api/images/blob", params={"run": "run", "tag": "pictures"})
        assert bad.status_code == 400 and "missing argument 'step'" in bad.json()["error"]


def test_alerts_from_any_writer_as_the_logdir_grows(tmp_path: pathlib.Path) -> None:
    """A first NaN of a tag is an alert whoever wrote it (tensorboardX's writer has no alerts of its own), each
    once; lightboard's recorded alert is there with the value it saw."""
    from tensorboardX import SummaryWriter as PeerWriter

    peer = PeerWriter(str(tmp_path / "peer"))
    for step in range(10):
        peer.add_scalar("loss", float("nan") if step in (4, 6) else 1.0, step)
    peer.close()  # tensorboardX's flush() leaves its queue
    source = LiveLogdir(str(tmp_path))
    with TestClient(create_app(source, reload_interval=0.05), base_url="http://localhost") as client:
        body = client.get("/api/alerts").json()
        assert body["count"] == 1
        (alert,) = body["alerts"]
        assert (alert["run"], alert["tag"], alert["step"], alert["rule"], alert["value"]) == (
            "peer",
            "loss",
            4,
            "nan",
            "NaN",
        )
        with pytest.warns(Warning, match="non-finite"), SummaryWriter(tmp_path / "ours") as writer:
            for step in range(5):
                writer.add_scalar("acc", float("inf") if step == 3 else 0.5, step)
        deadline = time.monotonic() + 30
        while client.get("/api/alerts").json()["count"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        second = client.get("/api/alerts").json()["alerts"][1]
        assert (second["run"], second["tag"], second["step"], second["value"]) == ("ours", "acc", 3, "Infinity")
        assert client.get("/api/alerts").json()["count"] == 2, "each (run, tag, rule) once"
