"""Who may read the viewer: a token for servers reachable from the network, a Host check on loopback.

On a loopback address only this machine can connect, but a web page in the user's browser could still reach
the server through DNS rebinding (a hostile name resolving to 127.0.0.1); answering only requests whose
``Host`` is ``localhost`` or a loopback address stops that. On any other address a token is required: given
once as ``?token=`` (the server answers with a cookie and a redirect to the same page without it), then sent
by the browser as the cookie, or by scripts as ``Authorization: Bearer TOKEN``. Every answer forbids framing
(no clickjacking) and content sniffing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.requests import cookie_parser

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{8,}")
"""A token: at least 8 characters that travel unescaped in a URL and a cookie."""
_HARDENING = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (``localhost`` or an address) is only reachable from this machine."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A random token, hard to guess (128 bits)."""
    return secrets.token_urlsafe(16)


def cookie_name(token: str) -> str:
    """The cookie that carries ``token``: named after it, so that two servers on one machine (cookies do not
    tell ports apart) keep their own."""
    return "lightboard_" + hashlib.sha256(token.encode()).hexdigest()[:12]


class Guard:
    """ASGI middleware: refuses requests without the token (when there is one) or, on loopback, with a
    ``Host`` that is not a loopback name; adds anti-framing headers to every answer.

    Args:
        app: the application behind it.
        token: the token every request must carry, or None. It must match :data:`TOKEN_PATTERN`.
        loopback: whether the server listens on a loopback address (then, without a token, only requests
            naming ``localhost`` or a loopback address are answered).
    """

    def __init__(self, app: Any, token: str | None, loopback: bool) -> None:
        if token is not None and not TOKEN_PATTERN.fullmatch(token):
            raise ValueError("a token must be at least 8 characters among A-Z a-z 0-9 . _ ~ -")
        self.app = app
        self.token = token
        self.cookie = cookie_name(token) if token is not None else None
        self.check_host = loopback and token is None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Answer one ASGI connection: refused, redirected, or passed to the application."""
        if scope["type"] == "websocket":  # the viewer has none: refuse rather than check
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def hardened(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_HARDENING]}
            await send(message)

        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        if self.check_host and not is_loopback(_hostname(headers.get("host", ""))):
            await _refuse(hardened, 403, "this server answers only to its loopback names (Host header refused)")
            return
        if self.token is None:
            await self.app(scope, receive, hardened)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(query).get("token")
        if given is not None and self._valid(given):
            if scope["method"] == "GET" and not scope["path"].startswith("/api/"):
                rest = urlencode([(name, value) for name, value in query if name != "token"])
                # "/" + the path without its leading slashes: "//evil.example/" stays on this server
                location = "/" + quote(scope["path"].lstrip("/")) + ("?" + rest if rest else "")
                await _redirect(hardened, location, f"{self.cookie}={self.token}")
                return
            await self.app(scope, receive, hardened)
            return
        cookie = cookie_parser(headers.get("cookie", "")).get(self.cookie or "")
        bearer = headers.get("authorization", "")
        if (cookie is not None and self._valid(cookie)) or (bearer.startswith("Bearer ") and self._valid(bearer[7:])):
            await self.app(scope, receive, hardened)
            return
        await _refuse(hardened, 401, "a token is needed: open the URL that `lightboard serve` printed")

    def _valid(self, given: str) -> bool:
        assert self.token is not None
        return secrets.compare_digest(given.encode("utf-8", "replace"), self.token.encode())


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _refuse(send: Any, status: int, message: str) -> None:
    body = message.encode() + b"\n"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Any, location: str, cookie: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"set-cookie", f"{cookie}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
