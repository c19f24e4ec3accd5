"""Custom scalars: the layouts logged with ``add_custom_scalars`` (categories of multiline charts, whose tags are
regular expressions, and margin charts, a value with its lower and upper bound), merged across runs as
TensorBoard does, the scalar tags a chart's regular expression picks, and a whole chart's series (every matched
tag of every run) in one answer, downsampled and smoothed as the scalars' charts are."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf.json_format import MessageToDict
from starlette.requests import Request
from starlette.responses import Response

from lightboard.proto.layout_pb2 import Layout
from lightboard.reader import Run
from lightboard.serve import arguments, merge, spec, views
from lightboard.serve.answers import entries, error, json_answer, source_of
from lightboard.serve.encode import chart_binary, chart_json
from lightboard.serve.order import natural
from lightboard.serve.plugin import NotFound, Plugin
from lightboard.serve.plugins import scalars
from lightboard.summaries.custom_scalars import PLUGIN_NAME, TAG, parse

_LAYOUT_SCHEMA = {
    "type": "object",
    "description": "A Layout proto as JSON: `category` [{`title`, `closed`, `chart` [{`title`, and `multiline` "
    "{`tag`: [regex]} or `margin` {`series`: [{`value`, `lower`, `upper`}]}}]}]; {} when no run has one.",
}


def layout_dict(layout: Layout) -> dict[str, Any]:
    """``layout`` as JSON-ready dicts, field names as in the proto, fields at their default value included (as
    TensorBoard answers: ``version`` 0, ``closed`` false)."""
    try:
        return MessageToDict(layout, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    except TypeError:  # protobuf < 5.26 names it otherwise
        return MessageToDict(layout, preserving_proto_field_name=True, including_default_value_fields=True)


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

    def answer(logdir: Any) -> dict[str, Any]:
        layout = merged(list(logdir))
        return layout_dict(layout) if layout.category else {}  # TensorBoard's answer when no run has a layout

    generation, body = await source.cached(("layout",), answer)
    return json_answer(body, generation=generation)


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as bad:
        raise arguments.BadArgument(f"argument 'regex' is not a valid regular expression {text!r}: {bad}") from None


async def match(request: Request) -> Response:
    """``GET /api/custom_scalars/match?regex=R``: ``{tag: [runs]}`` of the scalar tags ``R`` matches from their
    start (Python's ``re.match``, as TensorBoard), runs listed as ``ranks`` lists them."""
    try:
        text = arguments.one(request, "regex")
        pattern = _pattern(text)
        mode = arguments.choice(request, "ranks", merge.MODES)
    except arguments.BadArgument as bad:
        return error(400, str(bad))
    source = source_of(request)

    def matching(logdir: Any) -> dict[str, list[str]]:
        tags: dict[str, list[str]] = {}
        for entry in entries(source, mode):
            for tag in entry.scalar_tags():
                if pattern.match(tag):
                    tags.setdefault(tag, []).append(entry.name)
        return {tag: natural(tags[tag]) for tag in natural(tags)}

    generation, body = await source.cached(("match", text, mode), matching)
    return json_answer(body, generation=generation)


MAX_TAGS = 100
"""The most tags one chart answer holds (the first, in natural order, of those its regular expressions match)."""
POINT_BUDGET = 60_000
MIN_BUCKETS = 50


def chart_series(
    listed: list[merge.Entry],
    names: list[str],
    tags: list[str],
    patterns: list[re.Pattern[str]],
    x: str = "step",
    smoothing: float = 0.6,
    lo: float | None = None,
    hi: float | None = None,
    buckets: int = 1000,
) -> tuple[list[str], int, list[dict[str, Any]]]:
    """``(shown tags, matched count, series)`` of one chart: the scalar tags ``tags`` (exact) and those a pattern of
    ``patterns`` matches from the start, in the runs ``names`` (all of ``listed`` when empty), each (tag, run)
    pair a series of :func:`lightboard.serve.views.scalar_chart` with its ``tag``; tags in the order given, then
    matched ones in natural order, at most :data:`MAX_TAGS`. The pairs share :data:`POINT_BUDGET` buckets (at
    least :data:`MIN_BUCKETS` each, at most ``buckets``).

    Raises:
        NotFound: a run of ``names`` is not listed, or no listed run has a tag of ``tags``.
    """
    by_name = {entry.name: entry for entry in listed}
    for name in names:
        if name not in by_name:
            raise NotFound(f"no run {name!r}")
    chosen = [by_name[name] for name in dict.fromkeys(names)] if names else listed
    has = {entry.name: set(entry.scalar_tags()) for entry in listed}  # a merged entry makes its list anew each call
    for tag in tags:
        if not any(tag in has[entry.name] for entry in listed):
            raise NotFound(f"no run has a scalar tag {tag!r}")
    matched = {tag for entry in chosen for tag in has[entry.name] if any(p.match(tag) for p in patterns)}
    wanted = list(dict.fromkeys([*tags, *natural(matched - set(tags))]))
    shown = wanted[:MAX_TAGS]
    pairs = [(tag, [entry for entry in chosen if tag in has[entry.name]]) for tag in shown]
    count = sum(len(having) for _, having in pairs)
    share = min(buckets, max(MIN_BUCKETS, POINT_BUDGET // max(1, count)))
    series = []
    for tag, having in pairs:
        for item in views.scalar_chart(having, tag, x, smoothing, lo, hi, share):
            series.append({"tag": tag, **item})
    return shown, len(wanted), series


async def chart(request: Request) -> Response:
    """``GET /api/custom_scalars/chart?tag=T&regex=R&run=…``: one chart's series, every (tag, run) pair of the
    tags given and matched, as ``/api/scalars`` draws one tag (JSON, or its binary layout)."""
    try:
        tags = request.query_params.getlist("tag")
        patterns = [_pattern(text) for text in request.query_params.getlist("regex")]
        if not tags and not patterns:
            raise arguments.BadArgument("give the chart's tags: at least one argument 'tag' or 'regex'")
        names = request.query_params.getlist("run")
        x = arguments.choice(request, "x", views.X_AXES)
        smoothing = arguments.number(request, "smoothing", 0.6, 0.0, 1.0)
        lo, hi = arguments.span(request)
        points = arguments.whole(request, "points", 1000, 1, scalars.MAX_POINTS)
        form = arguments.choice(request, "format", scalars.CHART_FORMATS)
        mode = arguments.choice(request, "ranks", merge.MODES)
    except arguments.BadArgument as bad:
        return error(400, str(bad))
    encode = chart_binary if form == "binary" else chart_json
    source = source_of(request)

    def compute(logdir: Any) -> bytes:
        listed = entries(source, mode)
        shown, matched, series = chart_series(listed, names, tags, patterns, x, smoothing, lo, hi, points)
        header = {"tags": shown, "matched": matched, "x": x, "smoothing": smoothing, "generation": source.generation}
        return encode(header, series)

    try:
        body = await source.query(compute)
    except NotFound as missing:
        return error(404, str(missing))
    return Response(body, media_type="application/octet-stream" if form == "binary" else "application/json")


def _scalars_parameters(*names: str) -> list[dict[str, Any]]:
    """The parameters ``names`` of ``/api/scalars`` (the same arguments, the same meaning)."""
    listed = {item["name"]: item for item in scalars.PLUGIN.paths["/api/scalars"]["get"]["parameters"]}
    return [listed[name] for name in names]


_REGEX = spec.query(
    "regex", "A Python regular expression, matched from the start of each tag.", {"type": "string"}, required=True
)
_CHART_PARAMETERS = [
    spec.query(
        "tag",
        "A scalar tag to draw (exact); repeat for several, e.g. a margin chart's value, lower and upper.",
        {"type": "array", "items": {"type": "string"}},
    ),
    spec.query(
        "regex",
        "A Python regular expression: the scalar tags it matches from their start are drawn too; repeat for several. "
        "At least one `tag` or `regex` is needed.",
        {"type": "array", "items": {"type": "string"}},
    ),
    spec.query(
        "run",
        "A run to include, named as /api/runs lists it with the same `ranks`; repeat for several. Absent: every run.",
        {"type": "array", "items": {"type": "string"}},
    ),
    *_scalars_parameters("ranks", "x", "smoothing", "xmin", "xmax", "points", "format"),
]
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
    routes=(
        ("/api/custom_scalars/layout", layout),
        ("/api/custom_scalars/match", match),
        ("/api/custom_scalars/chart", chart),
    ),
    schemas={
        "CustomScalarsChart": {
            "type": "object",
            "required": ["tags", "matched", "x", "smoothing", "generation", "series"],
            "properties": {
                "tags": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The tags drawn: those given, then those matched in natural order.",
                },
                "matched": {
                    "type": "integer",
                    "description": f"How many tags were given or matched (at most {MAX_TAGS} are drawn).",
                },
                "x": {"type": "string", "enum": ["step", "relative", "wall"]},
                "smoothing": {"type": "number"},
                "generation": {"type": "integer"},
                "series": {
                    "type": "array",
                    "items": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Series"},
                            {"type": "object", "required": ["tag"], "properties": {"tag": {"type": "string"}}},
                        ]
                    },
                },
            },
        }
    },
    paths={
        "/api/custom_scalars/layout": {
            "get": {
                "summary": "The runs' custom-scalar layouts merged into one, as TensorBoard merges them",
                "description": (
                    "Each run's latest layout, runs in name order: a category joins the one of the same title, its "
                    "charts appended unless that category already holds an identical chart."
                ),
                "operationId": "customScalarsLayout",
                "responses": {"200": spec.answer("The layout", _LAYOUT_SCHEMA)},
            }
        },
        "/api/custom_scalars/match": {
            "get": {
                "summary": "The scalar tags a multiline chart's regular expression picks, with their runs",
                "operationId": "customScalarsMatch",
                "parameters": [_REGEX, *_scalars_parameters("ranks")],
                "responses": {"200": spec.answer("tag -> runs", spec.TAG_RUNS), **spec.errors(400)},
            }
        },
        "/api/custom_scalars/chart": {
            "get": {
                "summary": "One custom chart: every (tag, run) pair of the tags given or matched, in one answer",
                "description": (
                    "A series per pair, as `/api/scalars` answers for one tag (min/max envelope of `points` buckets, "
                    "smoothed on every point, the same binary layout), each with its `tag`; runs that lack a tag "
                    f"have no series for it. The pairs share {POINT_BUDGET:,} buckets (at least {MIN_BUCKETS} each, "
                    f"at most `points`). At most {MAX_TAGS} tags are drawn; `matched` says how many there were."
                ),
                "operationId": "customScalarsChart",
                "parameters": _CHART_PARAMETERS,
                "responses": {
                    "200": {
                        "description": "The chart's series",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/CustomScalarsChart"}},
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    **spec.errors(400, 404),
                },
            }
        },
    },
)
