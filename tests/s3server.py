"""A real S3-protocol server for the tests: moto's server (``moto.server``), in its own process on loopback.

Run as a script (``python s3server.py PORT LOG [LATENCY]``) it serves moto's S3 over HTTP and appends one line
per request to LOG: ``METHOD PATH BYTES IN_FLIGHT`` (the request body's length, and how many requests the server
was answering when it came, itself included), the request log the tests measure uploads and concurrency with.
LATENCY seconds are waited before answering each GET, as a real store's round trip (requests are answered in
threads: concurrent ones wait together). While the file LOG.refuse exists, every upload (PUT, POST) is answered
``403 AccessDenied``, as when credentials stop working. :class:`S3Server` starts it on a free port, waits until
it answers, gives the environment that points boto3 / s3fs at it, can freeze it (SIGSTOP) to play an outage
without losing its objects, and can refuse uploads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """moto's S3 server on 127.0.0.1, with a request log; use as a context manager."""

    def __init__(self, log: Path, latency: float = 0.0) -> None:
        self.port = free_port()
        self.log = log
        self.latency = latency
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> S3Server:
        env = {**os.environ, **CREDENTIALS}
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(self.port), str(self.log), str(self.latency)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()

    def environment(self) -> dict[str, str]:
        """Variables that point boto3, s3fs (botocore) at this server."""
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint, "AWS_ENDPOINT_URL_S3": self.endpoint}

    def create_bucket(self, name: str) -> None:
        import boto3

        boto3.client("s3", endpoint_url=self.endpoint, **_boto_credentials()).create_bucket(Bucket=name)

    def freeze(self) -> None:
        """Stop answering (the process is stopped: connections wait, nothing is lost)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    @contextlib.contextmanager
    def refusing_uploads(self) -> Iterator[None]:
        """Within the block, every PUT and POST is answered 403 AccessDenied (reads still work)."""
        flag = _refuse_flag(str(self.log))
        flag.touch()
        try:
            yield
        finally:
            flag.unlink()

    def requests(self) -> list[tuple[str, str, int]]:
        """``(method, path, body bytes on the wire)`` of every request so far."""
        return [(method, path, size) for method, path, size, _ in self._log()]

    def most_in_flight(self, method: str, prefix: str) -> int:
        """The most requests the server was answering at once when a ``method`` request under ``prefix`` came."""
        counts = [busy for verb, path, _, busy in self._log() if verb == method and path.startswith(prefix)]
        return max(counts, default=0)

    def _log(self) -> list[tuple[str, str, int, int]]:
        if not self.log.exists():
            return []
        rows = []
        for line in self.log.read_text().splitlines():
            method, path, size, busy = line.split(" ")
            rows.append((method, path, int(size), int(busy)))
        return rows

    def uploaded(self, prefix: str) -> int:
        """Bytes sent in PUT and POST requests to paths under ``prefix`` (e.g. ``/bucket/run``)."""
        return sum(
            size for method, path, size in self.requests() if method in ("PUT", "POST") and path.startswith(prefix)
        )


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def _refuse_flag(log: str) -> Path:
    return Path(log + ".refuse")


REFUSAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"""


def _serve(port: int, log: str, latency: float) -> None:
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    os.environ["MOTO_PORT"] = str(port)
    app = DomainDispatcherApplication(create_backend_app)

    lock = threading.Lock()
    in_flight = [0]
    refuse_flag = _refuse_flag(log)

    def logged(environ: dict, start_response: Callable[..., object]) -> object:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        method = environ["REQUEST_METHOD"]
        with lock:
            in_flight[0] += 1
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"{method} {environ.get('PATH_INFO', '')} {size} {in_flight[0]}\n")
        try:
            if method == "GET" and latency:
                time.sleep(latency)
            if method in ("PUT", "POST") and refuse_flag.exists():
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [REFUSAL]
            return app(environ, start_response)
        finally:
            with lock:
                in_flight[0] -= 1

    run_simple("127.0.0.1", port, logged, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    _serve(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
