"""Scalars as pandas, pyarrow and polars tables; progress reports; the hparams table's shape."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import lightboard
from lightboard import SummaryWriter


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> lightboard.Logdir:
    root = tmp_path_factory.mktemp("frames")
    for run, offset in (("train", 0.0), ("eval", 100.0)):
        with SummaryWriter(str(root / run)) as writer:
            for step in range(4):
                writer.add_scalar("loss", offset + step, step, walltime=50.0 + step)
                if run == "train":
                    writer.add_scalar("lr", 0.1 * step, step, walltime=50.0 + step)
            writer.add_scalar("loss", float("nan"), 4, walltime=60.0)
    return lightboard.read(root)


def expected_rows(logdir: lightboard.Logdir) -> list[tuple]:
    rows = []
    for run in sorted(logdir.runs):
        for tag in logdir.run(run).scalar_tags():
            series = logdir.scalars(run, tag)
            rows += [(run, tag, int(s), float(w), float(v)) for s, w, v in zip(*series, strict=True)]
    return rows


def same(a: list[tuple], b: list[tuple]) -> bool:
    return len(a) == len(b) and all(
        x[:4] == y[:4] and (x[4] == y[4] or (math.isnan(x[4]) and math.isnan(y[4]))) for x, y in zip(a, b, strict=True)
    )


def test_tidy_pandas(logdir: lightboard.Logdir) -> None:
    frame = logdir.scalars_frame()
    assert list(frame.columns) == ["run", "tag", "step", "wall_time", "value"]
    assert frame["run"].dtype == "category" and frame["value"].dtype == np.float64
    rows = list(frame.itertuples(index=False, name=None))
    assert same(rows, expected_rows(logdir)) and len(rows) == 5 + 4 + 5


def test_filters_and_pivot(logdir: lightboard.Logdir) -> None:
    assert set(logdir.scalars_frame(runs="^ev")["run"]) == {"eval"}
    assert set(logdir.scalars_frame(tags="lr")["tag"]) == {"lr"}
    assert logdir.scalars_frame(runs="nothing").empty
    wide = logdir.scalars_frame(pivot=True)
    assert list(wide.columns) == ["run", "step", "loss", "lr"]
    train = wide[wide["run"] == "train"].set_index("step")
    assert train.loc[2, "loss"] == 2.0 and train.loc[2, "lr"] == pytest.approx(0.2)
    assert math.isnan(train.loc[4, "loss"]) and math.isnan(train.loc[4, "lr"])
    assert pd.isna(wide[wide["run"] == "eval"]["lr"]).all()


def test_arrow_and_polars(logdir: lightboard.Logdir) -> None:
    table = logdir.scalars_arrow()
    assert table.schema.field("run").type == pa.dictionary(pa.int32(), pa.string())
    rows = list(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))
    assert same(rows, expected_rows(logdir))
    polars = pytest.importorskip("polars")
    frame = logdir.scalars_polars(tags="loss")
    assert frame.columns == ["run", "tag", "step", "wall_time", "value"]
    assert frame.schema["run"] == polars.Categorical
    assert same(frame.rows(), [row for row in expected_rows(logdir) if row[1] == "loss"])


def test_progress_reports_every_byte(tmp_path: Path) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        for step in range(1000):
            writer.add_scalar("loss", step, step)
    calls: list[tuple[int, int]] = []
    lightboard.read(tmp_path, progress=lambda done, total: calls.append((done, total)))
    (path,) = tmp_path.glob("*tfevents*")
    assert calls[0] == (0, path.stat().st_size) and calls[-1] == (path.stat().st_size,) * 2


def test_hparams_table_without_trials(logdir: lightboard.Logdir) -> None:
    assert logdir.hparams().empty


def test_missing_library_names_the_extra(logdir: lightboard.Logdir, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"pip install 'lightboard\[arrow\]'"):
        logdir.scalars_arrow()
