"""The viewer follows a logdir as training writes: new points, new files and new runs, without a restart."""

from __future__ import annotations

import pathlib
import threading
import time

from starlette.testclient import TestClient

from lightboard import SummaryWriter
from lightboard.serve import source as source_module
from lightboard.serve import views
from lightboard.serve.app import create_app
from lightboard.serve.source import LiveLogdir


def wait_for(client: TestClient, path: str, condition, timeout: float = 60.0) -> dict:
    """GET ``path`` until ``condition(body)`` holds (or ``timeout`` s went by); the last body."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(path).json()
        if condition(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.02)


def test_points_and_runs_appear_while_the_server_runs(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path / "first")
    writer.add_scalar("loss", 1.0, 0)
    writer.flush()
    app = create_app(LiveLogdir(str(tmp_path)), reload_interval=0.05)
    with TestClient(app, base_url="http://localhost") as client:
        body = client.get("/api/runs").json()
        generation = body["generation"]
        assert [run["points"] for run in body["runs"]] == [1]

        for step in range(1, 100):
            writer.add_scalar("loss", 1.0 / step, step)
        writer.flush()
        body = wait_for(client, "/api/runs", lambda body: body["runs"][0]["points"] == 100)
        assert body["runs"][0]["last_step"] == 99 and body["generation"] > generation

        with SummaryWriter(tmp_path / "second") as late:
            late.add_scalar("loss", 5.0, 3)
            late.add_scalar("accuracy", 0.5, 3)
        body = wait_for(client, "/api/scalars/tags", lambda body: "accuracy" in body)
        assert body == {"accuracy": ["second"], "loss": ["first", "second"]}
        chart = client.get("/api/scalars", params={"tag": "loss", "smoothing": 0}).json()
        assert [(series["run"], series["count"]) for series in chart["series"]] == [("first", 100), ("second", 1)]

        quiet = client.get("/api/runs").json()["generation"]
        time.sleep(0.3)
        assert client.get("/api/runs").json()["generation"] == quiet, "no new data, no new generation"
    writer.close()


def test_an_empty_logdir_is_served_and_fills_later(tmp_path: pathlib.Path) -> None:
    app = create_app(LiveLogdir(str(tmp_path)), reload_interval=0.05)
    with TestClient(app, base_url="http://localhost") as client:
        assert client.get("/api/runs").json()["runs"] == []
        assert client.get("/api/scalars/tags").json() == {}
        with SummaryWriter(tmp_path / "run") as writer:
            writer.add_scalar("x", 1.0, 0)
        body = wait_for(client, "/api/scalars/tags", lambda body: body)
        assert body == {"x": ["run"]}


def test_a_failing_read_is_reported_and_retried(tmp_path: pathlib.Path, monkeypatch) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_scalar("x", 1.0, 0)
    source = LiveLogdir(str(tmp_path))
    # Reads fail until the test has seen the error reported (a fixed number of failures could all be retried
    # away, every 0.05 s, before a slow machine's first request comes).
    seen = threading.Event()
    real_refresh = source.logdir.refresh

    def flaky(*args, **kwargs):
        if not seen.is_set():
            raise PermissionError("permission denied: 'run'")
        return real_refresh(*args, **kwargs)

    monkeypatch.setattr(source.logdir, "refresh", flaky)
    with TestClient(create_app(source, reload_interval=0.05), base_url="http://localhost") as client:
        body = client.get("/api/runs").json()
        assert body["error"] == f"reading {tmp_path} failed: PermissionError: permission denied: 'run'"
        seen.set()
        body = wait_for(client, "/api/runs", lambda body: body["error"] is None and body["runs"])
        assert body["error"] is None and [run["points"] for run in body["runs"]] == [1]


def test_the_first_answers_are_ready_before_a_page_asks(tmp_path: pathlib.Path, monkeypatch) -> None:
    """After the first read, the runs, dashboards and scalar tags a page asks first are computed at once."""
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_scalar("loss", 1.0, 0)
    listed: list[int] = []
    real = views.runs
    monkeypatch.setattr(views, "runs", lambda entries: listed.append(len(entries)) or real(entries))
    source = LiveLogdir(str(tmp_path))
    with TestClient(create_app(source, reload_interval=0), base_url="http://localhost") as client:
        deadline = time.monotonic() + 30
        while not listed and time.monotonic() < deadline:  # no request made: only the read can compute it
            time.sleep(0.01)
        assert listed == [1], "computed with the read, before any request"
        assert client.get("/api/runs", params={"ranks": "merge"}).json()["runs"][0]["name"] == "run"
        assert listed == [1], "and answered from what was computed"


def test_a_big_logdir_is_served_a_part_at_a_time_while_it_is_first_read(tmp_path: pathlib.Path, monkeypatch) -> None:
    """Past PART_BYTES, the first read goes the first run alone, then parts twice as big each time: a query asked
    meanwhile is answered from what was read so far, and ``reading`` says the rest is coming."""
    for run in range(6):
        with SummaryWriter(tmp_path / f"run{run}") as writer:
            for step in range(2_000):
                writer.add_scalar("loss", step, step)
    monkeypatch.setattr(source_module, "PART_BYTES", 200_000)  # each run is ~86 kB: parts of two, then four runs
    source = LiveLogdir(str(tmp_path))
    parts: list[list[str] | None] = []
    seen: list[list[int]] = []  # points per run, as a query between the first two parts sees them
    real = source._refresh

    def refresh(runs: list[str] | None = None, first: bool = False) -> bool:
        parts.append(runs)
        done = real(runs, first)
        if len(parts) == 1:  # queued now, as a page's query would be: before the next part
            source._worker.submit(
                lambda: seen.append([len(run.scalars("loss")) if run.scalar_tags() else 0 for run in source.logdir])
            )
        return done

    monkeypatch.setattr(source, "_refresh", refresh)
    with TestClient(create_app(source, reload_interval=0), base_url="http://localhost") as client:
        body = wait_for(client, "/api/runs", lambda body: not body["reading"])
        assert [run["points"] for run in body["runs"]] == [2_000] * 6
    assert parts == [["run0"], ["run1", "run2"], ["run3", "run4", "run5"]]
    assert seen == [[2_000, 0, 0, 0, 0, 0]], "answered from the first run, every run listed"
    assert source.generation == len(parts), "each part is a generation a page sees"
