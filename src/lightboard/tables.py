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
ARROW_CHUNK = 1 << 18
"""Rows formatted at a time by pyarrow (bounds the memory of their text, kept under 2 GiB of 32-bit offsets)."""
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
    """One object per row: a JSON array, or JSON Lines (one object a line) when ``lines``. pyarrow formats
    the rows when installed (5x faster; its shortest float texts differ from Python's, e.g. ``1`` for
    ``1.0``, and read back as the same numbers)."""
    try:
        import pyarrow
        import pyarrow.compute
    except ImportError:
        write_json_python(table, stream, lines)
        return
    total = rows(table)
    stream.write(b"" if lines else b"[\n" if total else b"[")
    for start in range(0, total, ARROW_CHUNK):
        end = min(start + ARROW_CHUNK, total)
        text = _json_rows_arrow(pyarrow, table, start, end, "\n" if lines else ",\n")
        stream.write(text[:-2] if not lines and end == total else text)  # no comma after the last row
    if not lines:
        stream.write(b"\n]\n")


def _json_rows_arrow(arrow: Any, table: Table, start: int, end: int, after: str) -> memoryview:
    """Rows ``start:end`` of ``table`` as JSON objects, each followed by ``after``, in one buffer."""
    compute = arrow.compute
    parts: list[Any] = []
    for index, (name, column) in enumerate(table.items()):
        parts.append(("{" if index == 0 else ",") + json.dumps(name) + ":")
        if isinstance(column, tuple):
            names = arrow.array([json.dumps(text) for text in column[1]], arrow.string())
            parts.append(names.take(arrow.array(column[0][start:end])))
        elif column.dtype.kind == "f":
            values = arrow.array(column[start:end])
            texts = compute.cast(values, arrow.string())
            special = compute.if_else(
                compute.is_nan(values),
                '"NaN"',
                compute.if_else(compute.greater(values, 0), '"Infinity"', '"-Infinity"'),
            )
            parts.append(compute.if_else(compute.is_finite(values), texts, special))
        else:
            parts.append(compute.cast(arrow.array(column[start:end]), arrow.string()))
    parts.append("}" + after)
    joined = compute.binary_join_element_wise(*parts, "")
    _, offsets, data = joined.buffers()
    bounds = np.frombuffer(offsets, np.int32)[joined.offset : joined.offset + len(joined) + 1]
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def write_json_python(table: Table, stream: IO[bytes], lines: bool = False) -> None:
    """The same objects as :func:`write_json` (floats as Python writes them), with nothing but numpy."""
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
