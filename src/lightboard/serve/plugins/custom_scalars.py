"""Custom scalars: the layouts logged with ``add_custom_scalars`` (categories of multiline charts, whose tags are
regular expressions, and margin charts, a value with its lower and upper bound), merged across runs as
TensorBoard does, and the scalar tags a chart's regular expression picks."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf.json_format import MessageToDict
from starlette.requests import Request
from starlette.responses import Response

from lightboard.proto.layout_pb2 import Layout
from lightboard.reader import Run
from lightboard.serve import arguments
from lightboard.serve.answers import error, json_answer, source_of
from lightboard.serve.order import natural
from lightboard.serve.plugin import Plugin
from lightboard.summaries.custom_scalars import PLUGIN_NAME, TAG, parse

_LAYOUT_SCHEMA = {
    "type": "object",
    "description": "A Layout proto as JSON: `category` [{`title`, `closed`, `chart` [{`title`, and `multiline` "
    "{`tag`: [regex]} or `margin` {`series`: [{`value`, `lower`, `upper`}]}}]}]; {} when no run has one.",
}


def layout_dict(layout: Layout) -> dict[str, Any]:
    """``layout`` as JSON-ready dicts, field names as in the proto."""
    return MessageToDict(layout, preserving_proto_field_name=True)


def points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every layout logged in ``run``: ``step``, ``wall_time``, ``layout``."""
    return [
        {"step": step, "wall_time": wall_time, "layout": layout_dict(parse(value))}
        for step, wall_time, value in run.values(tag)
    ]


def merged(runs: list[Run]) -> Layout:
    """The latest layout of each run, runs in name order, merged as TensorBoard does: categories by title, a
    category's charts followed by those of later runs that it does not already hold."""
    result = Layout()
    by_title: dict[str, Any] = {}
    for run in sorted(runs, key=lambda run: run.name):
        if TAG not in run.tags().get(PLUGIN_NAME, []):
            continue
        values = run.values(TAG)
        if not values:
            continue
        for category in parse(values[-1][2]).category:
            mine = by_title.get(category.title)
            if mine is None:
                mine = by_title[category.title] = result.category.add()
                mine.CopyFrom(category)
            else:
                mine.chart.extend(chart for chart in category.chart if chart not in mine.chart)
    return result


async def layout(request: Request) -> Response:
    """``GET /api/custom_scalars/layout``: the runs' layouts merged into one."""
    source = source_of(request)
    generation, body = await source.cached(("layout",), lambda logdir: layout_dict(merged(list(logdir))))
    return json_answer(body, generation=generation)


async def match(request: Request) -> Response:
    """``GET /api/custom_scalars/match?regex=R``: ``{tag: [runs]}`` of the scalar tags ``R`` matches from their
    start (Python's ``re.match``, as TensorBoard)."""
    try:
        text = arguments.one(request, "regex")
        try:
            pattern = re.compile(text)
        except re.error as bad:
            raise arguments.BadArgument(f"argument 'regex' is not a valid regular expression: {bad}") from None
    except arguments.BadArgument as bad:
        return error(400, str(bad))

    def matching(logdir: Any) -> dict[str, list[str]]:
        tags: dict[str, list[str]] = {}
        for run in logdir:
            for tag in run.scalar_tags():
                if pattern.match(tag):
                    tags.setdefault(tag, []).append(run.name)
        return {tag: natural(tags[tag]) for tag in natural(tags)}

    source = source_of(request)
    generation, body = await source.cached(("match", text), matching)
    return json_answer(body, generation=generation)


_TAG_RUNS = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
PLUGIN = Plugin(
    name="custom_scalars",
    title="Custom Scalars",
    kind=PLUGIN_NAME,
    points=points,
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "layout"],
        "properties": {"step": {"type": "integer"}, "wall_time": {"type": "number"}, "layout": _LAYOUT_SCHEMA},
    },
    routes=(("/api/custom_scalars/layout", layout), ("/api/custom_scalars/match", match)),
    paths={
        "/api/custom_scalars/layout": {
            "get": {
                "summary": "The runs' custom-scalar layouts merged into one, as TensorBoard merges them",
                "operationId": "customScalarsLayout",
                "responses": {
                    "200": {"description": "The layout", "content": {"application/json": {"schema": _LAYOUT_SCHEMA}}}
                },
            }
        },
        "/api/custom_scalars/match": {
            "get": {
                "summary": "The scalar tags a multiline chart's regular expression picks, with their runs",
                "operationId": "customScalarsMatch",
                "parameters": [
                    {
                        "name": "regex",
                        "in": "query",
                        "required": True,
                        "description": "A Python regular expression, matched from the start of each tag.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {"description": "tag -> runs", "content": {"application/json": {"schema": _TAG_RUNS}}},
                    "400": {
                        "description": "A missing or invalid regex",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        },
    },
)
