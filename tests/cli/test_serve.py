"""``lightboard serve`` as users start it: a real process listening on loopback, stopped by Ctrl+C."""

from __future__ import annotations

import json
import pathlib
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

URL = re.compile(r"at (http://\S+) \(Ctrl\+C to stop\)")


def start(*arguments: str) -> tuple[subprocess.Popen, str]:
    """Start ``lightboard serve ARGUMENTS``; return the process and the URL it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lightboard", "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    match = URL.search(line)
    if match is None:
        process.kill()
        raise AssertionError(f"no URL printed: {line!r} {process.communicate()}")
    return process, match.group(1)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def served(logdir: pathlib.Path) -> Iterator[tuple[subprocess.Popen, str]]:
    process, url = start(str(logdir), "--port", "0")
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serves_the_logdir_and_stops_on_ctrl_c(served: tuple[subprocess.Popen, str]) -> None:
    process, url = served
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
    status, body = get(url + "api/runs")
    assert status == 200
    assert [run["name"] for run in json.loads(body)["runs"]] == ["eval", "nested/deep", "train"]
    status, body = get(url + "api/scalars?tag=val/loss&points=10")
    assert status == 200 and json.loads(body)["series"][0]["count"] == 25
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


def test_a_port_in_use_is_a_clear_error(logdir: pathlib.Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "lightboard", "serve", str(logdir), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1
    assert f"lightboard: error: cannot listen on 127.0.0.1:{port}" in done.stderr and "--port 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_beyond_loopback_a_token_is_made_and_required(logdir: pathlib.Path) -> None:
    process, url = start(str(logdir), "--host", "0.0.0.0", "--port", "0")
    try:
        token = re.search(r"\?token=([\w-]{20,})$", url).group(1)
        port = re.search(r":(\d+)/", url).group(1)
        local = f"http://127.0.0.1:{port}/api/runs"
        assert get(local)[0] == 401
        assert get(local + "?token=" + token)[0] == 200
        assert get(local, {"Authorization": f"Bearer {token}"})[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert "warning: listening on 0.0.0.0, beyond this machine" in process.stderr.read()


def test_a_given_token_is_used(logdir: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIGHTBOARD_TOKEN", "from-the-environment")
    process, url = start(str(logdir), "--port", "0")
    try:
        assert url.endswith("/?token=from-the-environment")
        assert get(url.split("?")[0] + "api/runs")[0] == 401
        assert get(url.split("?")[0] + "api/runs?token=from-the-environment")[0] == 200
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--reload-interval", "-1"], "--reload-interval must be 0 or more seconds, got -1.0"),
        (["--host", "no.such.host.invalid"], "cannot listen on 'no.such.host.invalid'"),
    ],
)
def test_usage_errors(logdir: pathlib.Path, arguments: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lightboard", "serve", str(logdir), "--port", "0", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_without_the_serve_extra_the_message_names_it(logdir: pathlib.Path) -> None:
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from lightboard.cli import main\n"
        f"main(['serve', {str(logdir)!r}, '--port', '0'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert "lightboard serve needs uvicorn, which is not installed: pip install 'lightboard[serve]'" in done.stderr


def test_the_listening_socket_gets_nagle_off_for_its_connections() -> None:
    """asyncio disables Nagle's algorithm only on sockets made with the TCP protocol named; without it each
    small response stalls 40 ms (its body waits for the ACK of its headers)."""
    import asyncio

    from lightboard.cli.serve import listen

    async def accepted_nodelay() -> int:
        sock = listen("127.0.0.1", 0)
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            option = writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            seen.set_result(option)
            writer.close()

        server = await asyncio.start_server(connected, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        option = await asyncio.wait_for(seen, 10)
        writer.close()
        server.close()
        return option

    assert asyncio.run(accepted_nodelay()) != 0


def test_serves_and_lists_a_logdir_in_object_storage(tmp_path) -> None:
    """``lightboard ls`` and ``lightboard serve`` on an s3:// URL (moto's S3 server on loopback)."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    import os

    from tests.s3server import S3Server

    with S3Server(tmp_path / "requests.log") as server:
        server.create_bucket("bucket")
        env = {**os.environ, **server.environment()}
        code = (
            "from lightboard import SummaryWriter\n"
            "with SummaryWriter('s3://bucket/exp/run1') as writer:\n"
            "    [writer.add_scalar('loss', 1.0 / (step + 1), step) for step in range(300)]\n"
        )
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
        listed = subprocess.run(
            [sys.executable, "-m", "lightboard", "ls", "s3://bucket/exp", "--json"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        (run,) = json.loads(listed.stdout)["runs"]
        assert run["run"] == "run1" and run["kinds"]["scalars"]["loss"] == {"count": 300, "last_step": 299}
        process = subprocess.Popen(
            [sys.executable, "-m", "lightboard", "serve", "s3://bucket/exp", "--port", "0"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            url = URL.search(process.stdout.readline()).group(1)
            status, body = get(url + "api/scalars?tag=loss&points=50")
            assert status == 200 and json.loads(body)["series"][0]["count"] == 300
        finally:
            process.kill()
            process.wait()
        missing = subprocess.run(
            [sys.executable, "-m", "lightboard", "serve", "s3://bucket/nothing-here", "--port", "0"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert missing.returncode == 2 and "s3://bucket/nothing-here" in missing.stderr
        assert "Traceback" not in missing.stderr
