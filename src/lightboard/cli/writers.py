"""Tables written as CSV, JSON, JSON Lines or Parquet, fast on millions of rows.

A table is ``{column name: column}``, a column being a numpy array or, for text, ``(codes, names)`` (row
``i`` holds ``names[codes[i]]``), as :func:`lightboard.reader.frames.columns` gives them.

Floats are written exactly: the shortest text that reads back as the same float64. CSV writes non-finite
values as ``nan``, ``inf`` and ``-inf``; JSON, which has no such numbers, as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"`` (which Python's ``float()`` and JavaScript's ``Number()`` parse).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from lightboard.optional import require

Column = np.ndarray | tuple[np.ndarray, list[str]]
Table = dict[str, Column]
FORMATS = ("csv", "json", "jsonl", "parquet")
CHUNK = 1 << 16
"""Rows formatted at a time by the pure-Python writers."""
_JSON_NON_FINITE = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}


def rows(table: Table) -> int:
    """The number of rows of ``table``."""
    column = next(iter(table.values()))
    return len(column[0] if isinstance(column, tuple) else column)


def write(table: Table, form: str, stream: IO[bytes]) -> None:
    """Write ``table`` to a binary stream in the format ``form`` (one of :data:`FORMATS`)."""
    if form == "csv":
        write_csv(table, stream)
    elif form == "parquet":
        require("pyarrow.parquet", "arrow", "export to Parquet").write_table(arrow_table(table), stream)
    else:
        write_json(table, stream, lines=form == "jsonl")


def arrow_table(table: Table) -> Any:
    """``table`` as a pyarrow Table, text columns dictionary-encoded (needs pyarrow)."""
    arrow = require("pyarrow", "arrow", "export to Parquet")
    arrays = [
        arrow.DictionaryArray.from_arrays(column[0], arrow.array(column[1], arrow.string()))
        if isinstance(column, tuple)
        else arrow.array(column)
        for column in table.values()
    ]
    return arrow.table(arrays, names=list(table))


def write_csv(table: Table, stream: IO[bytes]) -> None:
    """CSV with a header row; text cells always quoted. pyarrow writes it when installed (4x faster)."""
    try:
        from pyarrow import csv
    except ImportError:
        write_csv_python(table, stream)
        return
    stream.write(_csv_header(table))
    csv.write_csv(arrow_table(table), stream, csv.WriteOptions(include_header=False))


def write_csv_python(table: Table, stream: IO[bytes]) -> None:
    """The same CSV as :func:`write_csv`, written with nothing but numpy."""
    stream.write(_csv_header(table))
    template = ",".join(["%s"] * len(table))
    for chunk in _formatted(table, _csv_quote, _float_texts, template):
        stream.write(("\n".join(chunk) + "\n").encode())


def write_json(table: Table, stream: IO[bytes], lines: bool = False) -> None:
    """One object per row: a JSON array, or JSON Lines (one object a line) when ``lines``."""
    template = "{" + ",".join(json.dumps(name).replace("%", "%%") + ":%s" for name in table) + "}"
    first = True
    if not lines:
        stream.write(b"[")
    for chunk in _formatted(table, json.dumps, _json_floats, template):
        if lines:
            stream.write(("\n".join(chunk) + "\n").encode())
        else:
            stream.write(("\n" if first else ",\n").encode() + ",\n".join(chunk).encode())
        first = False
    if not lines:
        stream.write(b"\n]\n")


def _csv_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _csv_header(table: Table) -> bytes:
    names = [_csv_quote(name) if any(c in name for c in ',"\r\n') else name for name in table]
    return (",".join(names) + "\n").encode()


def _float_texts(values: np.ndarray) -> list[str]:
    return list(map(repr, values.tolist()))


def _json_floats(values: np.ndarray) -> list[str]:
    texts = _float_texts(values)
    for index in np.flatnonzero(~np.isfinite(values)).tolist():
        texts[index] = _JSON_NON_FINITE[texts[index]]
    return texts


def _formatted(table: Table, text: Any, floats: Any, template: str) -> Iterator[list[str]]:
    """Chunks of rows formatted by ``template`` (one ``%s`` per column) from the cells as text."""
    encoded = {
        name: np.asarray([text(value) for value in column[1]], dtype=object)
        for name, column in table.items()
        if isinstance(column, tuple)
    }
    total = rows(table)
    for start in range(0, total, CHUNK):
        cells = []
        for name, column in table.items():
            if isinstance(column, tuple):
                cells.append(encoded[name][column[0][start : start + CHUNK]].tolist())
            elif column.dtype.kind == "f":
                cells.append(floats(column[start : start + CHUNK]))
            else:
                cells.append(list(map(str, column[start : start + CHUNK].tolist())))
        yield list(map(template.__mod__, zip(*cells, strict=True)))
