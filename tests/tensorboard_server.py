"""Run the real ``tensorboard`` on a loopback port and query its HTTP API, for conformance tests.

:class:`TensorBoardServer` starts ``python -m tensorboard.main --logdir DIR --host 127.0.0.1 --port 0``
as a subprocess (in its own process group), reads the port it picked from its log, checks which loader
answers (``--load_fast=true``: the Rust data server, proven by ``/data/environment`` and by the data
server's own log lines; ``--load_fast=false``: the Python multiplexer), and always shuts the whole
process group down. Every wait has a timeout; nothing here can hang a test run.

Usage::

    with TensorBoardServer(logdir, load_fast=True) as server:
        server.wait_for_tags({"scalars": {"run": {"loss"}}})
        points = server.get_json("/data/plugin/scalars/scalars", run="run", tag="loss")
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

STARTUP_TIMEOUT_S = 60.0
"""Longest wait for TensorBoard to print its URL and answer ``/data/runs``."""
DATA_TIMEOUT_S = 30.0
"""Longest wait for expected runs and tags to show up."""
REQUEST_TIMEOUT_S = 10.0
"""Timeout of one HTTP request."""
SHUTDOWN_TIMEOUT_S = 10.0
"""Grace period after SIGTERM before the process group gets SIGKILL."""

_URL_LINE = re.compile(r"TensorBoard \S+ at http://127\.0\.0\.1:(\d+)/")
_RUST_LOG = "rustboard_core"
"""Prefix of the Rust data server's log lines (``--extra_data_server_flags=--verbose``)."""

# Loopback requests must never go through an HTTP proxy configured in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class TensorBoardError(AssertionError):
    """TensorBoard failed to start, answer, or show the expected data; the message includes its log."""


def _reject_constant(name: str) -> Any:
    """``json.loads`` hook: TensorBoard must encode NaN and ±inf as strings, never as bare tokens."""
    raise ValueError(f"non-standard JSON constant {name!r} in TensorBoard's response")


def strict_json(body: bytes | str) -> Any:
    """Parse ``body`` as standard JSON (no bare ``NaN``/``Infinity``)."""
    return json.loads(body, parse_constant=_reject_constant)


class TensorBoardServer:
    """The real TensorBoard serving ``logdir``, as a context manager.

    Args:
        logdir: the ``--logdir``.
        load_fast: ``True`` runs ``--load_fast=true`` (RustBoard; startup fails loudly if the data server
            cannot run), ``False`` runs ``--load_fast=false`` (the Python loader).
        reload_interval: ``--reload_interval`` in seconds.
        extra_args: further command-line flags, e.g. ``["--samples_per_plugin", "scalars=0"]``.
        startup_timeout: seconds to wait for the server to answer.
    """

    def __init__(
        self,
        logdir: str | os.PathLike[str],
        *,
        load_fast: bool,
        reload_interval: float = 1,
        extra_args: Iterable[str] = (),
        startup_timeout: float = STARTUP_TIMEOUT_S,
    ) -> None:
        self.logdir = os.fspath(logdir)
        self.load_fast = load_fast
        self.reload_interval = reload_interval
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._final_log = ""

    # -- lifecycle -----------------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The command line that starts TensorBoard."""
        args = [
            sys.executable,
            "-m",
            "tensorboard.main",
            "--logdir",
            self.logdir,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--load_fast",
            "true" if self.load_fast else "false",
            "--reload_interval",
            str(self.reload_interval),
        ]
        if self.load_fast:
            # Makes the data server log each load cycle, which proves it is the one serving.
            args.append("--extra_data_server_flags=--verbose")
        return args + self.extra_args

    def start(self) -> TensorBoardServer:
        """Start TensorBoard and return once it answers and is served by the requested loader.

        Raises:
            TensorBoardError: it exited, did not answer within ``startup_timeout``, or is served by the
                other loader (e.g. a silent fallback from the data server to Python).
        """
        if self._process is not None:
            raise RuntimeError("TensorBoardServer already started")
        self._log_file = tempfile.TemporaryFile(prefix="tensorboard-log-")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: stop() reaches the data server too
        )
        try:
            self.port = self.wait_for(self._port_from_log, self.startup_timeout, "TensorBoard to print its URL")
            self.wait_for(self._answers, self.startup_timeout, "TensorBoard to answer /data/runs")
            self._check_loader()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Terminate TensorBoard and its data server (SIGTERM, then SIGKILL); safe to call twice."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                # The group leader is not reaped yet, so its pid (the group id) cannot have been reused.
                self._signal_group(process, signal.SIGTERM)
                try:
                    process.wait(SHUTDOWN_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self._signal_group(process, signal.SIGKILL)
                    process.wait(SHUTDOWN_TIMEOUT_S)
            else:
                process.wait(0)
        if self._log_file is not None:
            self._final_log = self.log()
            self._log_file.close()
            self._log_file = None

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> TensorBoardServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:45955``."""
        if self.port is None:
            raise RuntimeError("TensorBoardServer not started")
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything TensorBoard (and its data server) wrote to stdout and stderr so far."""
        if self._log_file is None:
            return self._final_log
        self._log_file.flush()
        return os.pread(self._log_file.fileno(), 1 << 24, 0).decode("utf-8", "replace")

    def _fail(self, message: str) -> TensorBoardError:
        tail = self.log()[-6000:]
        mode = "true" if self.load_fast else "false"
        return TensorBoardError(f"{message}\n--- tensorboard (--load_fast={mode}) log ---\n{tail}")

    # -- startup checks ------------------------------------------------------------------------------

    def _check_alive(self) -> None:
        if self._process is None:
            raise TensorBoardError("TensorBoardServer not started")
        code = self._process.poll()
        if code is not None:
            raise self._fail(f"tensorboard exited with status {code}")

    def _port_from_log(self) -> int | None:
        match = _URL_LINE.search(self.log())
        return int(match.group(1)) if match else None

    def _answers(self) -> bool:
        try:
            self.get_json("/data/runs", timeout=2)
        except (OSError, urllib.error.URLError):
            return False
        return True

    def _check_loader(self) -> None:
        """Fail unless the requested loader serves: no silent fallback from RustBoard to Python."""
        provider = self.get_json("/data/environment")["debug"]["data_provider"]
        if self.load_fast:
            if not provider.startswith("GrpcDataProvider("):
                raise self._fail(f"--load_fast=true but the data provider is {provider!r}, not the Rust data server")
            self.wait_for(lambda: _RUST_LOG in self.log(), 10, "the Rust data server's log lines")
        elif not provider.startswith("MultiplexerDataProvider("):
            raise self._fail(f"--load_fast=false but the data provider is {provider!r}, not the Python multiplexer")

    # -- HTTP ----------------------------------------------------------------------------------------

    def get(self, path: str, timeout: float = REQUEST_TIMEOUT_S, **params: str) -> bytes:
        """GET ``path`` with query ``params``; returns the body.

        Raises:
            urllib.error.HTTPError: a non-2xx status (e.g. 400 or 404 for an unknown run or tag).
        """
        query = "?" + urllib.parse.urlencode(params) if params else ""
        with _OPENER.open(self.url + path + query, timeout=timeout) as response:
            return response.read()

    def get_json(self, path: str, timeout: float = REQUEST_TIMEOUT_S, **params: str) -> Any:
        """GET ``path`` with query ``params`` and parse the body as strict JSON."""
        return strict_json(self.get(path, timeout=timeout, **params))

    # -- waiting -------------------------------------------------------------------------------------

    def wait_for(self, probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1) -> T:
        """Call ``probe`` until it returns something truthy and return that; fail after ``timeout`` s.

        Also fails at once if TensorBoard exits meanwhile.
        """
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            result = probe()
            if result:
                return result
            if time.monotonic() > deadline:
                raise self._fail(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)

    def tags(self, plugin: str) -> dict[str, set[str]]:
        """``{run: {tag, ...}}`` from ``/data/plugin/<plugin>/tags``."""
        return {run: set(tags) for run, tags in self.get_json(f"/data/plugin/{plugin}/tags").items()}

    def wait_for_tags(
        self, expected: Mapping[str, Mapping[str, Iterable[str]]], timeout: float = DATA_TIMEOUT_S
    ) -> None:
        """Wait until every ``{plugin: {run: tags}}`` listed is served (more runs or tags are fine)."""
        wanted = {plugin: {run: set(tags) for run, tags in runs.items()} for plugin, runs in expected.items()}

        def missing() -> dict[str, dict[str, set[str]]]:
            gaps: dict[str, dict[str, set[str]]] = {}
            for plugin, runs in wanted.items():
                served = self.tags(plugin)
                for run, tags in runs.items():
                    lacking = tags - served.get(run, set())
                    if lacking:
                        gaps.setdefault(plugin, {})[run] = lacking
            return gaps

        last: dict[str, dict[str, set[str]]] = {}

        def done() -> bool:
            nonlocal last
            last = missing()
            return not last

        try:
            self.wait_for(done, timeout, "runs and tags", interval=0.2)
        except TensorBoardError as error:
            raise self._fail(f"still missing {{plugin: {{run: tags}}}}: {last}") from error

    def wait_until_stable(
        self, requests: Iterable[tuple[str, Mapping[str, str]]], timeout: float = DATA_TIMEOUT_S
    ) -> None:
        """Wait until the responses to ``requests`` (``(path, params)``) stop changing.

        Two identical snapshots taken more than one reload interval apart mean that a full load cycle
        went by without new data, so the loader has read everything that was on disk.
        """
        requests = list(requests)
        settle = max(self.reload_interval, 0.5) + 0.5

        def snapshot() -> list[bytes]:
            return [self.get(path, **params) for path, params in requests]

        previous = snapshot()
        deadline = time.monotonic() + timeout
        while True:
            time.sleep(settle)
            self._check_alive()
            current = snapshot()
            if current == previous:
                return
            if time.monotonic() > deadline:
                raise self._fail(f"responses still changing after {timeout:.0f} s")
            previous = current
