"""The OpenAPI 3.1 document of the viewer's JSON API (served at ``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from lightboard._version import __version__
from lightboard.serve import spec
from lightboard.serve.plugin import Plugin
from lightboard.serve.plugins import PLUGINS

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "What was wrong, naming the argument."}},
    },
    "Run": {
        "type": "object",
        "required": ["name", "points", "last_step", "start_time", "last_time"],
        "properties": {
            "name": {"type": "string", "description": "The run's path relative to the logdir ('.' for itself)."},
            "points": {"type": "integer", "description": "Scalar points over all its tags."},
            "last_step": {"type": ["integer", "null"], "description": "The largest last step of its scalar tags."},
            "start_time": {"type": ["number", "null"], "description": "First wall time (seconds since the epoch)."},
            "last_time": {"type": ["number", "null"], "description": "Last wall time (seconds since the epoch)."},
            "ranks": {
                "type": "integer",
                "description": "Merged rank streams only (`ranks=merge`): how many rank streams it merges; its "
                "points are theirs, all counted.",
            },
        },
    },
    "Runs": {
        "type": "object",
        "required": ["generation", "logdir", "error", "reading", "rank_groups", "runs", "damage"],
        "properties": {
            "generation": {"type": "integer", "description": "Grows each time new data is read; poll it."},
            "logdir": {"type": "string"},
            "error": {
                "type": ["string", "null"],
                "description": "Why the last read of the logdir failed (it is retried), or null.",
            },
            "reading": {
                "type": "boolean",
                "description": "True while the server's first read of the logdir goes on: what was read so far is "
                "served, the rest comes with later generations.",
            },
            "rank_groups": {
                "type": "integer",
                "description": "How many runs have rank streams, whatever `ranks` asks: each is one entry with "
                "`ranks=merge`. 0: `ranks=merge` changes nothing.",
            },
            "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
            "damage": {
                "type": "object",
                "description": "What the reader skipped because it could not read it (a damaged or truncated file, an "
                "undecodable value): everything before and after it is shown.",
                "required": ["count", "items"],
                "properties": {
                    "count": {"type": "integer"},
                    "items": {
                        "type": "array",
                        "description": "The first 20.",
                        "items": {
                            "type": "object",
                            "required": ["run", "path", "offset", "problem"],
                            "properties": {
                                "run": {"type": "string"},
                                "path": {"type": "string"},
                                "offset": {"type": "integer", "description": "-1 for a value in a sound record."},
                                "problem": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}

_SCHEMAS["Dashboards"] = {
    "type": "object",
    "required": ["generation", "dashboards"],
    "properties": {
        "generation": {"type": "integer"},
        "dashboards": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "title", "viewable", "tags"],
                "properties": {
                    "name": {"type": "string", "description": "As in `?dashboard=<name>` and `/api/<name>`."},
                    "title": {"type": "string"},
                    "viewable": {"type": "boolean", "description": "False: the viewer cannot show this kind yet."},
                    "tags": {"type": "integer", "description": "How many tags of its kind the logdir has."},
                },
            },
        },
    },
}

_SCHEMAS["Alerts"] = {
    "type": "object",
    "required": ["generation", "count", "alerts"],
    "properties": {
        "generation": {"type": "integer"},
        "count": {"type": "integer", "description": "Alerts in all."},
        "alerts": {
            "type": "array",
            "description": "The first 500.",
            "items": {
                "type": "object",
                "required": ["run", "tag", "step", "wall_time", "rule", "value", "message"],
                "properties": {
                    "run": {"type": "string"},
                    "tag": {"type": "string", "description": "'' for a stall (the whole run)."},
                    "step": {"type": "integer"},
                    "wall_time": {"type": "number"},
                    "rule": {"type": "string", "description": "nan, threshold, diverged, plateau or stalled."},
                    "value": {"type": ["number", "string"], "description": "NaN and infinities as strings."},
                    "message": {"type": "string"},
                    "stack": {"type": "string", "description": "A stall seen by the writer: every thread's stack."},
                },
            },
        },
    },
}

_PATHS: dict[str, Any] = {
    "/api/runs": {
        "get": {
            "summary": "List the runs",
            "operationId": "runs",
            "parameters": [spec.RANKS],
            "responses": {
                "200": spec.answer("The runs, sorted by name", {"$ref": "#/components/schemas/Runs"}),
                **spec.errors(400),
            },
        }
    },
    "/api/dashboards": {
        "get": {
            "summary": "List the dashboards, in tab order, with how many tags each has",
            "operationId": "dashboards",
            "responses": {"200": spec.answer("The dashboards", {"$ref": "#/components/schemas/Dashboards"})},
        }
    },
    "/api/alerts": {
        "get": {
            "summary": "The alerts so far: what lightboard writers recorded, and each tag's first NaN or infinity",
            "operationId": "alerts",
            "responses": {
                "200": spec.answer("The alerts, in the order found", {"$ref": "#/components/schemas/Alerts"})
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "openapi",
            "responses": {"200": spec.answer("The OpenAPI document", {"type": "object"})},
        }
    },
}


def _plugin_paths(plugin: Plugin) -> dict[str, Any]:
    """The path items of a plugin's routes: its tag listing, its points (when the plugin has them) and its own."""
    paths: dict[str, Any] = {
        f"/api/{plugin.name}/tags": {
            "get": {
                "summary": f"List the {plugin.title.lower()} tags and the runs that have each",
                "operationId": f"{plugin.name}Tags",
                "parameters": [spec.RANKS],
                "responses": {
                    "200": {
                        **spec.answer(
                            "tag -> runs; the data generation is in the X-Lightboard-Generation header", spec.TAG_RUNS
                        ),
                        "headers": {"X-Lightboard-Generation": {"schema": {"type": "integer"}}},
                    },
                    **spec.errors(400),
                },
            }
        }
    }
    if plugin.points is not None:
        paths[f"/api/{plugin.name}"] = {
            "get": {
                "summary": f"Every logged point of one {plugin.title.lower()} tag in one run",
                "description": "With `steps`, at most that many points spread evenly over the range (first and "
                "last kept); `total` counts the points in the range, so that a page can say 'N of M steps shown'.",
                "operationId": plugin.name,
                "parameters": [
                    spec.query("run", "The run, as /api/runs names it.", {"type": "string"}, required=True),
                    spec.query("tag", "The tag.", {"type": "string"}, required=True),
                    spec.query("steps", "The most points to answer; absent: all.", {"type": "integer", "minimum": 1}),
                    spec.XMIN,
                    spec.XMAX,
                ],
                "responses": {
                    "200": spec.answer(
                        "The points, in logged order",
                        {
                            "type": "object",
                            "required": ["run", "tag", "total", "points"],
                            "properties": {
                                "run": {"type": "string"},
                                "tag": {"type": "string"},
                                "total": {"type": "integer", "description": "Points of the tag within the range."},
                                "points": {"type": "array", "items": plugin.point_schema},
                            },
                        },
                    ),
                    **spec.errors(400, 404),
                },
            }
        }
    if plugin.blob is not None:
        paths[f"/api/{plugin.name}/blob"] = {
            "get": {
                "summary": f"One {plugin.title.lower()} sample's encoded bytes",
                "operationId": f"{plugin.name}Blob",
                "parameters": [
                    spec.query("run", "The run.", {"type": "string"}, required=True),
                    spec.query("tag", "The tag.", {"type": "string"}, required=True),
                    spec.query("step", "The step.", {"type": "integer"}, required=True),
                    spec.query("index", "The sample within the step.", {"type": "integer", "default": 0}),
                ],
                "responses": {
                    "200": {
                        "description": "The bytes as logged, with their media type",
                        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **spec.errors(400, 404),
                },
            }
        }
    return {**paths, **plugin.paths}


def document() -> dict[str, Any]:
    """The OpenAPI document of the viewer's API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lightboard viewer API",
            "version": __version__,
            "description": (
                "The JSON API behind `lightboard serve`. A server bound to a non-loopback address needs its "
                "token: as a `token` query parameter on the first page load (it is then kept in a cookie), the "
                "cookie, or an `Authorization: Bearer` header."
            ),
        },
        "paths": {**_PATHS, **{path: item for p in PLUGINS if p.served for path, item in _plugin_paths(p).items()}},
        "components": {
            "schemas": {**_SCHEMAS, **{name: schema for p in PLUGINS for name, schema in p.schemas.items()}},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "lightboard_token"},
                "query": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
    }
