"""Who may read the viewer: a token for servers reachable from the network, a Host check on loopback.

On a loopback address only this machine can connect, but a web page in the user's browser could still reach
the server through DNS rebinding (a hostile name resolving to 127.0.0.1); answering only requests whose
``Host`` is a loopback name stops that. On any other address a token is required: given once as
``?token=`` (the server answers with a cookie and a redirect to the same URL without it), then sent by the
browser as the cookie, or by scripts as ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

import ipaddress
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

COOKIE = "lightboard_token"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is only reachable from this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A random token, hard to guess (128 bits)."""
    return secrets.token_urlsafe(16)


class Guard:
    """ASGI middleware: refuses requests without the token (when there is one) or with a foreign ``Host``.

    Args:
        app: the application behind it.
        token: the token every request must carry, or None (then ``hosts`` must be given).
        hosts: the host names accepted in the ``Host`` header (without port), or None for any.
    """

    def __init__(self, app: Any, token: str | None, hosts: tuple[str, ...] | None) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        if self.hosts is not None and _hostname(headers.get("host", "")) not in self.hosts:
            await _refuse(send, 403, "this server answers only to its loopback names (Host header refused)")
            return
        if self.token is None:
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(query).get("token")
        if given is not None and self._valid(given):
            if scope["method"] == "GET" and not scope["path"].startswith("/api/"):
                rest = urlencode([(name, value) for name, value in query if name != "token"])
                await _redirect(send, quote(scope["path"]) + ("?" + rest if rest else ""), self.token)
                return
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie(headers.get("cookie", "")).get(COOKIE)
        bearer = headers.get("authorization", "")
        if (cookie is not None and self._valid(cookie.value)) or (
            bearer.startswith("Bearer ") and self._valid(bearer[7:])
        ):
            await self.app(scope, receive, send)
            return
        await _refuse(send, 401, "a token is needed: open the URL that `lightboard serve` printed")

    def _valid(self, given: str) -> bool:
        assert self.token is not None
        return secrets.compare_digest(given.encode(), self.token.encode())


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


async def _redirect(send: Any, location: str, token: str) -> None:
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
