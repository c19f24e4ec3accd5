"""Scalars: the scalar tags' charts (series downsampled to their exact min/max envelope, smoothed on every point)
and every point of a chart as a file; a distributed run's rank streams can be merged into one entry.

Unlike the other plugins, ``/api/scalars`` answers a chart (several runs' series, columnar, JSON or binary) rather
than a list of point objects: the chart is what the page draws, and a 5M-point tag is not sent whole.
"""

from __future__ import annotations

import io
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lightboard import tables
from lightboard.serve import arguments, merge, spec, views
from lightboard.serve.answers import entries, error, source_of
from lightboard.serve.encode import chart_binary, chart_json
from lightboard.serve.plugin import NotFound, Plugin

MAX_POINTS = 10_000
"""The most x buckets a chart may ask for."""
DOWNLOAD_FORMATS = ("csv", "json")
CHART_FORMATS = ("json", "binary")


async def chart(request: Request) -> Response:
    """``GET /api/scalars``: one chart's series, downsampled to their min/max envelope, smoothed on all points
    (JSON, or the binary layout of :mod:`lightboard.serve.encode` with ``format=binary``)."""
    try:
        tag = arguments.one(request, "tag")
        names = request.query_params.getlist("run")
        x = arguments.choice(request, "x", views.X_AXES)
        smoothing = arguments.number(request, "smoothing", 0.6, 0.0, 1.0)
        lo, hi = arguments.span(request)
        points = arguments.whole(request, "points", 1000, 1, MAX_POINTS)
        form = arguments.choice(request, "format", CHART_FORMATS)
        mode = arguments.choice(request, "ranks", merge.MODES)
    except arguments.BadArgument as bad:
        return error(400, str(bad))
    encode = chart_binary if form == "binary" else chart_json
    source = source_of(request)

    def compute(logdir: Any) -> bytes:
        chosen = views.chosen_runs(entries(source, mode), tag, names)
        series = views.scalar_chart(chosen, tag, x, smoothing, lo, hi, points)
        return encode({"tag": tag, "x": x, "smoothing": smoothing, "generation": source.generation}, series)

    try:
        body = await source.query(compute)
    except NotFound as missing:
        return error(404, str(missing))
    return Response(body, media_type="application/octet-stream" if form == "binary" else "application/json")


async def download(request: Request) -> Response:
    """``GET /api/scalars/download``: every point of one chart as a CSV or JSON attachment."""
    try:
        tag = arguments.one(request, "tag")
        form = arguments.choice(request, "format", DOWNLOAD_FORMATS)
        mode = arguments.choice(request, "ranks", merge.MODES)
    except arguments.BadArgument as bad:
        return error(400, str(bad))
    names = request.query_params.getlist("run")
    source = source_of(request)

    def table(logdir: Any) -> bytes:
        stream = io.BytesIO()
        tables.write(views.download_table(views.chosen_runs(entries(source, mode), tag, names), tag), form, stream)
        return stream.getvalue()

    try:
        body = await source.query(table)
    except NotFound as missing:
        return error(404, str(missing))
    filename = re.sub(r"[^A-Za-z0-9._-]+", "_", tag).strip("_")[:100] or "scalars"
    return Response(
        body,
        media_type="text/csv" if form == "csv" else "application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}.{form}"'},
    )


TAG = spec.query("tag", "The scalar tag.", {"type": "string"}, required=True)
RUNS = spec.query(
    "run",
    "A run to include, named as /api/runs lists it with the same `ranks`; repeat for several. Absent: every run "
    "that has the tag.",
    {"type": "array", "items": {"type": "string"}},
)

PLUGIN = Plugin(
    name="scalars",
    title="Scalars",
    kind="scalars",
    routes=(("/api/scalars", chart), ("/api/scalars/download", download)),
    schemas={
        "Series": {
            "type": "object",
            "description": "One run's points to draw, parallel arrays sorted by the x axis.",
            "required": ["run", "count", "full", "start_time", "step", "wall_time", "value", "smoothed"],
            "properties": {
                "run": {"type": "string"},
                "count": {"type": "integer", "description": "Points in the whole series."},
                "full": {"type": "boolean", "description": "True when every point of the range is here."},
                "start_time": {
                    "type": ["number", "null"],
                    "description": "The series' first wall time; the 'relative' axis is wall_time - start_time.",
                },
                "step": {"type": "array", "items": {"type": "integer"}},
                "wall_time": {"type": "array", "items": {"type": "number"}},
                "value": {**spec.NUMBERS, "description": "null where the value is NaN or infinite."},
                "smoothed": {**spec.NUMBERS, "description": "The debiased EMA computed on every point of the series."},
                "merged": {
                    "const": True,
                    "description": "Present on merged rank streams only (`ranks=merge`): `value` is then the mean "
                    "across the ranks that logged the step, and the series has `min`, `max` and `ranks`.",
                },
                "min": {**spec.NUMBERS, "description": "Merged only: the lowest value among the ranks at the step."},
                "max": {**spec.NUMBERS, "description": "Merged only: the highest value among the ranks at the step."},
                "ranks": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Merged only: how many ranks logged the step.",
                },
            },
            "dependentRequired": {"merged": ["min", "max", "ranks"]},
        },
        "Chart": {
            "type": "object",
            "required": ["tag", "x", "smoothing", "generation", "series"],
            "properties": {
                "tag": {"type": "string"},
                "x": {"type": "string", "enum": ["step", "relative", "wall"]},
                "smoothing": {"type": "number"},
                "generation": {"type": "integer"},
                "series": {"type": "array", "items": {"$ref": "#/components/schemas/Series"}},
            },
        },
    },
    paths={
        "/api/scalars": {
            "get": {
                "summary": "One chart's data: a tag's series, downsampled to their exact min/max envelope",
                "description": (
                    "For each run, the x range is cut into `points` equal buckets and, in each, the points holding "
                    "the minimum and the maximum of the value and of the smoothed value are kept (a spike at any "
                    "step is always there), plus the range's first and last points and, when zoomed, the nearest "
                    "point outside each side. A range of at most 4 x `points` points is returned whole. Smoothing "
                    "is TensorBoard's debiased exponential moving average, computed on every point of the series. A "
                    "merged series (`ranks=merge`) also keeps, in each bucket, the points holding the lowest and "
                    "highest `min` and `max`: the band's extremes are always there too."
                ),
                "operationId": "scalars",
                "parameters": [
                    TAG,
                    RUNS,
                    spec.RANKS,
                    spec.query(
                        "x",
                        "The x axis: step, seconds since the series' first point, or wall time (seconds since the "
                        "epoch).",
                        {"type": "string", "enum": ["step", "relative", "wall"], "default": "step"},
                    ),
                    spec.query(
                        "smoothing",
                        "Smoothing weight of the moving average; 0 is none.",
                        {"type": "number", "minimum": 0, "maximum": 1, "default": 0.6},
                    ),
                    spec.query("xmin", "Start of the visible x range, in units of x.", {"type": "number"}),
                    spec.query("xmax", "End of the visible x range, in units of x.", {"type": "number"}),
                    spec.query(
                        "points",
                        "How many x buckets (about the chart's width in pixels).",
                        {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
                    ),
                    spec.query(
                        "format",
                        "json, or binary: a uint32 little-endian length n, n bytes of the JSON answer whose series "
                        "carry `length` instead of their columns, zero bytes to a multiple of 8, then per series "
                        "`length` little-endian float64 each of step, wall_time, value, smoothed, and for a merged "
                        "series (`merged`) of min, max, ranks (NaN and infinities as they are).",
                        {"type": "string", "enum": ["json", "binary"], "default": "json"},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The chart's series",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Chart"}},
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    **spec.errors(400, 404),
                },
            }
        },
        "/api/scalars/download": {
            "get": {
                "summary": "Every point of a tag's series, as a CSV or JSON file",
                "description": (
                    "CSV columns run, step, wall_time, value; JSON writes NaN and infinities as strings. When a run "
                    "is merged rank streams (`ranks=merge`), its value is the mean across ranks and the columns min, "
                    "max, ranks follow (a run that is not merged is one rank: min and max are its value)."
                ),
                "operationId": "downloadScalars",
                "parameters": [
                    TAG,
                    RUNS,
                    spec.RANKS,
                    spec.query(
                        "format", "The file format.", {"type": "string", "enum": ["csv", "json"], "default": "csv"}
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The file, as an attachment",
                        "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "run": {"type": "string"},
                                            "step": {"type": "integer"},
                                            "wall_time": {"type": "number"},
                                            "value": {"type": ["number", "string"]},
                                            "min": {"type": ["number", "string"]},
                                            "max": {"type": ["number", "string"]},
                                            "ranks": {"type": "integer"},
                                        },
                                    },
                                }
                            },
                        },
                    },
                    **spec.errors(400, 404),
                },
            }
        },
    },
)
