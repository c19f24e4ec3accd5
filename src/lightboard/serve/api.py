"""The viewer's JSON API: argument parsing and encoding around :mod:`lightboard.serve.views`.

Routes are documented in :mod:`lightboard.serve.openapi` (served at ``/api/openapi.json``). Every answer is
computed on the reader's thread (:class:`~lightboard.serve.source.LiveLogdir`), JSON encoding included.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lightboard.cli import writers
from lightboard.serve import merge, views
from lightboard.serve.encode import chart_binary, chart_json, json_bytes
from lightboard.serve.openapi import document
from lightboard.serve.source import LiveLogdir

MAX_POINTS = 10_000
"""The most x buckets a chart may ask for."""
DOWNLOAD_FORMATS = ("csv", "json")
CHART_FORMATS = ("json", "binary")


class BadArgument(ValueError):
    """An argument the API cannot use (answered 400 with the message)."""


def _json(body: Any, status: int = 200) -> Response:
    return Response(json_bytes(body), status, media_type="application/json")


def error(status: int, message: str) -> Response:
    """An error answer: ``{"error": message}``."""
    return _json({"error": message}, status)


def _source(request: Request) -> LiveLogdir:
    return request.app.state.source


def _one(request: Request, name: str, default: str | None = None) -> str:
    value = request.query_params.get(name, default)
    if value is None:
        raise BadArgument(f"missing argument {name!r}")
    return value


def _choice(request: Request, name: str, choices: tuple[str, ...]) -> str:
    """The argument ``name``, one of ``choices`` (the first when absent)."""
    value = _one(request, name, choices[0])
    if value not in choices:
        raise BadArgument(f"argument {name!r} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _entries(source: LiveLogdir, mode: str) -> list[merge.Entry]:
    """The runs as ``ranks=mode`` lists them, kept per generation (on the reader's thread only)."""
    return source.memo(("entries", mode), lambda: merge.entries(source.logdir, mode))


def _number(request: Request, name: str, default: float | None, low: float, high: float) -> float | None:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise BadArgument(f"argument {name!r} must be a number, got {text!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise BadArgument(f"argument {name!r} must be in [{low}, {high}], got {text!r}")
    return value


async def runs(request: Request) -> Response:
    """``GET /api/runs``: the runs with their point counts, last steps and times, and how many runs have rank
    streams (which ``ranks=merge`` lists as one entry each)."""
    try:
        mode = _choice(request, "ranks", merge.MODES)
    except BadArgument as bad:
        return error(400, str(bad))
    source = _source(request)

    def listing(logdir: Any) -> tuple[int, list[dict[str, Any]]]:
        groups = sum(isinstance(entry, merge.Merged) for entry in _entries(source, "merge"))
        return groups, views.runs(_entries(source, mode))

    generation, (groups, listed) = await source.cached(("runs", mode), listing)
    return _json(
        {
            "generation": generation,
            "logdir": source.logdir.path,
            "error": source.error,
            "rank_groups": groups,
            "runs": listed,
        }
    )


async def scalar_tags(request: Request) -> Response:
    """``GET /api/scalars/tags``: every scalar tag with the runs that have it."""
    try:
        mode = _choice(request, "ranks", merge.MODES)
    except BadArgument as bad:
        return error(400, str(bad))
    source = _source(request)
    generation, tags = await source.cached(("scalar_tags", mode), lambda _: views.scalar_tags(_entries(source, mode)))
    return _json({"generation": generation, "tags": tags})


async def scalars(request: Request) -> Response:
    """``GET /api/scalars``: one chart's series, downsampled to their min/max envelope, smoothed on all points
    (JSON, or the binary layout of :mod:`lightboard.serve.encode` with ``format=binary``)."""
    try:
        tag = _one(request, "tag")
        names = request.query_params.getlist("run")
        x = _choice(request, "x", views.X_AXES)
        smoothing = _number(request, "smoothing", 0.6, 0.0, 1.0)
        lo = _number(request, "xmin", None, -math.inf, math.inf)
        hi = _number(request, "xmax", None, -math.inf, math.inf)
        if lo is not None and hi is not None and lo > hi:
            raise BadArgument(f"argument 'xmin' ({lo}) must not exceed 'xmax' ({hi})")
        points = _number(request, "points", 1000, 1, MAX_POINTS)
        if points != int(points):
            raise BadArgument(f"argument 'points' must be a whole number, got {points}")
        form = _choice(request, "format", CHART_FORMATS)
        mode = _choice(request, "ranks", merge.MODES)
    except BadArgument as bad:
        return error(400, str(bad))
    encode = chart_binary if form == "binary" else chart_json

    def chart(logdir: Any) -> bytes:
        chosen = views.chosen_runs(_entries(source, mode), tag, names)
        series = views.scalar_chart(chosen, tag, x, smoothing, lo, hi, int(points))
        return encode({"tag": tag, "x": x, "smoothing": smoothing, "generation": source.generation}, series)

    source = _source(request)
    try:
        body = await source.query(chart)
    except views.NotFound as missing:
        return error(404, str(missing))
    return Response(body, media_type="application/octet-stream" if form == "binary" else "application/json")


async def download(request: Request) -> Response:
    """``GET /api/scalars/download``: every point of one chart as a CSV or JSON attachment."""
    try:
        tag = _one(request, "tag")
        form = _choice(request, "format", DOWNLOAD_FORMATS)
        mode = _choice(request, "ranks", merge.MODES)
    except BadArgument as bad:
        return error(400, str(bad))
    names = request.query_params.getlist("run")
    source = _source(request)

    def table(logdir: Any) -> bytes:
        stream = io.BytesIO()
        writers.write(views.download_table(views.chosen_runs(_entries(source, mode), tag, names), tag), form, stream)
        return stream.getvalue()

    try:
        body = await source.query(table)
    except views.NotFound as missing:
        return error(404, str(missing))
    filename = re.sub(r"[^A-Za-z0-9._-]+", "_", tag).strip("_")[:100] or "scalars"
    return Response(
        body,
        media_type="text/csv" if form == "csv" else "application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}.{form}"'},
    )


async def openapi(request: Request) -> Response:
    """``GET /api/openapi.json``: the OpenAPI 3.1 document of this API."""
    return _json(document())
