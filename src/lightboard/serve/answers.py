"""The viewer's answers: JSON bodies, errors, and the logdir every endpoint reads from."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lightboard.serve import merge
from lightboard.serve.encode import json_bytes
from lightboard.serve.source import LiveLogdir

GENERATION_HEADER = "X-Lightboard-Generation"
"""The header carrying the data generation an answer was computed at (see ``/api/runs``'s ``generation``)."""


def json_answer(body: Any, status: int = 200, generation: int | None = None) -> Response:
    """``body`` as JSON, with the generation header when given."""
    headers = {GENERATION_HEADER: str(generation)} if generation is not None else None
    return Response(json_bytes(body), status, media_type="application/json", headers=headers)


def error(status: int, message: str) -> Response:
    """An error answer: ``{"error": message}``."""
    return json_answer({"error": message}, status)


def source_of(request: Request) -> LiveLogdir:
    """The logdir the app serves."""
    return request.app.state.source


def entries(source: LiveLogdir, mode: str) -> list[merge.Entry]:
    """The runs as ``ranks=mode`` lists them, kept per generation (on the reader's thread only)."""
    return source.memo(("entries", mode), lambda: merge.entries(source.logdir, mode))
