"""How fast ``lightboard serve`` shows a big logdir in a real browser, next to TensorBoard serving the same.

Two logdirs of 5M scalar points each are written by lightboard's ``SummaryWriter``: 20 runs × 5 tags × 50,000
steps, and 100 runs × 1 tag × 50,000 steps. Debian's chromium (headless, driven by Playwright) is started
once, before anything is timed. Measured, best and median of a few repeats:

- **time to first chart**: from starting ``lightboard serve`` (a fresh process: interpreter, imports, the
  whole logdir read) to the chart of one tag drawn in the page with all 20 runs' exact min/max envelopes;
- **TensorBoard --load_fast=true**: from starting ``tensorboard`` to its HTTP API answering that tag for all
  20 runs with their last step (its 1,000-point samples; no browser drawing counted for it);
- **smoothing redraw, 100 runs**: from a smoothing change in the page to its chart redrawn with all 100
  runs smoothed anew (the server smooths every point of every run, then sends envelopes).

Run ``.venv/bin/python benchmarks/serve.py`` (``--quick``: small logdirs, one repeat) or ``make bench``.
"""

from __future__ import annotations

import compileall
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import section as section_cli
from read import Shape, warm_page_cache, write_logdir

TWENTY = Shape("5M/20 runs", 20, 5, 50_000)
HUNDRED = Shape("5M/100 runs", 100, 1, 50_000)
QUICK_TWENTY = Shape("quick/20 runs", 20, 5, 1_000)
QUICK_HUNDRED = Shape("quick/100 runs", 100, 1, 1_000)
TAG = "metrics/tag0"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
TIMEOUT_S = 120
SETTLE_S = 0.5
"""Pause after opening a tab, so that the browser is idle when a timing starts."""
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@contextmanager
def process(command: list[str]) -> Iterator[subprocess.Popen]:
    """A subprocess, killed on exit."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def serve_command(logdir: str) -> list[str]:
    """``lightboard serve`` on a free loopback port, reading the logdir once (no refresh during the timing)."""
    return [sys.executable, "-m", "lightboard", "serve", logdir, "--port", "0", "--reload-interval", "0"]


def served_url(server: subprocess.Popen) -> str:
    """The URL ``lightboard serve`` prints when it listens."""
    line = server.stdout.readline()
    match = re.search(r"at (http://\S+) ", line)
    if match is None:
        raise RuntimeError(f"lightboard serve printed no URL: {line!r} {server.stderr.read()}")
    return match.group(1)


def wait_drawn(page: Any, tag: str, runs: int, smoothing: float | None = None) -> None:
    """Wait until the chart of ``tag`` is drawn with ``runs`` runs (and ``smoothing``, when given)."""
    page.wait_for_function(
        """([tag, runs, smoothing]) => {
            const chart = document.querySelector(`.chart[data-tag="${CSS.escape(tag)}"]`);
            return chart && chart.dataset.state === "drawn" && Number(chart.dataset.series) === runs
                && (smoothing === null || Number(chart.dataset.smoothing) === smoothing);
        }""",
        arg=[tag, runs, smoothing],
        timeout=TIMEOUT_S * 1000,
        polling="raf",
    )


def time_to_first_chart(browser: Any, logdir: str, runs: int) -> float:
    """Seconds from starting ``lightboard serve`` to the chart of :data:`TAG` drawn for all ``runs``."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto("about:blank")
        time.sleep(SETTLE_S)  # the new tab's renderer starts up before the clock does
        started = time.perf_counter()
        with process(serve_command(logdir)) as server:
            url = served_url(server)
            page.goto(f"{url}?tags=^{TAG}$", wait_until="commit")
            wait_drawn(page, TAG, runs)
            return time.perf_counter() - started
    finally:
        page.close()


def get_json(url: str) -> Any:
    with _OPENER.open(url, timeout=30) as answer:
        return json.loads(answer.read())


@contextmanager
def tensorboard(logdir: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """TensorBoard (``--load_fast=true``) on a free loopback port: ``(process, port)`` once it printed its URL;
    killed on exit."""
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--host", "127.0.0.1", "--port", "0",
               "--load_fast=true"]  # fmt: skip
    with process(command) as board:
        port = None
        while port is None:
            line = board.stderr.readline()
            if not line:
                raise RuntimeError("tensorboard exited before printing its URL")
            match = re.search(r"TensorBoard \S+ at http://[^:]+:(\d+)/", line)
            port = match.group(1) if match else None
        yield board, port


def tensorboard_time(logdir: str, shape: Shape) -> float:
    """Seconds from starting TensorBoard (``--load_fast=true``) to its API answering :data:`TAG` for every run
    with the run's last step."""
    started = time.perf_counter()
    with tensorboard(logdir) as (_, port):
        base = f"http://127.0.0.1:{port}/data/plugin/scalars/scalars?tag={TAG}&run="
        pending = [f"run{run:02d}" for run in range(shape.runs)]
        while pending:
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"tensorboard did not serve {pending} in {TIMEOUT_S} s")
            try:
                points = get_json(base + pending[0])
            except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
                points = []
            if points and points[-1][1] == shape.steps - 1:
                pending.pop(0)
            else:
                time.sleep(0.01)
        return time.perf_counter() - started


def smoothing_redraws(browser: Any, logdir: str, runs: int, weights: list[float]) -> list[float]:
    """Seconds from each smoothing change (the slider's ``change`` event) to the chart redrawn with it."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        with process(serve_command(logdir)) as server:
            page.goto(f"{served_url(server)}?tags=^{TAG}$")
            wait_drawn(page, TAG, runs)
            times = []
            for weight in weights:
                started = page.evaluate(
                    """(weight) => {
                        const slider = document.getElementById("smoothing");
                        slider.value = String(weight);
                        const now = performance.now();
                        slider.dispatchEvent(new Event("input", {bubbles: true}));
                        slider.dispatchEvent(new Event("change", {bubbles: true}));
                        return now;
                    }""",
                    weight,
                )
                wait_drawn(page, TAG, runs, weight)
                drawn = page.evaluate("(tag) => window.lightboard.drawnAt.get(tag)", TAG)
                times.append((drawn - started) / 1000)
            return times
    finally:
        page.close()


def best_and_median(samples: list[float]) -> dict[str, float]:
    return {"best": min(samples), "median": statistics.median(samples), "samples": samples}


def measure(label: str, repeats: int, sample: Callable[[], float], progress: bool) -> dict[str, Any]:
    if progress:
        print(f"  serve: {label} ...", end="", flush=True, file=sys.stderr)
    try:
        result = best_and_median([sample() for _ in range(repeats)])
    except Exception as error:  # noqa: BLE001 - a peer that fails is reported, not fatal
        result = {"error": f"{type(error).__name__}: {error}"}
    if progress:
        print(f" {result.get('error') or format(result['median'], '.3f') + ' s'}", file=sys.stderr)
    return result


def section(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Write the logdirs, measure, print the table and the targets; return the raw numbers."""
    from playwright.sync_api import sync_playwright

    import lightboard

    # A pip install compiles the package's bytecode; an editable one under PYTHONDONTWRITEBYTECODE=1 (set on
    # this machine) never does, and each start would compile every module again (30 ms).
    compileall.compile_dir(os.path.dirname(lightboard.__file__), quiet=1)
    twenty, hundred = (QUICK_TWENTY, QUICK_HUNDRED) if quick else (TWENTY, HUNDRED)
    repeats = 1 if quick else 9
    started = time.perf_counter()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lightboard-bench-serve-") as root, sync_playwright() as playwright:
        paths = {shape.name: os.path.join(root, shape.name.replace("/", "-")) for shape in (twenty, hundred)}
        for shape in (twenty, hundred):
            write_logdir(paths[shape.name], shape)
            warm_page_cache(paths[shape.name])
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        first = paths[twenty.name]
        results["first_chart"] = measure(
            "time to first chart", repeats, lambda: time_to_first_chart(browser, first, twenty.runs), progress
        )
        results["tensorboard"] = measure(
            "TensorBoard --load_fast=true", 1 if quick else 3, lambda: tensorboard_time(first, twenty), progress
        )
        weights = [0.9, 0.3, 0.95, 0.0, 0.8, 0.6, 0.99][: 2 if quick else 7]
        if progress:
            print("  serve: smoothing redraw, 100 runs ...", end="", flush=True, file=sys.stderr)
        try:
            samples = smoothing_redraws(browser, paths[hundred.name], hundred.runs, weights)
            results["smoothing_redraw"] = best_and_median(samples)
        except Exception as error:  # noqa: BLE001
            results["smoothing_redraw"] = {"error": f"{type(error).__name__}: {error}"}
        if progress:
            print(f" {results['smoothing_redraw'].get('median', 'error')}", file=sys.stderr)
        browser.close()
    elapsed = time.perf_counter() - started
    report(results, twenty, hundred, quick)
    print(f"\n(serve section ran in {elapsed:.0f} s)", flush=True)
    return {"quick": quick, "results": results, "seconds": elapsed}


def fmt(result: dict[str, Any], key: str) -> str:
    return result["error"] if "error" in result else f"{result[key]:.3f}"


def report(results: dict[str, Any], twenty: Shape, hundred: Shape, quick: bool) -> None:
    rows = [
        ("lightboard serve: start → one tag's chart drawn (20 runs, exact envelopes)", results["first_chart"]),
        (
            "TensorBoard --load_fast=true: start → that tag served (20 runs, 1,000-point samples)",
            results["tensorboard"],
        ),
        ("lightboard serve: smoothing change → chart redrawn (100 runs)", results["smoothing_redraw"]),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"\nServing scalars{' (--quick)' if quick else ''}:\n")
    print(f"  {'':{width}}  {'best s':>8}  {'median s':>8}")
    for label, result in rows:
        print(f"  {label:{width}}  {fmt(result, 'best'):>8}  {fmt(result, 'median'):>8}")
    print("\nNotes:")
    print(f"  - logdirs: {twenty.describe()} and {hundred.describe()} ({twenty.points:,} points each), warm page cache")
    print("  - lightboard's bytecode compiled first, as a pip install does (TensorBoard's is, by its install)")
    print("  - Debian chromium headless via Playwright, started before timing; lightboard times include the server")
    print("    process start, the whole logdir read, the API answer and the page's drawing; TensorBoard's stop at")
    print("    its HTTP answer (no drawing)")
    first, board = results["first_chart"], results["tensorboard"]
    if "error" not in first and "error" not in board:
        print(f"  - TensorBoard / lightboard: {board['median'] / first['median']:.1f}x (medians)")
    print("\nTargets (issue 6):")
    if "error" in first:
        print("  [n/a ] time to first chart ≤ 0.5 s")
    else:
        verdict = "PASS" if first["median"] <= 0.5 else "MISS"
        print(f"  [{verdict}] time to first chart ≤ 0.5 s on 5M points  (measured median: {first['median']:.3f} s)")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return section_cli.main(__doc__, section, argv)


if __name__ == "__main__":
    sys.exit(main())
