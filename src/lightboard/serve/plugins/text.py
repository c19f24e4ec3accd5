"""Text: every logged text value of a tag, a string (Markdown, rendered and sanitized by the page) or, for a 1-D or
2-D string tensor, a list or a table of strings; and the steps whose text holds a search string."""

from __future__ import annotations

from typing import Any

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin
from lightboard.serve.plugins.steps import steps_endpoint, steps_path


def points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every text value of ``tag`` in ``run``: ``step``, ``wall_time``, ``text``."""
    return [{"step": t.step, "wall_time": t.wall_time, "text": t.text} for t in run.text(tag)]


def cells(text: Any) -> list[str]:
    """The strings of a text value: itself, or every cell of a table, row by row."""
    if isinstance(text, str):
        return [text]
    return [cell for item in text for cell in cells(item)]


def matches(point: dict[str, Any], needle: str) -> bool:
    """Whether ``needle`` (case-folded) is in the point's text, or in one of its cells, ignoring case."""
    return any(needle in cell.casefold() for cell in cells(point["text"]))


_CELLS: dict[str, Any] = {"type": ["string", "array"], "items": {"$ref": "#/components/schemas/TextCells"}}
_SEARCH = "Only the steps whose text (any cell of a table) holds this string, ignoring case."

PLUGIN = Plugin(
    name="text",
    title="Text",
    kind="text",
    points=points,
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "text"],
        "properties": {
            "step": {"type": "integer"},
            "wall_time": {"type": "number"},
            "text": {
                "description": "A string (one cell: Markdown), or nested lists of strings (a 1-D or 2-D tensor).",
                **_CELLS,
            },
        },
    },
    schemas={"TextCells": _CELLS},
    routes=(("/api/text/steps", steps_endpoint("text", "text", points, matches)),),
    paths={"/api/text/steps": steps_path("text", _SEARCH)},
)
