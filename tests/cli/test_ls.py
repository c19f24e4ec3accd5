"""``lightboard ls``: runs, tags per kind, counts and last steps, as text and JSON; filters; damage."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from lightboard import SummaryWriter
from lightboard.cli import main

EXPECTED = {
    "eval": {"scalars": {"val/acc": [25, 96], "val/loss": [25, 96]}},
    "nested/deep": {"scalars": {"deep/x": [1, 1]}},
    "train": {
        "scalars": {"loss": [12, 110], "lr": [12, 110]},
        "histograms": {"weights": [3, 100]},
        "images": {"samples": [2, 60]},
        "text": {"lightboard/alerts": [1, 20], "notes/text_summary": [1, 7]},  # the writer's NaN alert
        "graphs": {"__run_graph__": [1, 0]},
    },
}


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["ls", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_lists_runs_kinds_tags_counts_and_last_steps(logdir: pathlib.Path, capsys) -> None:
    listing = _json([str(logdir)], capsys)
    assert listing["logdir"] == str(logdir)
    found = {
        entry["run"]: {
            kind: {tag: [info["count"], info["last_step"]] for tag, info in tags.items()}
            for kind, tags in entry["kinds"].items()
        }
        for entry in listing["runs"]
    }
    assert found == EXPECTED
    assert [next(iter(entry["kinds"])) for entry in listing["runs"]] == ["scalars"] * 3
    train = next(entry for entry in listing["runs"] if entry["run"] == "train")
    assert [(alert["rule"], alert["tag"], alert["step"], alert["value"]) for alert in train["alerts"]] == [
        ("nan", "loss", 20, "NaN")
    ]
    assert [entry["alerts"] for entry in listing["runs"] if entry["run"] != "train"] == [[], []]
    assert [os.path.dirname(path) for path in train["files"]] == [str(logdir / "train")]


def test_text_names_runs_tags_counts_and_last_steps(logdir: pathlib.Path, capsys) -> None:
    assert main(["ls", str(logdir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "eval  (1 event file)"
    assert "train  (1 event file)  ! 1 alert: nan loss@20" in lines
    words = [line.split() for line in lines]
    assert ["scalars", "loss", "12", "points", "last", "step", "110"] in words
    assert ["histograms", "weights", "3", "values", "last", "step", "100"] in words
    assert ["images", "samples", "2", "values", "last", "step", "60"] in words
    assert ["text", "lightboard/alerts", "1", "values", "last", "step", "20"] in words
    assert ["notes/text_summary", "1", "values", "last", "step", "7"] in words
    assert ["val/loss", "25", "points", "last", "step", "96"] in words
    assert lines[-1] == "3 runs, 10 tags, 75 scalar points, 1 with alerts"


def test_filters_select_runs_and_tags(logdir: pathlib.Path, capsys) -> None:
    listing = _json([str(logdir), "--runs", "^(train|eval)$", "--tags", "loss|weights"], capsys)
    assert {entry["run"]: {kind: list(tags) for kind, tags in entry["kinds"].items()} for entry in listing["runs"]} == {
        "eval": {"scalars": ["val/loss"]},
        "train": {"scalars": ["loss"], "histograms": ["weights"]},
    }


def test_a_run_directory_is_the_run_dot(logdir: pathlib.Path, capsys) -> None:
    listing = _json([str(logdir / "eval")], capsys)
    assert [entry["run"] for entry in listing["runs"]] == ["."]


def test_no_matching_run_exits_1(logdir: pathlib.Path, capsys) -> None:
    assert main(["ls", str(logdir), "--runs", "nothing-like-this"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no runs match --runs" in captured.err


def test_damage_is_named_on_stderr_and_exits_0(tmp_path: pathlib.Path, capsys) -> None:
    with SummaryWriter(tmp_path) as writer:
        for step in range(10):
            writer.add_scalar("loss", step, step)
    [path] = tmp_path.iterdir()
    data = bytearray(path.read_bytes())
    data[-6] ^= 0xFF  # inside the last record's payload: its checksum no longer matches
    path.write_bytes(bytes(data))
    assert main(["ls", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "loss  9 points  last step 8" in captured.out
    assert "warning: 1 damaged record(s) skipped" in captured.err
    assert f"{path} @ " in captured.err
    assert "payload checksum" in captured.err
