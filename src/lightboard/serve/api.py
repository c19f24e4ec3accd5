"""The viewer's JSON API: the run list, the dashboards, and each plugin's routes, from the table in
:mod:`lightboard.serve.plugins`.

Routes are documented in :mod:`lightboard.serve.openapi` (served at ``/api/openapi.json``). Every answer is
computed on the reader's thread (:class:`~lightboard.serve.source.LiveLogdir`), JSON encoding included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lightboard.serve import arguments, merge, views
from lightboard.serve.answers import GENERATION_HEADER, entries, error, json_answer, source_of
from lightboard.serve.encode import json_bytes
from lightboard.serve.openapi import document
from lightboard.serve.order import natural
from lightboard.serve.plugin import NotFound, Plugin, spread
from lightboard.serve.plugins import BY_NAME, PLUGINS
from lightboard.serve.source import LiveLogdir

MAX_STEPS = 1_000_000
"""The most points ``steps=`` may ask for (absent: every point)."""
DAMAGE_LISTED = 20
"""The most damage items ``/api/runs`` lists (it counts them all)."""


def runs_listing(source: LiveLogdir, mode: str) -> tuple[int, list[dict[str, Any]]]:
    """``(rank groups, runs)`` as ``/api/runs`` lists them with ``ranks=mode``, kept per generation (on the
    reader's thread only)."""

    def listing() -> tuple[int, list[dict[str, Any]]]:
        groups = sum(isinstance(entry, merge.Merged) for entry in entries(source, "merge"))
        return groups, views.runs(entries(source, mode))

    return source.memo(("runs", mode), listing)


def damage_listing(logdir: Any) -> dict[str, Any]:
    """What the reader skipped, counted, the first :data:`DAMAGE_LISTED` listed (not kept per generation:
    decoding a value may find more)."""
    found = [(run.name, item) for run in logdir for item in run.damage]
    items = [{"run": run, "path": item.path, "offset": item.offset, "problem": item.problem} for run, item in found]
    return {"count": len(found), "items": items[:DAMAGE_LISTED]}


async def runs(request: Request) -> Response:
    """``GET /api/runs``: the runs with their point counts, last steps and times, how many runs have rank
    streams (which ``ranks=merge`` lists as one entry each), and what the reader skipped."""
    try:
        mode = arguments.choice(request, "ranks", merge.MODES)
    except arguments.BadArgument as bad:
        return error(400, str(bad))
    source = source_of(request)
    generation, (groups, listed), damage = await source.query(
        lambda logdir: (source.generation, runs_listing(source, mode), damage_listing(logdir))
    )
    body = {
        "generation": generation,
        "logdir": source.logdir.path,
        "error": source.error,
        "reading": source.reading,
        "rank_groups": groups,
        "runs": listed,
        "damage": damage,
    }
    return json_answer(body)


def tag_runs(source: LiveLogdir, plugin: Plugin, mode: str) -> dict[str, list[str]]:
    """``{tag: [runs]}`` of ``plugin``'s kind, tags and runs in natural order (only scalars merge ranks), kept per
    generation (on the reader's thread only)."""

    def listing() -> dict[str, list[str]]:
        if plugin.kind == "scalars":
            pairs = [(entry.name, entry.scalar_tags()) for entry in entries(source, mode)]
        else:
            pairs = [(run.name, run.tags().get(plugin.kind, [])) for run in source.logdir]
        tags: dict[str, list[str]] = {}
        for name, its in pairs:
            for tag in its:
                tags.setdefault(tag, []).append(name)
        return {tag: natural(tags[tag]) for tag in natural(tags)}

    return source.memo(("tags", plugin.name, mode), listing)


def dashboards_listing(source: LiveLogdir) -> list[dict[str, Any]]:
    """Every dashboard in tab order with whether it is viewable and its number of tags (on the reader's thread)."""
    return [
        {
            "name": plugin.name,
            "title": plugin.title,
            "viewable": plugin.viewable,
            "tags": len(tag_runs(source, plugin, "separate")),
        }
        for plugin in PLUGINS
    ]


def warm(source: LiveLogdir) -> None:
    """Compute what a page asks first (the runs, the dashboards, the scalar tags, as its default settings ask
    them), so that they are ready when it does."""
    runs_listing(source, "merge")
    dashboards_listing(source)
    tag_runs(source, BY_NAME["scalars"], "merge")


async def alerts(request: Request) -> Response:
    """``GET /api/alerts``: the alerts found so far (see :mod:`lightboard.serve.alerts`)."""
    source = source_of(request)
    watch = request.app.state.alerts
    generation, listed = await source.query(lambda _: (source.generation, watch.listing(source)))
    return json_answer({"generation": generation, **listed}, generation=generation)


async def dashboards(request: Request) -> Response:
    """``GET /api/dashboards``: every dashboard in tab order, whether the viewer can show it, and how many tags
    it has."""
    source = source_of(request)
    generation, listed = await source.query(lambda _: (source.generation, dashboards_listing(source)))
    return json_answer({"generation": generation, "dashboards": listed}, generation=generation)


def tags_endpoint(plugin: Plugin) -> Callable[[Request], Any]:
    """``GET /api/<name>/tags``: ``{tag: [runs]}``; the data generation in the X-Lightboard-Generation header."""

    async def tags(request: Request) -> Response:
        try:
            mode = arguments.choice(request, "ranks", merge.MODES)
        except arguments.BadArgument as bad:
            return error(400, str(bad))
        source = source_of(request)
        generation, listed = await source.query(lambda _: (source.generation, tag_runs(source, plugin, mode)))
        return json_answer(listed, generation=generation)

    return tags


def points_endpoint(plugin: Plugin) -> Callable[[Request], Any]:
    """``GET /api/<name>?run=R&tag=T[&steps=N][&xmin=A][&xmax=B]``: a tag's points in a run (see
    :mod:`lightboard.serve.plugin`)."""
    assert plugin.points is not None
    decode = plugin.points

    async def points(request: Request) -> Response:
        try:
            name = arguments.one(request, "run")
            tag = arguments.one(request, "tag")
            limit = arguments.whole(request, "steps", None, 1, MAX_STEPS)
            lo, hi = arguments.span(request)
        except arguments.BadArgument as bad:
            return error(400, str(bad))
        source = source_of(request)

        def compute(logdir: Any) -> tuple[int, bytes]:
            run = _run_and_tag(logdir, plugin, name, tag)
            listed = source.memo(("points", plugin.name, name, tag), lambda: decode(run, tag))
            steps = np.fromiter((point["step"] for point in listed), dtype=np.int64, count=len(listed))
            chosen, total = spread(steps, lo, hi, limit)
            body = {"run": name, "tag": tag, "total": total, "points": [listed[i] for i in chosen]}
            return source.generation, json_bytes(body)

        try:
            generation, body = await source.query(compute)
        except NotFound as missing:
            return error(404, str(missing))
        return Response(body, media_type="application/json", headers={GENERATION_HEADER: str(generation)})

    return points


def _run_and_tag(logdir: Any, plugin: Plugin, name: str, tag: str) -> Any:
    """The run ``name``, which must have ``tag`` of ``plugin``'s kind (NotFound otherwise)."""
    try:
        run = logdir.run(name)
    except KeyError:
        raise NotFound(f"no run {name!r}") from None
    if tag not in run.tags().get(plugin.kind, []):
        raise NotFound(f"run {name!r} has no {plugin.name} tag {tag!r}")
    return run


def blob_endpoint(plugin: Plugin) -> Callable[[Request], Any]:
    """``GET /api/<name>/blob?run=R&tag=T&step=S&index=I``: one sample's encoded bytes, with its media type."""
    assert plugin.blob is not None
    fetch = plugin.blob

    async def blob(request: Request) -> Response:
        try:
            name = arguments.one(request, "run")
            tag = arguments.one(request, "tag")
            step = arguments.whole(request, "step", None, -(2**63), 2**63 - 1)
            index = arguments.whole(request, "index", 0, 0, 2**31)
            if step is None:
                raise arguments.BadArgument("missing argument 'step'")
        except arguments.BadArgument as bad:
            return error(400, str(bad))

        def compute(logdir: Any) -> tuple[bytes, str]:
            run = _run_and_tag(logdir, plugin, name, tag)
            try:
                return fetch(run, tag, step, index or 0)
            except LookupError as missing:
                raise NotFound(str(missing)) from None

        try:
            content, media = await source_of(request).query(compute)
        except NotFound as missing:
            return error(404, str(missing))
        return Response(content, media_type=media, headers={"Cache-Control": "no-cache"})

    return blob


async def unknown_kind(request: Request) -> Response:
    """Any other ``/api/...`` path: 404 naming the dashboards there are."""
    names = ", ".join(plugin.name for plugin in PLUGINS if plugin.served)
    return error(404, f"no API route {request.url.path!r}; dashboards with routes: {names}")


async def openapi(request: Request) -> Response:
    """``GET /api/openapi.json``: the OpenAPI 3.1 document of this API."""
    return json_answer(document())


def routes() -> list[Route]:
    """Every API route: the core ones, then each served plugin's ``tags``, points, blobs and own routes."""
    listed = [
        Route("/api/runs", runs),
        Route("/api/dashboards", dashboards),
        Route("/api/alerts", alerts),
        Route("/api/openapi.json", openapi),
    ]
    for plugin in PLUGINS:
        if not plugin.served:
            continue
        listed.append(Route(f"/api/{plugin.name}/tags", tags_endpoint(plugin)))
        if plugin.points is not None:
            listed.append(Route(f"/api/{plugin.name}", points_endpoint(plugin)))
        if plugin.blob is not None:
            listed.append(Route(f"/api/{plugin.name}/blob", blob_endpoint(plugin)))
        listed.extend(Route(path, endpoint) for path, endpoint in plugin.routes)
    listed.append(Route("/api/{rest:path}", unknown_kind))
    return listed
