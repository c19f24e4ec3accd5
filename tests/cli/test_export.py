"""``lightboard export``: CSV, JSON, JSON Lines and Parquet read back to exactly the reader's scalars."""

from __future__ import annotations

import io
import json
import pathlib
import sys

import numpy as np
import pandas
import pyarrow.parquet
import pytest

import lightboard
from lightboard import SummaryWriter
from lightboard.cli import main


def _expected(logdir: pathlib.Path, runs: str | None = None, tags: str | None = None) -> pandas.DataFrame:
    frame = lightboard.read(logdir).scalars_frame(runs, tags)
    return frame.astype({"run": str, "tag": str})


def _same(found: pandas.DataFrame, expected: pandas.DataFrame) -> None:
    """Equal columns and values: NaN where NaN, infinities and every float bit for bit."""
    assert list(found.columns) == list(expected.columns)
    for name in expected.columns:
        np.testing.assert_array_equal(found[name].to_numpy(), expected[name].to_numpy(), strict=True, err_msg=name)


def _export(argv: list[str]) -> None:
    assert main(["export", *argv]) == 0


def test_csv_round_trips_exactly(logdir: pathlib.Path, tmp_path: pathlib.Path, capsys) -> None:
    out = tmp_path / "scalars.csv"
    _export([str(logdir), "-o", str(out)])
    expected = _expected(logdir)
    assert np.isnan(expected.value).sum() == 2 and np.isinf(expected.value).sum() == 2
    _same(pandas.read_csv(out, dtype={"run": str, "tag": str}), expected)
    assert capsys.readouterr().err == f"wrote {len(expected)} rows × 5 columns (csv) to {out}\n"


def test_parquet_round_trips_exactly(logdir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "scalars.parquet"
    _export([str(logdir), "-o", str(out)])
    table = pyarrow.parquet.read_table(out)
    assert table.column_names == ["run", "tag", "step", "wall_time", "value"]
    _same(table.to_pandas().astype({"run": str, "tag": str}), _expected(logdir))


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_round_trips_exactly_with_non_finite_values_as_strings(
    suffix: str, logdir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    out = tmp_path / f"scalars{suffix}"
    _export([str(logdir), "-o", str(out)])
    text = out.read_text()
    records = json.loads(text) if suffix == ".json" else [json.loads(line) for line in text.splitlines()]
    for piece in ('"value":"NaN"', '"value":"Infinity"', '"value":"-Infinity"'):
        assert piece in text
    found = pandas.DataFrame.from_records(records)
    found["value"] = [float(value) for value in found["value"]]  # "NaN", "Infinity", "-Infinity" and numbers
    _same(found, _expected(logdir))


def test_dash_writes_csv_to_stdout(logdir: pathlib.Path, capsys) -> None:
    _export([str(logdir), "-o", "-", "--tags", "^lr$", "-q"])
    captured = capsys.readouterr()
    assert captured.err == ""
    _same(pandas.read_csv(io.StringIO(captured.out), dtype={"run": str, "tag": str}), _expected(logdir, tags="^lr$"))


def test_format_overrides_the_extension(logdir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "scalars.txt"
    _export([str(logdir), "-o", str(out), "--format", "jsonl", "-q"])
    assert len(out.read_text().splitlines()) == len(_expected(logdir))


@pytest.mark.parametrize(("runs", "tags"), [("^eval$", None), (None, "^val/"), ("train|deep", "loss|x")])
def test_filters_select_as_the_reader_does(runs, tags, logdir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "filtered.csv"
    _export([str(logdir), "-o", str(out), *(["--runs", runs] if runs else []), *(["--tags", tags] if tags else [])])
    expected = _expected(logdir, runs, tags)
    assert 0 < len(expected) < len(_expected(logdir))
    _same(pandas.read_csv(out, dtype={"run": str, "tag": str}), expected)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_pivot_gives_the_readers_wide_frame(suffix: str, logdir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / f"wide{suffix}"
    _export([str(logdir), "-o", str(out), "--pivot", "--runs", "eval|train"])
    expected = lightboard.read(logdir).scalars_frame(runs="eval|train", pivot=True).astype({"run": str})
    assert list(expected.columns) == ["run", "step", "loss", "lr", "val/acc", "val/loss"]
    if suffix == ".csv":
        found = pandas.read_csv(out, dtype={"run": str})
    elif suffix == ".parquet":
        found = pyarrow.parquet.read_table(out).to_pandas().astype({"run": str})
    else:
        found = pandas.DataFrame.from_records(json.loads(out.read_text()))
        for tag in expected.columns[2:]:
            found[tag] = [float(value) for value in found[tag]]
    _same(found, expected)


def test_an_unknown_extension_exits_2(logdir: pathlib.Path, tmp_path: pathlib.Path, capsys) -> None:
    assert main(["export", str(logdir), "-o", str(tmp_path / "scalars.xlsx")]) == 2
    assert "cannot tell the format of" in capsys.readouterr().err
    assert not (tmp_path / "scalars.xlsx").exists()


def test_nothing_matched_exits_1_and_writes_nothing(logdir: pathlib.Path, tmp_path: pathlib.Path, capsys) -> None:
    out = tmp_path / "none.csv"
    assert main(["export", str(logdir), "-o", str(out), "--tags", "^no such tag$"]) == 1
    assert "no scalar points match --runs/--tags" in capsys.readouterr().err
    assert not out.exists()


def test_an_unwritable_output_exits_1_naming_it(logdir: pathlib.Path, tmp_path: pathlib.Path, capsys) -> None:
    out = tmp_path / "missing-dir" / "scalars.csv"
    assert main(["export", str(logdir), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"cannot write {str(out)!r}: No such file or directory" in err
    assert "Traceback" not in err


def test_pivot_refuses_a_tag_named_like_its_columns(tmp_path: pathlib.Path, capsys) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("step", 1.0, 0)
        writer.add_scalar("loss", 2.0, 0)
    assert main(["export", str(tmp_path), "--pivot"]) == 1
    assert "a scalar tag is called 'step'" in capsys.readouterr().err
    assert main(["export", str(tmp_path), "--pivot", "--tags", "loss", "-q"]) == 0
    assert pandas.read_csv(io.StringIO(capsys.readouterr().out)).to_dict("list") == {
        "run": ["."],
        "step": [0],
        "loss": [2.0],
    }


@pytest.mark.parametrize(
    ("module", "argv", "extra"),
    [("pyarrow.parquet", ["-o", "out.parquet"], "arrow"), ("pandas", ["-o", "out.csv", "--pivot"], "dataframe")],
)
def test_a_missing_extra_is_named_before_reading(module, argv, extra, logdir, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    assert main(["export", str(logdir), *argv, "--progress"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lightboard: error: ") and err.count("\n") == 1  # no progress bar: nothing was read
    assert f"pip install 'lightboard[{extra}]'" in err
    assert list(tmp_path.iterdir()) == []
