"""Only the loopback names or token holders are answered; nothing outside the logdir is ever served."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from lightboard.serve.app import create_app
from lightboard.serve.security import Guard, cookie_name, is_loopback
from lightboard.serve.source import LiveLogdir

TOKEN = "s3cret-token"
COOKIE = cookie_name(TOKEN)


@pytest.fixture
def guarded(logdir: pathlib.Path) -> Iterator[TestClient]:
    """The viewer as it runs on a non-loopback address: a token is required."""
    app = create_app(LiveLogdir(str(logdir)), token=TOKEN, loopback=False, reload_interval=0)
    with TestClient(app, base_url="http://192.0.2.1:6006", follow_redirects=False) as client:
        yield client


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:6006", "localhost:80", "LOCALHOST", "[::1]:6006", "[::1]", "127.0.0.2:6006"]
)
def test_loopback_names_are_answered(client: TestClient, host: str) -> None:
    assert client.get("/api/runs", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example:6006", "evil.example", "127.0.0.1.evil.example", "localhost.evil", "[::2]:80", ""]
)
def test_other_host_names_are_refused_on_loopback(client: TestClient, host: str) -> None:
    answer = client.get("/api/runs", headers={"Host": host})
    assert answer.status_code == 403 and "Host header refused" in answer.text


def test_no_token_no_data(guarded: TestClient) -> None:
    for path in ("/", "/api/runs", "/api/scalars?tag=train/loss"):
        answer = guarded.get(path)
        assert answer.status_code == 401 and "a token is needed" in answer.text
    assert guarded.get("/api/runs", params={"token": "wrong"}).status_code == 401
    assert guarded.get("/api/runs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/api/runs", headers={"Cookie": f"{COOKIE}=wrong"}).status_code == 401


def test_token_in_the_url_becomes_a_cookie(guarded: TestClient) -> None:
    answer = guarded.get("/", params={"token": TOKEN, "runs": "exp"})
    assert answer.status_code == 303 and answer.headers["location"] == "/?runs=exp"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert guarded.get("/api/runs", headers={"Cookie": f"{COOKIE}={TOKEN}"}).status_code == 200


def test_token_as_bearer_or_query_on_the_api(guarded: TestClient) -> None:
    assert guarded.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert guarded.get("/api/runs", params={"token": TOKEN}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/__init__.py",
        "/static/index.html",
        "/static/",
        "/../../etc/passwd",
        "/api/../../etc/passwd",
        "/api/scalars?tag=../../../etc/passwd",
        "/api/scalars/download?tag=train/loss&run=../../../../etc",
        "/exp0/events.out.tfevents",
    ],
)
def test_no_path_outside_the_assets_or_the_api(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code in (400, 404), (path, answer.status_code)
    assert "root:" not in answer.text and "[project]" not in answer.text and "brain.Event" not in answer.text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("myhost", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_redirect_stays_on_this_server(guarded: TestClient) -> None:
    answer = guarded.get("http://192.0.2.1:6006//evil.example/", params={"token": TOKEN})
    assert answer.status_code == 303 and answer.headers["location"] == "/evil.example/"


def test_every_answer_forbids_framing_and_sniffing(client: TestClient, guarded: TestClient) -> None:
    answers = [
        client.get("/api/runs"),
        client.get("/api/runs", headers={"Host": "evil.example"}),
        guarded.get("/api/runs"),
        guarded.get("/", params={"token": TOKEN}),
    ]
    assert [answer.status_code for answer in answers] == [200, 403, 401, 303]
    for answer in answers:
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_cookies_of_other_servers_or_apps_do_not_get_in_the_way(guarded: TestClient) -> None:
    assert cookie_name("another-token") != COOKIE  # two servers on one machine keep their own cookie
    messy = f'theme=dark; broken"cookie; {cookie_name("another-token")}=another-token; {COOKIE}={TOKEN}'
    assert guarded.get("/api/runs", headers={"Cookie": messy}).status_code == 200


@pytest.mark.parametrize("token", ["short", "has space", "plus+sign", "semi;colon", "ünïcode-token"])
def test_tokens_that_cannot_travel_in_a_url_are_refused(token: str) -> None:
    with pytest.raises(ValueError, match="at least 8 characters among"):
        Guard(None, token, loopback=False)


def test_websockets_are_refused(client: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/api/runs"):
        pass
