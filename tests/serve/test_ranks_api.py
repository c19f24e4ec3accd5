"""``ranks=merge``: a distributed run's rank streams served as one run, its mean with a min-max band.

The logdir holds ``job``, written by 4 ranks (``SummaryWriter(ranks="all")``, each faking its rank through
``RANK`` / ``WORLD_SIZE``) with a spike on one rank at one step and a step one rank skipped, and ``plain``, a
run like any other.
"""

from __future__ import annotations

import io
import json
import pathlib
import time
from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient

from lightboard import SummaryWriter, read
from lightboard.reader import ranks as ranks_module
from lightboard.serve import merge
from lightboard.serve.app import create_app
from lightboard.serve.smoothing import smooth
from lightboard.serve.source import LiveLogdir
from tests.serve.test_api import decode_binary
from tests.serve.test_openapi import response_validator

RANKS = 4
STEPS = 3_000
SPIKE = (2, 1_234)
"""(rank, step) of the spike."""
SKIPPED = (3, 777)
"""(rank, step) a rank did not log."""
MERGED = "job/rank-*"


def value(rank: int, step: int) -> float:
    """What ``rank`` logs at ``step``: a decay offset by the rank, and the spike."""
    return 1_000.0 if (rank, step) == SPIKE else 1.0 / (1.0 + 0.01 * step) + 0.1 * rank


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """``job`` (4 rank streams of ``loss``, and ``lr`` on rank 0 only) and ``plain`` (``loss``). Overrides the
    conftest's, so that its ``client`` serves this logdir."""
    root = tmp_path_factory.mktemp("ranked")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORLD_SIZE", str(RANKS))
        for rank in range(RANKS):
            patch.setenv("RANK", str(rank))
            with SummaryWriter(str(root / "job"), ranks="all") as writer:
                for step in range(STEPS):
                    if (rank, step) != SKIPPED:
                        writer.add_scalar("loss", value(rank, step), step, walltime=1_000.0 + step + rank / 10)
                    if rank == 0 and step % 100 == 0:
                        writer.add_scalar("lr", 0.1, step, walltime=1_000.0 + step)
    with SummaryWriter(str(root / "plain")) as writer:
        for step in range(STEPS):
            writer.add_scalar("loss", 2.0 - step / STEPS, step, walltime=1_000.0 + step)
    return root


def expected(logdir: pathlib.Path) -> dict[str, np.ndarray]:
    """``job``'s ``loss`` across ranks as the reader aggregates it: step, wall_time, mean, min, max, ranks."""
    read_back = read(logdir)
    mean, counts = read_back.aggregate("job", "loss", "mean")
    low, high = (read_back.aggregate("job", "loss", how)[0].value for how in ("min", "max"))
    return {
        "step": mean.step,
        "wall_time": mean.wall_time,
        "mean": mean.value,
        "min": low,
        "max": high,
        "ranks": counts,
    }


def merged_series(client: TestClient, **params) -> dict:
    answer = client.get("/api/scalars", params={"tag": "loss", "ranks": "merge", **params})
    assert answer.status_code == 200, answer.text
    return next(series for series in answer.json()["series"] if series["run"] == MERGED)


def test_runs_list_the_rank_streams_as_one_run(client: TestClient) -> None:
    merged = client.get("/api/runs", params={"ranks": "merge"}).json()
    separate = client.get("/api/runs").json()
    assert merged["rank_groups"] == separate["rank_groups"] == 1
    runs = {run["name"]: run for run in merged["runs"]}
    assert list(runs) == [MERGED, "plain"]
    streams = [run for run in separate["runs"] if run["name"].startswith("job/")]
    assert [run["name"] for run in streams] == [f"job/rank-{rank:05d}" for rank in range(RANKS)]
    assert runs[MERGED] == {
        "name": MERGED,
        "points": RANKS * STEPS - 1 + STEPS // 100,  # every stream's points, rank 0's lr included
        "last_step": STEPS - 1,
        "start_time": 1_000.0,
        "last_time": 1_000.0 + STEPS - 1 + (RANKS - 1) / 10,
        "ranks": RANKS,
    }
    assert runs["plain"] == next(run for run in separate["runs"] if run["name"] == "plain")


def test_tags_list_the_merged_run(client: TestClient) -> None:
    assert client.get("/api/scalars/tags", params={"ranks": "merge"}).json() == {
        "loss": [MERGED, "plain"],
        "lr": [MERGED],
    }


def test_separate_is_the_default_and_unchanged(client: TestClient) -> None:
    for path, params in (("/api/runs", {}), ("/api/scalars/tags", {}), ("/api/scalars", {"tag": "loss"})):
        assert client.get(path, params={**params, "ranks": "separate"}).json() == client.get(path, params=params).json()
    tags = client.get("/api/scalars/tags").json()
    assert tags["loss"] == [*(f"job/rank-{rank:05d}" for rank in range(RANKS)), "plain"]
    assert all("ranks" not in run for run in client.get("/api/runs").json()["runs"])
    chart = client.get("/api/scalars", params={"tag": "loss", "run": "job/rank-00002", "points": 10}).json()
    (series,) = chart["series"]
    assert set(series) == {"run", "count", "full", "start_time", "step", "wall_time", "value", "smoothed"}
    assert series["count"] == STEPS and 1_000.0 in series["value"]
    # names are those listed with the same `ranks`
    answer = client.get("/api/scalars", params={"tag": "loss", "run": MERGED})
    assert answer.status_code == 404 and answer.json() == {"error": f"no run {MERGED!r}"}
    answer = client.get("/api/scalars", params={"tag": "loss", "run": "job/rank-00000", "ranks": "merge"})
    assert answer.status_code == 404 and answer.json() == {"error": "no run 'job/rank-00000'"}


def test_full_resolution_is_the_readers_aggregate(client: TestClient, logdir: pathlib.Path) -> None:
    series = merged_series(client, run=MERGED, points=10_000, smoothing=0)
    truth = expected(logdir)
    assert series["merged"] is True and series["full"] and series["count"] == STEPS
    assert series["start_time"] == truth["wall_time"][0]
    np.testing.assert_array_equal(series["step"], truth["step"])
    np.testing.assert_array_equal(series["wall_time"], truth["wall_time"])
    for column, name in (("value", "mean"), ("smoothed", "mean"), ("min", "min"), ("max", "max"), ("ranks", "ranks")):
        np.testing.assert_array_equal(series[column], truth[name], err_msg=column)
    skipped, spike = SKIPPED[1], SPIKE[1]
    assert series["ranks"][skipped] == RANKS - 1 and series["value"][skipped] == pytest.approx(
        np.mean([value(rank, skipped) for rank in range(RANKS - 1)])
    )
    assert series["max"][spike] == 1_000.0 and series["min"][spike] == pytest.approx(value(0, spike))


def test_downsampled_keeps_the_spike_in_the_band_and_smooths_the_full_mean(
    client: TestClient, logdir: pathlib.Path
) -> None:
    truth = expected(logdir)
    series = merged_series(client, points=10, smoothing=0.9)
    assert not series["full"] and len(series["step"]) <= 8 * 10 + 2
    steps = np.array(series["step"])
    assert SPIKE[1] in steps and max(series["max"]) == 1_000.0
    assert min(series["min"]) == truth["min"].min()
    np.testing.assert_array_equal(series["value"], truth["mean"][steps])
    np.testing.assert_array_equal(series["smoothed"], smooth(truth["mean"], 0.9)[steps])
    np.testing.assert_array_equal(series["ranks"], truth["ranks"][steps])


@pytest.mark.parametrize(
    "params",
    [
        {"points": 10},
        {"x": "wall", "xmin": 1_500, "xmax": 1_520},
        {"x": "relative", "smoothing": 0.3, "points": 100},
    ],
)
def test_binary_charts_carry_the_band(client: TestClient, params: dict) -> None:
    params = {"tag": "loss", "ranks": "merge", **params}
    as_json = client.get("/api/scalars", params=params).json()
    binary = decode_binary(client.get("/api/scalars", params={**params, "format": "binary"}).content)
    assert [(series["run"], series.get("merged")) for series in binary["series"]] == [(MERGED, True), ("plain", None)]
    for ours, theirs in zip(binary["series"], as_json["series"], strict=True):
        assert ours.get("merged") == theirs.get("merged")
        for column in ("step", "wall_time", "value", "smoothed", "min", "max", "ranks"):
            if column in theirs:
                np.testing.assert_array_equal(ours[column], theirs[column], err_msg=column)


def test_bad_ranks_is_named(client: TestClient) -> None:
    message = {"error": "argument 'ranks' must be one of separate, merge, got 'both'"}
    for path in ("/api/runs", "/api/scalars/tags", "/api/scalars", "/api/scalars/download"):
        answer = client.get(path, params={"tag": "loss", "ranks": "both"})
        assert answer.status_code == 400 and answer.json() == message, path


@pytest.mark.parametrize("form", ["csv", "json"])
def test_download_has_the_mean_and_the_band(client: TestClient, logdir: pathlib.Path, form: str) -> None:
    answer = client.get("/api/scalars/download", params={"tag": "loss", "ranks": "merge", "format": form})
    assert answer.status_code == 200
    table = pd.read_csv(io.BytesIO(answer.content)) if form == "csv" else pd.DataFrame(json.loads(answer.content))
    assert list(table.columns) == ["run", "step", "wall_time", "value", "min", "max", "ranks"]
    merged, plain = table[table["run"] == MERGED], table[table["run"] == "plain"]
    assert len(merged) == len(plain) == STEPS
    truth = expected(logdir)
    for column, name in (("step", "step"), ("wall_time", "wall_time"), ("value", "mean"), ("min", "min")):
        np.testing.assert_array_equal(merged[column], truth[name], err_msg=column)
    np.testing.assert_array_equal(merged["max"], truth["max"])
    np.testing.assert_array_equal(merged["ranks"], truth["ranks"])
    # a run that is not merged is one rank
    assert (plain["min"] == plain["value"]).all() and (plain["max"] == plain["value"]).all()
    assert (plain["ranks"] == 1).all()
    separate = client.get("/api/scalars/download", params={"tag": "loss", "run": "plain"})
    assert separate.text.splitlines()[0] == "run,step,wall_time,value"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/runs", {"ranks": "merge"}),
        ("/api/scalars/tags", {"ranks": "merge"}),
        ("/api/scalars", {"tag": "loss", "ranks": "merge", "points": 20}),
        ("/api/scalars/download", {"tag": "loss", "ranks": "merge", "format": "json"}),
    ],
)
def test_merged_answers_fit_the_schemas(client: TestClient, path: str, params: dict) -> None:
    body = client.get(path, params=params).json()
    assert MERGED in json.dumps(body)
    validator = response_validator(path, "200")
    errors = list(validator.iter_errors(body))
    assert not errors, errors[0].message
    if path == "/api/scalars":  # a merged series must have its band
        (merged,) = (series for series in body["series"] if series.get("merged"))
        bad = {key: column for key, column in merged.items() if key != "min"}
        assert list(validator.iter_errors({**body, "series": [bad]}))


def counted_merges(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every merge computed from now on (the rank count of each), none remembered from earlier tests."""
    calls: list[int] = []
    summarize = ranks_module.summarize
    monkeypatch.setattr(ranks_module, "summarize", lambda series: calls.append(len(series)) or summarize(series))
    monkeypatch.setattr(merge, "_RECENT", OrderedDict())
    return calls


def test_the_merge_is_computed_once_per_generation(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted_merges(monkeypatch)
    for smoothing in (0.1, 0.5, 0.9):  # other charts of the same data
        merged_series(client, smoothing=smoothing, points=50)
        client.get("/api/scalars/download", params={"tag": "loss", "ranks": "merge"})
    assert calls == [4]  # one pass over the 4 ranks, once


def test_streams_in_the_logdir_itself_merge_as_rank_star(tmp_path: pathlib.Path, monkeypatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in range(2):
        monkeypatch.setenv("RANK", str(rank))
        with SummaryWriter(str(tmp_path), ranks="all") as writer:
            writer.add_scalar("loss", float(rank), 0)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as client:
        (run,) = client.get("/api/runs", params={"ranks": "merge"}).json()["runs"]
        assert (run["name"], run["ranks"]) == ("rank-*", 2)
        series = client.get("/api/scalars", params={"tag": "loss", "ranks": "merge"}).json()["series"]
        assert [(item["run"], item["value"], item["min"], item["max"]) for item in series] == [
            ("rank-*", [0.5], [0.0], [1.0])
        ]


def test_a_merge_is_kept_until_its_streams_grow(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New points in another run make a new generation but no new merge; new points in a rank stream do."""
    calls = counted_merges(monkeypatch)
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in range(2):
        monkeypatch.setenv("RANK", str(rank))
        with SummaryWriter(str(tmp_path / "job"), ranks="all") as writer:
            writer.add_scalar("loss", float(rank), 0)
    other = SummaryWriter(str(tmp_path / "other"), ranks=None)
    other.add_scalar("loss", 5.0, 0)
    other.flush()
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0.05), base_url="http://localhost") as client:
        assert merged_series(client)["value"] == [0.5] and calls == [2]
        generation = client.get("/api/runs").json()["generation"]
        other.add_scalar("loss", 6.0, 1)
        other.flush()
        wait_for_generation(client, generation)
        assert merged_series(client)["value"] == [0.5] and calls == [2]  # the job did not change
        generation = client.get("/api/runs").json()["generation"]
        monkeypatch.setenv("RANK", "1")
        with SummaryWriter(str(tmp_path / "job"), ranks="all") as writer:
            writer.add_scalar("loss", 3.0, 1)
        wait_for_generation(client, generation)
        assert merged_series(client)["value"] == [0.5, 3.0] and calls == [2, 2]
    other.close()


def wait_for_generation(client: TestClient, after: int) -> None:
    """Wait until the server has read something new (a generation after ``after``)."""
    deadline = time.monotonic() + 60
    while client.get("/api/runs").json()["generation"] == after:
        assert time.monotonic() < deadline, "the server never read the new points"
        time.sleep(0.02)
