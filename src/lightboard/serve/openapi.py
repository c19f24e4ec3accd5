"""The OpenAPI 3.1 document of the viewer's JSON API (served at ``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from lightboard import __version__

_ERROR = {"$ref": "#/components/schemas/Error"}
_NUMBERS = {"type": "array", "items": {"type": ["number", "null"]}}


def _query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _answer(description: str, schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    texts = {400: "A missing or bad argument", 404: "No such run or tag"}
    return {str(status): _answer(texts[status], _ERROR) for status in statuses}


_TAG = _query("tag", "The scalar tag.", {"type": "string"}, required=True)
_RUNS = _query(
    "run",
    "A run to include, named as /api/runs lists it with the same `ranks`; repeat for several. Absent: every run "
    "that has the tag.",
    {"type": "array", "items": {"type": "string"}},
)
_RANKS = _query(
    "ranks",
    "The per-rank streams of a distributed run (`<run>/rank-00000`, `<run>/rank-00001`, ... as "
    "`SummaryWriter(ranks='all')` writes them): `separate`, each a run of its own; `merge`, one entry "
    "`<run>/rank-*` (`rank-*` for streams directly in the logdir) whose series hold, at each step, the mean "
    "across the ranks that logged it as `value`, their `min` and `max`, and how many they are (`ranks`).",
    {"type": "string", "enum": ["separate", "merge"], "default": "separate"},
)

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
        "required": ["generation", "logdir", "error", "rank_groups", "runs"],
        "properties": {
            "generation": {"type": "integer", "description": "Grows each time new data is read; poll it."},
            "logdir": {"type": "string"},
            "error": {
                "type": ["string", "null"],
                "description": "Why the last read of the logdir failed (it is retried), or null.",
            },
            "rank_groups": {
                "type": "integer",
                "description": "How many runs have rank streams, whatever `ranks` asks: each is one entry with "
                "`ranks=merge`. 0: `ranks=merge` changes nothing.",
            },
            "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
        },
    },
    "ScalarTags": {
        "type": "object",
        "required": ["generation", "tags"],
        "properties": {
            "generation": {"type": "integer"},
            "tags": {
                "type": "object",
                "description": "Each scalar tag with the runs that have it.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
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
            "value": {**_NUMBERS, "description": "null where the value is NaN or infinite."},
            "smoothed": {**_NUMBERS, "description": "The debiased EMA computed on every point of the series."},
            "merged": {
                "const": True,
                "description": "Present on merged rank streams only (`ranks=merge`): `value` is then the mean "
                "across the ranks that logged the step, and the series has `min`, `max` and `ranks`.",
            },
            "min": {**_NUMBERS, "description": "Merged only: the lowest value among the ranks at the step."},
            "max": {**_NUMBERS, "description": "Merged only: the highest value among the ranks at the step."},
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
}

_PATHS: dict[str, Any] = {
    "/api/runs": {
        "get": {
            "summary": "List the runs",
            "operationId": "runs",
            "parameters": [_RANKS],
            "responses": {
                "200": _answer("The runs, sorted by name", {"$ref": "#/components/schemas/Runs"}),
                **_errors(400),
            },
        }
    },
    "/api/scalars/tags": {
        "get": {
            "summary": "List the scalar tags and the runs that have each",
            "operationId": "scalarTags",
            "parameters": [_RANKS],
            "responses": {
                "200": _answer("Tags, sorted", {"$ref": "#/components/schemas/ScalarTags"}),
                **_errors(400),
            },
        }
    },
    "/api/scalars": {
        "get": {
            "summary": "One chart's data: a tag's series, downsampled to their exact min/max envelope",
            "description": (
                "For each run, the x range is cut into `points` equal buckets and, in each, the points holding "
                "the minimum and the maximum of the value and of the smoothed value are kept (a spike at any "
                "step is always there), plus the range's first and last points and, when zoomed, the nearest "
                "point outside each side. A range of at most 4 x `points` points is returned whole. Smoothing is "
                "TensorBoard's debiased exponential moving average, computed on every point of the series. A merged "
                "series (`ranks=merge`) also keeps, in each bucket, the points holding the lowest and highest "
                "`min` and `max`: the band's extremes are always there too."
            ),
            "operationId": "scalars",
            "parameters": [
                _TAG,
                _RUNS,
                _RANKS,
                _query(
                    "x",
                    "The x axis: step, seconds since the series' first point, or wall time (seconds since the epoch).",
                    {"type": "string", "enum": ["step", "relative", "wall"], "default": "step"},
                ),
                _query(
                    "smoothing",
                    "Smoothing weight of the moving average; 0 is none.",
                    {"type": "number", "minimum": 0, "maximum": 1, "default": 0.6},
                ),
                _query("xmin", "Start of the visible x range, in units of x.", {"type": "number"}),
                _query("xmax", "End of the visible x range, in units of x.", {"type": "number"}),
                _query(
                    "points",
                    "How many x buckets (about the chart's width in pixels).",
                    {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
                ),
                _query(
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
                **_errors(400, 404),
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
                _TAG,
                _RUNS,
                _RANKS,
                _query("format", "The file format.", {"type": "string", "enum": ["csv", "json"], "default": "csv"}),
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
                **_errors(400, 404),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "openapi",
            "responses": {"200": _answer("The OpenAPI document", {"type": "object"})},
        }
    },
}


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
        "paths": _PATHS,
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "lightboard_token"},
                "query": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
    }
