"""How fast ``lightboard serve`` shows logdirs with many runs or many tags, and what the server holds in memory,
next to TensorBoard serving the same.

Two logdirs, written by lightboard's ``SummaryWriter``: 1,000 runs × 10 tags × 1,000 steps (10M points), and
2 runs × 5,000 tags × 100 steps (1M points). For each, the server is started and has read the logdir (its
``/api/runs`` answers) before a fresh tab opens the page; measured, best and median of a few repeats:

- **first chart drawn after the page loads**: from the tab's navigation start to the first chart drawn (the
  page's own clock, ``performance.now()``, which starts with the navigation);
- **server memory**: the server process's resident memory once the first chart is drawn;
- **TensorBoard --load_fast=true**: from its start to its HTTP API answering the first tag for the first run
  (``/data/plugin/scalars/scalars``, its 1,000-point sample), and its resident memory then (no drawing counted).

Run ``.venv/bin/python benchmarks/serve_many.py`` (``--quick``: small logdirs, one repeat) or ``make bench``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import urllib.error
from dataclasses import dataclass
from typing import Any

import section as section_cli
from read import Shape, warm_page_cache
from serve import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    SETTLE_S,
    TIMEOUT_S,
    get_json,
    measure,
    process,
    serve_command,
    served_url,
    tensorboard,
)


@dataclass(frozen=True)
class Crowd:
    """A benchmark logdir: its shape, and the tag whose chart comes first in the page."""

    shape: Shape
    first_tag: str
    prefix: str

    def write(self, path: str) -> None:
        """Write it: ``run00 ..`` with tags ``<prefix>0 ..`` (lightboard's SummaryWriter)."""
        from lightboard import SummaryWriter

        tags = [f"{self.prefix}{index}" for index in range(self.shape.tags)]
        for run in range(self.shape.runs):
            writer = SummaryWriter(os.path.join(path, f"run{run:03d}"), max_queue=100_000)
            for step in range(self.shape.steps):
                value = 1.0 / (step + 1) + run * 1e-3
                for tag in tags:
                    writer.add_scalar(tag, value, step)
            writer.close()


MANY_RUNS = Crowd(Shape("1,000 runs x 10 tags x 1,000 steps", 1000, 10, 1000), "metrics/tag0", "metrics/tag")
MANY_TAGS = Crowd(Shape("2 runs x 5,000 tags x 100 steps", 2, 5000, 100), "metric0", "metric")
QUICK = (
    Crowd(Shape("quick: 100 runs x 10 tags x 100 steps", 100, 10, 100), "metrics/tag0", "metrics/tag"),
    Crowd(Shape("quick: 2 runs x 500 tags x 20 steps", 2, 500, 20), "metric0", "metric"),
)
TARGET_S = 1.0


def resident_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MB (Linux ``/proc``)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def first_chart(browser: Any, logdir: str, crowd: Crowd, memory: list[float]) -> float:
    """Seconds from a fresh tab's navigation start to its first chart drawn, the server having read the logdir."""
    with process(serve_command(logdir)) as server:
        url = served_url(server)
        while get_json(url + "api/runs")["reading"]:  # the first read, done a part at a time
            time.sleep(0.05)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto("about:blank")
            time.sleep(SETTLE_S)  # the new tab's renderer starts up before the clock does
            page.goto(url)
            page.wait_for_function(
                "(tag) => { const chart = document.querySelector(`.chart[data-tag='${tag}']`);"
                " return chart && chart.dataset.state === 'drawn'; }",
                arg=crowd.first_tag,
                timeout=TIMEOUT_S * 1000,
            )
            drawn = page.evaluate("(tag) => window.lightboard.drawnAt.get(tag)", crowd.first_tag)
            memory.append(resident_mb(server.pid))
            return drawn / 1000
        finally:
            page.close()


def tensorboard_first_tag(logdir: str, crowd: Crowd, memory: list[float]) -> float:
    """Seconds from starting TensorBoard (``--load_fast=true``) to its API answering the first tag for the first
    run with its last step; its resident memory then goes to ``memory``."""
    started = time.perf_counter()
    with tensorboard(logdir) as (board, port):
        url = f"http://127.0.0.1:{port}/data/plugin/scalars/scalars?tag={crowd.first_tag}&run=run000"
        while True:
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"tensorboard did not serve {crowd.first_tag} in {TIMEOUT_S} s")
            try:
                points = get_json(url)
            except (urllib.error.URLError, ConnectionError, ValueError):
                points = []
            if points and points[-1][1] == crowd.shape.steps - 1:
                elapsed = time.perf_counter() - started
                # the data server holds the data; the Python front end is its parent
                memory.append(sum(resident_mb(pid) for pid in [board.pid, *children(board.pid)]))
                return elapsed
            time.sleep(0.01)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (TensorBoard's data server, with ``--load_fast=true``)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def measure_crowd(browser: Any, path: str, crowd: Crowd, repeats: int, progress: bool) -> dict[str, Any]:
    """Both servers on one logdir: first-chart times and memory."""
    ours: list[float] = []
    theirs: list[float] = []
    name = crowd.shape.name
    return {
        "first_chart": measure(
            f"{name}: first chart", repeats, lambda: first_chart(browser, path, crowd, ours), progress
        ),
        "tensorboard": measure(f"{name}: TensorBoard", 1, lambda: tensorboard_first_tag(path, crowd, theirs), progress),
        "memory_mb": max(ours, default=None),
        "tensorboard_memory_mb": max(theirs, default=None),
    }


def section(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Write the logdirs, measure, print the table and the targets; return the raw numbers."""
    from playwright.sync_api import sync_playwright

    crowds = QUICK if quick else (MANY_RUNS, MANY_TAGS)
    repeats = 1 if quick else 5
    started = time.perf_counter()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lightboard-bench-many-") as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for crowd in crowds:
            path = os.path.join(root, re.sub(r"\W+", "-", crowd.shape.name))
            crowd.write(path)
            warm_page_cache(path)
            results[crowd.shape.name] = measure_crowd(browser, path, crowd, repeats, progress)
        browser.close()
    elapsed = time.perf_counter() - started
    report(results, quick)
    print(f"\n(many-runs section ran in {elapsed:.0f} s)", flush=True)
    return {"quick": quick, "results": results, "seconds": elapsed}


def report(results: dict[str, Any], quick: bool) -> None:
    print(f"\nServing many runs and many tags{' (--quick)' if quick else ''}:\n")
    head = f"  {'logdir':40}  {'first chart s (best / median)':>30}  {'server MB':>9}"
    print(f"{head}  {'TensorBoard s':>13}  {'its MB':>7}")
    for name, result in results.items():
        ours, theirs = result["first_chart"], result["tensorboard"]
        first = ours.get("error") or f"{ours['best']:.3f} / {ours['median']:.3f}"
        board = theirs.get("error") or f"{theirs['median']:.3f}"
        memory = f"{result['memory_mb']:.0f}" if result["memory_mb"] else "-"
        board_memory = f"{result['tensorboard_memory_mb']:.0f}" if result["tensorboard_memory_mb"] else "-"
        print(f"  {name:40}  {first:>30}  {memory:>9}  {board:>13}  {board_memory:>7}")
    print("\nNotes:")
    print("  - lightboard: from a fresh tab's navigation start (the server has read the logdir) to the first chart")
    print("    drawn with every run; TensorBoard: from its start to its API answering the first tag of one run")
    print("    (its 1,000-point sample, no drawing): not the same measure, shown for scale")
    print("\nTargets (issue 13):")
    for name, result in results.items():
        ours = result["first_chart"]
        if "error" in ours:
            print(f"  [n/a ] {name}: first chart ≤ {TARGET_S} s after the page loads")
            continue
        verdict = "PASS" if ours["median"] <= TARGET_S else "MISS"
        print(f"  [{verdict}] {name}: first chart ≤ {TARGET_S} s after the page loads (median {ours['median']:.3f} s)")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return section_cli.main(__doc__, section, argv)


if __name__ == "__main__":
    sys.exit(main())
