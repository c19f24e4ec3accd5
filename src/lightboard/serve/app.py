"""The viewer's ASGI application: the page (one self-contained file), the JSON API, and the logdir followed live."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lightboard.serve import api
from lightboard.serve.alerts import AlertWatch
from lightboard.serve.security import Guard
from lightboard.serve.source import LiveLogdir

PAGE = "index.html"
"""The page, script and styles inline, built into ``lightboard/serve/static`` by ``make`` (``npm run build``)."""


def load_page() -> bytes | None:
    """The built page, or None when it was not built."""
    path = resources.files("lightboard.serve") / "static" / PAGE
    return path.read_bytes() if path.is_file() else None


def _digest(text: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode() + "'"


def content_policy(page: bytes) -> str:
    """The page's Content-Security-Policy: only its own script and stylesheet run (allowed by their SHA-256, so
    no other inline script, event-handler attribute or ``javascript:`` URL can), data comes from this server,
    images and sound also from ``data:`` and ``blob:`` URLs the page makes; no plugins, no forms, no ``<base>``."""
    scripts = re.findall(rb"<script>(.*?)</script>", page, re.S)
    styles = re.findall(rb"<style>(.*?)</style>", page, re.S)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_digest(script) for script in scripts),
            "style-src " + " ".join(_digest(style) for style in styles),
            "img-src 'self' data: blob:",
            "media-src 'self' data: blob:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def create_app(
    source: LiveLogdir,
    token: str | None = None,
    loopback: bool = True,
    reload_interval: float = 1.0,
) -> Any:
    """The viewer for ``source``, as an ASGI application.

    Args:
        source: the logdir, read on its own thread.
        token: the token every request must carry (required when the server listens beyond loopback); at
            least 8 characters among ``A-Z a-z 0-9 . _ ~ -`` (ValueError otherwise).
        loopback: True when the server listens on a loopback address: requests must then name a loopback
            host (against DNS rebinding).
        reload_interval: seconds between refreshes of the logdir; 0 reads it once.
    """
    source.warmers.append(lambda: api.warm(source))
    content = load_page()
    headers = {"Cache-Control": "no-cache"}
    if content is not None:
        headers["Content-Security-Policy"] = content_policy(content)

    async def page(request: Request) -> Response:
        if content is None:
            return Response(
                "lightboard's web page was not built: run `make` (it runs `npm run build` in frontend/)\n",
                503,
                media_type="text/plain",
            )
        return Response(content, media_type="text/html", headers=headers)

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
        routes=[Route("/", page), *api.routes()],
        lifespan=lifespan,
    )
    app.state.source = source
    app.state.alerts = AlertWatch()
    return Guard(app, token, loopback)
