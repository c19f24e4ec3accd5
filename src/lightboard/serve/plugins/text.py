"""Text: every logged text value of a tag, a string (Markdown, rendered by the page) or, for a 1-D or 2-D string
tensor, a list or a table of strings."""

from __future__ import annotations

from typing import Any

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin


def points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every text value of ``tag`` in ``run``: ``step``, ``wall_time``, ``text``."""
    return [{"step": t.step, "wall_time": t.wall_time, "text": t.text} for t in run.text(tag)]


_CELLS: dict[str, Any] = {"type": ["string", "array"], "items": {"$ref": "#/components/schemas/TextCells"}}

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
)
