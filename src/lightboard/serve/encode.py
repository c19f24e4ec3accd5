"""Answers as bytes: JSON for everything, and a binary layout for charts that the page decodes without parsing.

A chart's binary answer (``format=binary``) is laid out as:

1. a little-endian uint32 ``n``, then ``n`` bytes of UTF-8 JSON: the JSON answer with each series' columns
   left out and its number of points as ``length``;
2. zero bytes up to a multiple of 8 from the start;
3. for each series, for each column of :data:`lightboard.serve.views.COLUMNS` (``step``, ``wall_time``,
   ``value``, ``smoothed``), then, for a series of merged rank streams (``"merged": true`` in its JSON), of
   :data:`lightboard.serve.merge.BAND` (``min``, ``max``, ``ranks``): ``length`` little-endian float64 (steps
   are exact up to 2**53; NaN and infinities are kept as they are).

It costs the server a copy of the columns instead of formatting every number, and the page reads it as
``Float64Array`` views.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from lightboard.serve.views import series_columns


def json_bytes(body: Any) -> bytes:
    """``body`` as compact JSON (NaN and infinities refused: JSON has none)."""
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode()


def chart_json(header: dict[str, Any], series: list[dict[str, Any]]) -> bytes:
    """A chart as JSON: the columns as arrays of numbers, ``null`` where a value is NaN or infinite."""
    listed = []
    for item in series:
        listed.append({**item, **{column: _listed(item[column]) for column in series_columns(item)}})
    return json_bytes({**header, "series": listed})


def chart_binary(header: dict[str, Any], series: list[dict[str, Any]]) -> bytes:
    """A chart in the binary layout of this module's docstring."""
    heads = [{key: value for key, value in item.items() if key not in series_columns(item)} for item in series]
    for head, item in zip(heads, series, strict=True):
        head["length"] = len(item["step"])
    text = json_bytes({**header, "series": heads})
    padding = -(4 + len(text)) % 8
    columns = [np.asarray(item[column], dtype="<f8") for item in series for column in series_columns(item)]
    return b"".join([struct.pack("<I", len(text)), text, bytes(padding), *(column.tobytes() for column in columns)])


def _listed(column: np.ndarray) -> list[Any]:
    if column.dtype.kind in "iu":
        return column.tolist()
    finite = np.isfinite(column)
    if finite.all():
        return column.tolist()
    return np.where(finite, column, None).tolist()
