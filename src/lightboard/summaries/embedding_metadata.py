"""The lines of an embedding's ``metadata.tsv`` (see :mod:`lightboard.summaries.embedding`)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from lightboard.summaries.embedding_files import METHOD
from lightboard.tensor import to_numpy

BLANK_LABEL = "<blank>"
"""Written for a metadata row whose cells are all blank: the projector skips blank lines, which would
give every later point the label of the next one."""

_SANITIZE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _as_list(value: Any, argument: str, tag: str) -> list[Any]:
    """A sequence, array, tensor, Series or DataFrame as a list; arrays yield numpy scalars or rows.

    Numbers stay numpy scalars (not Python floats) so that a float32 prints as ``0.1``, not
    ``0.10000000149011612``.
    """
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (str, bytes, Mapping)) or value is None:
        raise TypeError(
            f"{METHOD}: {argument} for tag {tag!r} must be a sequence with one entry per point, "
            f"got {type(value).__name__}"
        )
    if not isinstance(value, np.ndarray):
        if hasattr(value, "columns") and hasattr(value, "iloc"):  # a pandas DataFrame: column by column
            columns = [np.asarray(value.iloc[:, i].to_numpy()) for i in range(len(value.columns))]
            return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(len(value))]
        if hasattr(value, "to_numpy"):  # pandas
            value = np.asarray(value.to_numpy())
        elif hasattr(value, "__array__") or hasattr(value, "numpy"):  # torch, jax, TensorFlow: numbers
            value = to_numpy(value, argument=argument, method=METHOD, tag=tag)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            raise TypeError(f"{METHOD}: {argument} for tag {tag!r} must be a sequence, got a 0-d array")
        return list(value)
    try:
        return list(value)
    except TypeError as error:
        raise TypeError(
            f"{METHOD}: {argument} for tag {tag!r} must be a sequence, got {type(value).__name__}"
        ) from error


def _cell(value: Any, tag: str) -> str:
    """One metadata cell as text; tabs and line breaks (which would break the TSV) become spaces."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif not isinstance(value, str):
        if not isinstance(value, np.generic) and (hasattr(value, "__array__") or hasattr(value, "numpy")):
            value = to_numpy(value, argument="metadata", method=METHOD, tag=tag)  # a 0-d tensor
            value = value[()] if value.ndim == 0 else value.tolist()
        value = str(value)
    return value.translate(_SANITIZE)


def _is_row(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return True
    return not isinstance(value, (str, bytes, np.generic)) and getattr(value, "ndim", 0) >= 1


def metadata_lines(metadata: Any, metadata_header: Any, count: int, tag: str) -> list[str]:
    """The lines of ``metadata.tsv`` for ``count`` points.

    ``metadata`` holds one label per point (one column), or one sequence of labels per point (several
    columns). One column is written without a header: TensorBoard reads a first line as a header only
    when it holds a tab, so a one-name ``metadata_header`` is dropped (with a warning). Several columns
    need ``metadata_header``, one distinct name per column. Cells are ``str()`` of the values (numpy and
    torch scalars through ``tolist``), with tabs and line breaks replaced by spaces; a row whose cells
    are all blank gets :data:`BLANK_LABEL` in its first cell.

    Raises:
        TypeError: ``metadata`` is not a sequence.
        ValueError: wrong length, rows of different lengths, several columns without a header, a header
            whose length differs from the column count, or repeated header names.
    """
    rows = _as_list(metadata, "metadata", tag)
    if len(rows) != count:
        raise ValueError(
            f"{METHOD}: metadata for tag {tag!r} must have one entry per point (mat has {count} rows), got {len(rows)}"
        )
    table: list[list[str]] = []
    width = None
    for index, row in enumerate(rows):
        cells = (
            [_cell(item, tag) for item in _as_list(row, f"metadata[{index}]", tag)]
            if _is_row(row)
            else [_cell(row, tag)]
        )
        if width is None:
            width = len(cells)
        if len(cells) != width or not cells:
            raise ValueError(
                f"{METHOD}: metadata rows for tag {tag!r} must all have the same number of columns (at least 1): "
                f"row 0 has {width}, row {index} has {len(cells)}"
            )
        if not any(cell.strip() for cell in cells):
            cells[0] = BLANK_LABEL
        table.append(cells)
    assert width is not None
    header = _header(metadata_header, width, tag)
    lines = ["\t".join(header)] if header else []
    lines.extend("\t".join(cells) for cells in table)
    return lines


def _header(metadata_header: Any, width: int, tag: str) -> list[str] | None:
    if metadata_header is None:
        if width > 1:
            raise ValueError(
                f"{METHOD}: metadata for tag {tag!r} has {width} columns, so metadata_header must name them "
                "(TensorBoard reads the first line of a multi-column file as the column names)"
            )
        return None
    names = [_cell(name, tag) for name in _as_list(metadata_header, "metadata_header", tag)]
    if len(names) != width:
        raise ValueError(
            f"{METHOD}: metadata_header for tag {tag!r} has {len(names)} names but metadata has {width} columns"
        )
    if width == 1:
        warnings.warn(
            f"{METHOD}: metadata_header for tag {tag!r} is dropped: TensorBoard shows one metadata column "
            "only without a header",
            stacklevel=5,
        )
        return None
    if len(set(names)) != len(names):
        raise ValueError(f"{METHOD}: metadata_header for tag {tag!r} repeats a column name: {names}")
    return names
