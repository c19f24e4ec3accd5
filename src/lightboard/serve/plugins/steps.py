"""``GET /api/<name>/steps?run=R&tag=T``: every step of a tag of a run, without the data, for dashboards that show
one step at a time (text, PR curves): the page lists every step on a slider and fetches the data of the steps
it shows (``/api/<name>?run&tag&xmin=S&xmax=S``), so a tag of 100,000 steps costs 100,000 numbers, not 100,000
texts or curves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lightboard.serve import arguments
from lightboard.serve.answers import error, json_answer, source_of
from lightboard.serve.plugin import Endpoint, NotFound, Points

Matcher = Callable[[dict[str, Any], str], bool]
"""Whether a point matches a search (the query already case-folded)."""


def steps_endpoint(name: str, kind: str, points: Points, matches: Matcher | None = None) -> Endpoint:
    """The ``steps`` route of dashboard ``name`` (tags of reader kind ``kind``, decoded by ``points``). With
    ``matches``, the route takes ``q``: only the steps whose point matches it are listed (``total`` still counts
    them all)."""

    async def steps(request: Request) -> Response:
        try:
            run_name = arguments.one(request, "run")
            tag = arguments.one(request, "tag")
            query = arguments.one(request, "q", "") if matches is not None else ""
        except arguments.BadArgument as bad:
            return error(400, str(bad))
        source = source_of(request)
        needle = query.casefold()

        def compute(logdir: Any) -> tuple[int, dict[str, Any]]:
            try:
                run = logdir.run(run_name)
            except KeyError:
                raise NotFound(f"no run {run_name!r}") from None
            if tag not in run.tags().get(kind, []):
                raise NotFound(f"run {run_name!r} has no {name} tag {tag!r}")
            if not needle:
                # Listed without decoding: new data elsewhere in the logdir costs a page that polls no decode. (A
                # value that does not decode is listed here; the points route leaves it out.)
                steps = run.steps(tag).tolist()
                return source.generation, {"run": run_name, "tag": tag, "total": len(steps), "steps": steps}
            # The same cache entry as the points route's, so a search decodes the tag once for both.
            listed = source.memo(("points", name, run_name, tag), lambda: points(run, tag))
            chosen = [p["step"] for p in listed if matches is not None and matches(p, needle)]
            return source.generation, {"run": run_name, "tag": tag, "total": len(listed), "steps": chosen}

        try:
            generation, body = await source.query(compute)
        except NotFound as missing:
            return error(404, str(missing))
        return json_answer(body, generation=generation)

    return steps


def steps_path(name: str, search: str | None = None) -> dict[str, Any]:
    """The OpenAPI path item of dashboard ``name``'s steps route; ``search`` describes its ``q`` argument."""
    parameters: list[dict[str, Any]] = [
        {"name": "run", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "tag", "in": "query", "required": True, "schema": {"type": "string"}},
    ]
    if search is not None:
        parameters.append(
            {"name": "q", "in": "query", "required": False, "description": search, "schema": {"type": "string"}}
        )
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "get": {
            "summary": f"Every step of a {name} tag of a run (its data comes from /api/{name} with xmin and xmax)",
            "operationId": f"{name}Steps",
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "The steps, in logged order; `total` counts every point of the tag",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["run", "tag", "total", "steps"],
                                "properties": {
                                    "run": {"type": "string"},
                                    "tag": {"type": "string"},
                                    "total": {"type": "integer"},
                                    "steps": {"type": "array", "items": {"type": "integer"}},
                                },
                            }
                        }
                    },
                },
                "400": {"description": "A missing argument", "content": error_body},
                "404": {"description": "An unknown run or tag", "content": error_body},
            },
        }
    }
