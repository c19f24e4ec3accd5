"""``lightboard summary``: the numbers match numpy, NaN-safe; sparklines; fitting the terminal."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import lightboard
from lightboard import SummaryWriter
from lightboard.cli import main
from lightboard.cli.summary import SPARKS, sparkline, stats
from lightboard.reader import Scalars


def _rows(capsys: pytest.CaptureFixture[str]) -> tuple[list[str], dict[tuple[str, str], list[str]]]:
    lines = capsys.readouterr().out.splitlines()
    trend = lines[0].find("trend")
    alerts = lines[0].find("alerts") if "alerts" in lines[0] else None
    rows = {}
    for line in lines[1:]:
        cells = line[:trend].split() if trend >= 0 else line.split()
        rows[cells[0], cells[1]] = [*cells[2:], line[trend:alerts].rstrip() if trend >= 0 else ""]
        if alerts is not None:
            rows[cells[0], cells[1]].append(line[alerts:])
    return lines, rows


def _g(value: float) -> str:
    return f"{value:.6g}"


def test_numbers_match_numpy(logdir: pathlib.Path, capsys) -> None:
    assert main(["summary", str(logdir)]) == 0
    lines, rows = _rows(capsys)
    assert lines[0].split() == ["run", "tag", "points", "nan", "last", "min", "max", "min", "step", "trend", "alerts"]
    read = lightboard.read(logdir)
    expected = {(run.name, tag): run.scalars(tag) for run in read for tag in run.scalar_tags()}
    assert set(rows) == set(expected) and len(rows) == 5
    for key, series in expected.items():
        values = series.value.astype(np.float64)
        lowest = np.nanargmin(values)
        assert rows[key][:6] == [
            str(len(values)),
            str(np.isnan(values).sum()),
            _g(values[-1]),
            _g(values[lowest]),
            _g(np.nanmax(values)),
            str(series.step[lowest]),
        ], key
        assert len(rows[key][6]) == min(20, len(values))
    assert rows["train", "loss"][:6] == ["12", "2", "0.75", "-inf", "inf", "70"]
    assert rows["train", "loss"][7] == "nan@20"  # the first NaN of the series: the writer's alert
    assert {key: row[7] for key, row in rows.items() if row[7]} == {("train", "loss"): "nan@20"}


def test_filters_and_no_sparkline(logdir: pathlib.Path, capsys) -> None:
    assert main(["summary", str(logdir), "--runs", "^train$", "--tags", "^l", "--spark", "0"]) == 0
    lines, rows = _rows(capsys)
    assert "trend" not in lines[0]
    assert set(rows) == {("train", "loss"), ("train", "lr")}


def test_no_scalars_exits_1(logdir: pathlib.Path, capsys) -> None:
    assert main(["summary", str(logdir), "--tags", "weights"]) == 1
    assert "no scalar series match --runs/--tags" in capsys.readouterr().err


def test_the_table_fits_the_terminal(tmp_path: pathlib.Path, monkeypatch, capsys) -> None:
    run, tag = "a-rather-long-run-name-for-a-table", "some/deeply/nested/tag/that/goes/on/and/on"
    with SummaryWriter(tmp_path / run) as writer:
        for step in range(100):
            writer.add_scalar(tag, np.sin(step / 10), step)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["summary", str(tmp_path)]) == 0
    lines, rows = _rows(capsys)
    assert list(rows) == [(run, tag)]
    assert len(rows[run, tag][-1]) == 20
    monkeypatch.setenv("COLUMNS", "90")
    assert main(["summary", str(tmp_path)]) == 0
    lines, rows = _rows(capsys)
    assert max(len(line) for line in lines) <= 90
    [(short_run, short_tag)] = rows
    assert "…" in short_run and "…" in short_tag
    assert short_tag.startswith("some/") and short_tag.endswith("/on")
    assert 0 < len(rows[short_run, short_tag][-1]) <= 20


def _series(values: list[float]) -> Scalars:
    array = np.asarray(values, np.float32)
    return Scalars(np.arange(len(array), dtype=np.int64) * 5, np.zeros(len(array)), array)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3.0, 1.0, 2.0, 1.0], (4, 0, 1.0, 1.0, 3.0, 5)),
        ([np.nan, np.inf, 2.0, np.nan], (4, 2, np.nan, 2.0, np.inf, 10)),
        ([np.nan, np.inf, np.nan], (3, 2, np.nan, np.inf, np.inf, 5)),
        ([np.nan, np.nan], (2, 2, np.nan, np.nan, np.nan, None)),
        ([], (0, 0, np.nan, np.nan, np.nan, None)),
    ],
)
def test_stats_ignore_nan(values: list[float], expected: tuple) -> None:
    found = stats(_series(values))
    assert found[:2] == expected[:2] and found[5] == expected[5]
    np.testing.assert_array_equal(found[2:5], expected[2:5])


def test_stats_of_a_long_series_match_numpy() -> None:
    values = np.random.default_rng(9).standard_normal(100_000).astype(np.float32)
    values[::7] = np.nan
    found = stats(_series(values.tolist()))
    assert found.nan == np.isnan(values).sum()
    assert (found.min, found.max) == (np.nanmin(values), np.nanmax(values))
    assert found.min_step == 5 * np.nanargmin(values)


@pytest.mark.parametrize("points", [0, 1, 7, 20, 21, 1000])
@pytest.mark.parametrize("width", [0, 1, 20])
def test_sparkline_length(points: int, width: int) -> None:
    assert len(sparkline(np.random.default_rng(points).random(points), width)) == min(points, width)


@pytest.mark.parametrize(
    ("values", "width", "expected"),
    [
        (list(range(8)), 8, SPARKS),
        ([0] * 10 + [1] * 10 + [2] * 10 + [3] * 10, 4, "▁▃▆█"),
        ([1, 1, np.nan, np.inf, 2, 2], 3, "▁ █"),
        ([np.nan] * 4, 2, "  "),
        ([5.0] * 9, 3, "▁▁▁"),
    ],
)
def test_sparkline_shapes(values: list[float], width: int, expected: str) -> None:
    assert sparkline(np.asarray(values, np.float64), width) == expected


def test_sparkline_levels_are_the_means_of_stretches() -> None:
    values = np.random.default_rng(4).standard_normal(1003)
    values[100:160] = np.nan  # the whole third stretch (100 to 150): a blank
    width = 20
    means: list[float | None] = []
    for index in range(width):
        stretch = values[index * len(values) // width : (index + 1) * len(values) // width]
        finite = stretch[np.isfinite(stretch)]
        means.append(float(finite.mean()) if len(finite) else None)
    shown = [mean for mean in means if mean is not None]
    low, high = min(shown), max(shown)
    expected = "".join(" " if mean is None else SPARKS[min(int((mean - low) / (high - low) * 8), 7)] for mean in means)
    assert expected[2] == " " and expected.count(" ") == 1
    assert sparkline(values, width) == expected
