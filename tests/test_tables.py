"""The table writers: exact floats, quoting and escaping of any name, many chunks, pyarrow and pure Python alike."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas
import pytest

from lightboard import tables

NAMES = ["plain", 'comma, "quote"', "new\nline", "üñíçødé ✓", "100%"]


def _table(rows: int) -> tables.Table:
    rng = np.random.default_rng(5)
    values = rng.standard_normal(rows)
    values[::97] = np.nan
    values[1::101] = np.inf
    values[2::103] = -np.inf
    values[3::107] = -0.0
    values[4::109] = np.finfo(np.float64).tiny / 3  # subnormal
    return {
        "run": (rng.integers(0, len(NAMES), rows).astype(np.int32), NAMES),
        "tag": (np.zeros(rows, np.int32), ["a,b"]),
        "step": rng.integers(-(2**62), 2**62, rows),
        "wall_time": 1.7e9 + rng.random(rows),
        "value": values,
    }


def _frame(table: tables.Table) -> pandas.DataFrame:
    return pandas.DataFrame(
        {
            name: np.asarray(column[1], dtype=object)[column[0]] if isinstance(column, tuple) else column
            for name, column in table.items()
        }
    )


def _same(found: pandas.DataFrame, expected: pandas.DataFrame) -> None:
    assert list(found.columns) == list(expected.columns)
    for name in expected.columns:
        np.testing.assert_array_equal(found[name].to_numpy(), expected[name].to_numpy(), strict=True, err_msg=name)


ROWS = tables.CHUNK * 2 + 123  # three chunks for the pure-Python writers


@pytest.mark.parametrize("write", [tables.write_csv, tables.write_csv_python])
def test_csv_reads_back_exactly(write) -> None:
    table = _table(ROWS)
    stream = io.BytesIO()
    write(table, stream)
    found = pandas.read_csv(
        io.BytesIO(stream.getvalue()), dtype={"run": str, "tag": str}, keep_default_na=False, na_values=["nan"]
    )
    _same(found, _frame(table))
    assert np.signbit(found["value"].to_numpy()[3])  # -0.0 keeps its sign


def test_csv_header_quotes_names_that_need_it() -> None:
    stream = io.BytesIO()
    tables.write_csv_python({"run": np.zeros(1, np.int64), 'a,"b"': np.ones(1)}, stream)
    assert stream.getvalue() == b'run,"a,""b"""\n0,1.0\n'


JSON_WRITERS = [tables.write_json, tables.write_json_python]


@pytest.mark.parametrize("write", JSON_WRITERS)
@pytest.mark.parametrize("lines", [False, True])
def test_json_reads_back_exactly(write, lines: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "ARROW_CHUNK", tables.CHUNK)  # several chunks for pyarrow too
    table = _table(ROWS)
    stream = io.BytesIO()
    write(table, stream, lines=lines)
    text = stream.getvalue().decode()
    records = [json.loads(line) for line in text.splitlines()] if lines else json.loads(text)
    assert len(records) == ROWS
    found = pandas.DataFrame.from_records(records)
    assert {value for value in found["value"] if isinstance(value, str)} == {"NaN", "Infinity", "-Infinity"}
    found["value"] = [float(value) for value in found["value"]]
    _same(found, _frame(table))


@pytest.mark.parametrize("write", JSON_WRITERS)
def test_json_keys_are_escaped(write) -> None:
    stream = io.BytesIO()
    write({'a "%s" key': np.array([1.5, np.nan])}, stream)
    assert json.loads(stream.getvalue()) == [{'a "%s" key': 1.5}, {'a "%s" key': "NaN"}]


@pytest.mark.parametrize("write", JSON_WRITERS)
@pytest.mark.parametrize("lines", [False, True])
def test_json_of_no_rows(write, lines: bool) -> None:
    stream = io.BytesIO()
    write({"value": np.zeros(0)}, stream, lines=lines)
    assert stream.getvalue() == (b"" if lines else b"[\n]\n")


def test_parquet_keeps_text_dictionary_encoded() -> None:
    pyarrow = pytest.importorskip("pyarrow")
    table = _table(1000)
    stream = io.BytesIO()
    tables.write(table, "parquet", stream)
    read = pytest.importorskip("pyarrow.parquet").read_table(io.BytesIO(stream.getvalue()))
    assert pyarrow.types.is_dictionary(read.schema.field("run").type)
    _same(read.to_pandas().astype({"run": object, "tag": object}), _frame(table))
