"""The viewer's JSON API, answered over a real logdir: runs, tags, chart envelopes, downloads, errors."""

from __future__ import annotations

import io
import json
import pathlib
import struct

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient

from lightboard import read
from lightboard.serve.smoothing import smooth
from tests.serve.conftest import SPIKE, STEPS, loss_of


def test_runs(client: TestClient, logdir: pathlib.Path) -> None:
    body = client.get("/api/runs").json()
    assert body["generation"] >= 1 and body["logdir"] == str(logdir)
    runs = {run["name"]: run for run in body["runs"]}
    assert list(runs) == ["exp0", "exp1", "other/eval"]
    assert runs["exp0"] == {
        "name": "exp0",
        "points": STEPS + STEPS // 100,
        "last_step": STEPS - 1,
        "start_time": 1_000.0,
        "last_time": 1_000.0 + (STEPS - 1) * 0.5,
    }
    assert runs["other/eval"]["points"] == STEPS // 1_000


def test_scalar_tags_leave_out_other_kinds(client: TestClient) -> None:
    body = client.get("/api/scalars/tags").json()
    assert body == {"eval/acc": ["other/eval"], "train/loss": ["exp0", "exp1"], "train/lr": ["exp0", "exp1"]}


def test_chart_envelope_keeps_the_spike_and_smooths_on_all_points(client: TestClient) -> None:
    body = client.get("/api/scalars", params={"tag": "train/loss", "points": 200}).json()
    assert (body["tag"], body["x"], body["smoothing"]) == ("train/loss", "step", 0.6)
    series = {item["run"]: item for item in body["series"]}
    assert list(series) == ["exp0", "exp1"]
    first = series["exp0"]
    assert first["count"] == STEPS and not first["full"] and len(first["step"]) <= 4 * 200 + 2
    assert SPIKE in first["step"] and 50.0 in first["value"]
    assert first["step"] == sorted(first["step"]) and first["step"][0] == 0 and first["step"][-1] == STEPS - 1
    values = loss_of(0)
    full_smoothed = smooth(values, 0.6)
    np.testing.assert_array_equal(first["value"], values[first["step"]].astype(np.float64))
    np.testing.assert_array_equal(first["smoothed"], full_smoothed[first["step"]])
    assert first["wall_time"][:2] == [1_000.0 + 0.5 * step for step in first["step"][:2]]
    assert first["start_time"] == 1_000.0


def test_non_finite_values_are_nulls_where_they_are(client: TestClient) -> None:
    body = client.get("/api/scalars", params={"tag": "train/loss", "run": "exp1", "points": 100}).json()
    (series,) = body["series"]
    for step in (100, 7_000):
        index = series["step"].index(step)
        assert series["value"][index] is None and series["smoothed"][index] is None
    pairs = zip(series["step"], series["value"], strict=True)
    assert all(value is not None for step, value in pairs if step not in (100, 7_000))


def test_zoom_gets_full_resolution_of_the_visible_range(client: TestClient) -> None:
    body = client.get(
        "/api/scalars", params={"tag": "train/loss", "run": "exp0", "xmin": 12_000, "xmax": 12_500, "points": 200}
    ).json()
    (series,) = body["series"]
    assert series["full"]
    assert series["step"] == list(range(11_999, 12_502))
    np.testing.assert_array_equal(series["smoothed"], smooth(loss_of(0), 0.6)[11_999:12_502])


@pytest.mark.parametrize(("x", "origin"), [("relative", 0.0), ("wall", 1_000.0)])
def test_time_axes(client: TestClient, x: str, origin: float) -> None:
    # exp0 logs a step every 0.5 s from wall time 1000: seconds 100..200 are steps 200..400
    params = {"tag": "train/loss", "run": "exp0", "x": x, "xmin": origin + 100.0, "xmax": origin + 200.0}
    (series,) = client.get("/api/scalars", params=params).json()["series"]
    assert series["full"] and series["step"] == list(range(199, 402))
    assert series["wall_time"][1] == 1_100.0 and series["wall_time"][-2] == 1_200.0


def test_smoothing_zero_is_the_values(client: TestClient) -> None:
    body = client.get("/api/scalars", params={"tag": "train/lr", "smoothing": 0}).json()
    for series in body["series"]:
        assert series["full"] and series["smoothed"] == series["value"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "missing argument 'tag'"),
        ({"tag": "train/loss", "x": "epoch"}, 400, "argument 'x' must be one of step, relative, wall, got 'epoch'"),
        ({"tag": "train/loss", "smoothing": "1.5"}, 400, "argument 'smoothing' must be in [0.0, 1.0], got '1.5'"),
        ({"tag": "train/loss", "smoothing": "nan"}, 400, "argument 'smoothing' must be in [0.0, 1.0], got 'nan'"),
        ({"tag": "train/loss", "points": "many"}, 400, "argument 'points' must be a number, got 'many'"),
        ({"tag": "train/loss", "points": "0"}, 400, "argument 'points' must be in [1, 10000], got '0'"),
        ({"tag": "train/loss", "points": "2.5"}, 400, "argument 'points' must be a whole number, got 2.5"),
        ({"tag": "train/loss", "xmin": 5, "xmax": 1}, 400, "argument 'xmin' (5.0) must not exceed 'xmax' (1.0)"),
        ({"tag": "nope"}, 404, "no run has a scalar tag 'nope'"),
        ({"tag": "train/loss", "run": "ghost"}, 404, "no run 'ghost'"),
        ({"tag": "eval/acc", "run": "exp0"}, 404, "run 'exp0' has no scalar tag 'eval/acc'"),
        ({"tag": "weights"}, 404, "no run has a scalar tag 'weights'"),
    ],
)
def test_bad_arguments_are_named(client: TestClient, params: dict, status: int, message: str) -> None:
    answer = client.get("/api/scalars", params=params)
    assert answer.status_code == status and answer.json() == {"error": message}


@pytest.mark.parametrize("form", ["csv", "json"])
def test_download_has_every_point(client: TestClient, logdir: pathlib.Path, form: str) -> None:
    answer = client.get("/api/scalars/download", params={"tag": "train/loss", "format": form})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="train_loss.{form}"'
    if form == "csv":
        table = pd.read_csv(io.BytesIO(answer.content))
    else:
        table = pd.DataFrame(json.loads(answer.content))
        table["value"] = table["value"].astype(float)
    assert list(table.columns) == ["run", "step", "wall_time", "value"]
    expected = read(logdir).scalars_frame(runs="^exp", tags="^train/loss$")
    assert len(table) == 2 * STEPS
    np.testing.assert_array_equal(table["run"], expected["run"].astype(str))
    np.testing.assert_array_equal(table["step"], expected["step"])
    # values are float32: CSV writes their shortest text, which reads back to the same float32
    np.testing.assert_array_equal(table["value"].astype(np.float32), expected["value"])


def test_download_errors(client: TestClient) -> None:
    answer = client.get("/api/scalars/download", params={"tag": "train/loss", "format": "xlsx"})
    assert answer.status_code == 400 and answer.json() == {
        "error": "argument 'format' must be one of csv, json, got 'xlsx'"
    }
    answer = client.get("/api/scalars/download", params={"tag": "train/loss", "run": "../../etc"})
    assert answer.status_code == 404 and answer.json() == {"error": "no run '../../etc'"}


def decode_binary(body: bytes) -> dict:
    """The binary chart layout, decoded as its documentation (OpenAPI, lightboard.serve.encode) says."""
    (size,) = struct.unpack_from("<I", body)
    header = json.loads(body[4 : 4 + size])
    offset = 4 + size + (-(4 + size) % 8)
    assert all(byte == 0 for byte in body[4 + size : offset])
    for series in header["series"]:
        band = ("min", "max", "ranks") if series.get("merged") else ()  # a merged series has 3 more columns
        for column in ("step", "wall_time", "value", "smoothed", *band):
            series[column] = np.frombuffer(body, "<f8", series["length"], offset)
            offset += 8 * series["length"]
    assert offset == len(body)
    return header


@pytest.mark.parametrize(
    "params",
    [
        {"tag": "train/loss", "points": 100},
        {"tag": "train/loss", "run": "exp1", "x": "wall", "xmin": 1_040, "xmax": 1_060},
        {"tag": "train/lr", "smoothing": 0.9},
    ],
)
def test_binary_charts_hold_the_json_answer(client: TestClient, params: dict) -> None:
    as_json = client.get("/api/scalars", params=params).json()
    answer = client.get("/api/scalars", params={**params, "format": "binary"})
    assert answer.headers["content-type"] == "application/octet-stream"
    binary = decode_binary(answer.content)
    assert {key: value for key, value in binary.items() if key != "series"} == {
        key: value for key, value in as_json.items() if key != "series"
    }
    for ours, theirs in zip(binary["series"], as_json["series"], strict=True):
        assert ours["length"] == len(theirs["step"])
        for key in ("run", "count", "full", "start_time"):
            assert ours[key] == theirs[key]
        np.testing.assert_array_equal(ours["step"], theirs["step"])
        np.testing.assert_array_equal(ours["wall_time"], theirs["wall_time"])
        for column in ("value", "smoothed"):  # JSON's nulls are the binary's non-finite values
            expected = np.array([np.nan if value is None else value for value in theirs[column]])
            np.testing.assert_array_equal(np.where(np.isfinite(ours[column]), ours[column], np.nan), expected)


def test_binary_keeps_nan_and_infinity(client: TestClient) -> None:
    params = {"tag": "train/loss", "run": "exp1", "xmin": 6_990, "xmax": 7_010, "format": "binary"}
    (series,) = decode_binary(client.get("/api/scalars", params=params).content)["series"]
    values = dict(zip(series["step"].tolist(), series["value"].tolist(), strict=True))
    assert values[7_000] == np.inf and np.isfinite(values[6_999])
    assert client.get("/api/scalars", params={"tag": "train/loss", "format": "xml"}).json() == {
        "error": "argument 'format' must be one of json, binary, got 'xml'"
    }


def test_odd_wall_times(tmp_path: pathlib.Path) -> None:
    """NaN wall times (some writers leave them) and a clock that went back: the API still answers, smoothing
    follows the steps on every axis, and a time axis leaves out the points without a time."""
    from lightboard import SummaryWriter
    from lightboard.serve.app import create_app
    from lightboard.serve.source import LiveLogdir

    walls = [100.0, float("nan"), 102.0, 90.0, 104.0, 105.0]  # step 3's clock went back 12 s
    values = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    with SummaryWriter(tmp_path / "run") as writer:
        for step, (wall, value) in enumerate(zip(walls, values, strict=True)):
            writer.add_scalar("x", value, step, walltime=wall)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as client:
        (run,) = client.get("/api/runs").json()["runs"]
        assert (run["start_time"], run["last_time"]) == (90.0, 105.0)
        expected = smooth(np.array(values, np.float32), 0.6)
        by_step = client.get("/api/scalars", params={"tag": "x"}).json()["series"][0]
        assert by_step["step"] == [0, 1, 2, 3, 4, 5] and by_step["wall_time"][1] is None
        np.testing.assert_allclose(by_step["smoothed"], expected)
        for axis in ("wall", "relative"):
            (series,) = client.get("/api/scalars", params={"tag": "x", "x": axis}).json()["series"]
            assert series["step"] == [3, 0, 2, 4, 5] and series["start_time"] == 100.0
            np.testing.assert_allclose(series["smoothed"], expected[[3, 0, 2, 4, 5]])
