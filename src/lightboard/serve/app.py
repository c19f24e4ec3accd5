"""The viewer's ASGI application: the page and its assets, the JSON API, and the logdir followed live."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lightboard.serve import api
from lightboard.serve.security import LOOPBACK_NAMES, Guard
from lightboard.serve.source import LiveLogdir

ASSETS = {"index.html": "text/html", "app.js": "text/javascript", "app.css": "text/css"}
"""The frontend's files, built into ``lightboard/serve/static`` by ``make`` (``npm run build``)."""


def load_assets() -> dict[str, tuple[bytes, str]]:
    """``{name: (content, media type)}`` of the built frontend; empty when it was not built."""
    folder = resources.files("lightboard.serve") / "static"
    assets = {}
    for name, media in ASSETS.items():
        path = folder / name
        if path.is_file():
            assets[name] = (path.read_bytes(), media)
    return assets if len(assets) == len(ASSETS) else {}


def create_app(
    source: LiveLogdir,
    token: str | None = None,
    loopback: bool = True,
    reload_interval: float = 1.0,
) -> Any:
    """The viewer for ``source``, as an ASGI application.

    Args:
        source: the logdir, read on its own thread.
        token: the token every request must carry (required when the server listens beyond loopback).
        loopback: True when the server listens on a loopback address: requests must then name a loopback
            host (against DNS rebinding).
        reload_interval: seconds between refreshes of the logdir; 0 reads it once.
    """
    assets = load_assets()

    def asset(name: str) -> Response:
        if name not in ASSETS:
            return Response("not found\n", 404, media_type="text/plain")
        if not assets:
            return Response(
                "lightboard's web assets were not built: run `make` (it runs `npm run build` in frontend/)\n",
                503,
                media_type="text/plain",
            )
        content, media = assets[name]
        etag = '"' + hashlib.sha1(content).hexdigest()[:16] + '"'
        return Response(content, media_type=media, headers={"Cache-Control": "no-cache", "ETag": etag})

    async def page(request: Request) -> Response:
        return asset("index.html")

    async def static(request: Request) -> Response:
        return asset(request.path_params["name"])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        source.start()
        follower = asyncio.create_task(source.follow(reload_interval)) if reload_interval > 0 else None
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
            source.close()

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/static/{name}", static),
            Route("/api/runs", api.runs),
            Route("/api/scalars/tags", api.scalar_tags),
            Route("/api/scalars", api.scalars),
            Route("/api/scalars/download", api.download),
            Route("/api/openapi.json", api.openapi),
        ],
        lifespan=lifespan,
    )
    app.state.source = source
    hosts = LOOPBACK_NAMES if loopback and token is None else None
    return Guard(app, token, hosts)
