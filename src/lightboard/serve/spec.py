"""Pieces of the viewer's OpenAPI document that the core routes and the plugins share."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
NUMBERS = {"type": "array", "items": {"type": ["number", "null"]}}
TAG_RUNS = {
    "type": "object",
    "description": "Each tag with the runs that have it, both in natural order (`metric2` before `metric10`).",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    """A query parameter."""
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def answer(description: str, schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    """A response with one media type."""
    return {"description": description, "content": {media: {"schema": schema}}}


def errors(*statuses: int) -> dict[str, Any]:
    """The error responses ``statuses`` (400, 404)."""
    texts = {400: "A missing or bad argument", 404: "No such run, tag or kind"}
    return {str(status): answer(texts[status], ERROR) for status in statuses}


RANKS = query(
    "ranks",
    "The per-rank streams of a distributed run (`<run>/rank-00000`, `<run>/rank-00001`, ... as "
    "`SummaryWriter(ranks='all')` writes them): `separate`, each a run of its own; `merge`, one entry "
    "`<run>/rank-*` (`rank-*` for streams directly in the logdir) whose series hold, at each step, the mean "
    "across the ranks that logged it as `value`, their `min` and `max`, and how many they are (`ranks`). Only "
    "scalars merge: other kinds always list each stream.",
    {"type": "string", "enum": ["separate", "merge"], "default": "separate"},
)
XMIN = query(
    "xmin", "Start of the x range, in units of the x axis (steps for kinds other than scalars).", {"type": "number"}
)
XMAX = query(
    "xmax", "End of the x range, in units of the x axis (steps for kinds other than scalars).", {"type": "number"}
)
