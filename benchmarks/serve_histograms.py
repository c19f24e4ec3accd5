"""How fast ``lightboard serve`` shows a logdir of histograms in a real browser, next to TensorBoard serving it.

One logdir, written by lightboard's ``SummaryWriter``: 20 runs × 5 tags × 5,000 steps of histograms (500,000
histograms of 1,000 normal samples each, TensorBoard's default bucket layout). Debian's chromium (headless, driven
by Playwright) is started once, before anything is timed. Measured, best and median of a few repeats, each from
starting the server (a fresh process: interpreter, imports, the whole logdir read):

- **distributions, first chart**: to the first run's percentile chart of one tag drawn in the page
  (``?dashboard=distributions``), every step of it (5,000 of 5,000 shown);
- **distributions, card**: to that tag's charts of all 20 runs drawn;
- **histograms, first card**: to the first run's histogram panel of the tag drawn (``?dashboard=histograms``,
  offset mode, the default), and to all 20 runs' panels drawn;
- **TensorBoard --load_fast=true**: from its start to its HTTP API answering the same tag for all 20 runs with
  their last step (``/data/plugin/distributions/distributions``, then ``/data/plugin/histograms/histograms``:
  its samples of the tag, no browser drawing counted for it).

Run ``.venv/bin/python benchmarks/serve_histograms.py`` (``--quick``: a small logdir, one repeat) or ``make bench``.
"""

from __future__ import annotations

import compileall
import os
import sys
import tempfile
import time
import urllib.error
from typing import Any
from urllib.parse import quote

import numpy as np
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

FULL = Shape("20 runs x 5 tags x 5,000 steps", 20, 5, 5_000)
QUICK = Shape("quick: 4 runs x 2 tags x 300 steps", 4, 2, 300)
TAG = "layers/weights0"
SAMPLES = 1_000
"""Values per histogram."""


def write_logdir(path: str, shape: Shape) -> None:
    """``run00 ..`` with tags ``layers/weights0 ..``: a normal drifting and widening with the step."""
    from lightboard import SummaryWriter

    rng = np.random.default_rng(0)
    base = rng.standard_normal(SAMPLES)
    for run in range(shape.runs):
        writer = SummaryWriter(os.path.join(path, f"run{run:02d}"), max_queue=10_000)
        for step in range(shape.steps):
            for tag in range(shape.tags):
                scale = 1 + step / shape.steps + tag * 0.1
                writer.add_histogram(f"layers/weights{tag}", base * scale + run * 0.01 + step * 1e-4, step)
        writer.close()


def panels_drawn(page: Any, kind: str, tag: str, count: int) -> None:
    """Wait until ``count`` panels of ``tag`` on dashboard ``kind`` are drawn."""
    page.wait_for_function(
        """([kind, tag, count]) => {
            const selector = `.hist-panel[data-kind="${kind}"][data-tag="${CSS.escape(tag)}"][data-state="drawn"]`;
            return document.querySelectorAll(selector).length >= count;
        }""",
        arg=[kind, tag, count],
        timeout=TIMEOUT_S * 1000,
        polling="raf",
    )


def time_dashboard(browser: Any, logdir: str, kind: str, runs: int) -> tuple[float, float, str]:
    """Seconds from starting ``lightboard serve`` to the first panel of :data:`TAG` on dashboard ``kind`` drawn,
    and to all ``runs`` panels drawn; and the first panel's "N of M steps shown"."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto("about:blank")
        time.sleep(SETTLE_S)
        started = time.perf_counter()
        with process(serve_command(logdir)) as server:
            url = served_url(server)
            page.goto(f"{url}?dashboard={kind}&tags={quote('^' + TAG + '$')}", wait_until="commit")
            panels_drawn(page, kind, TAG, 1)
            first = time.perf_counter() - started
            panels_drawn(page, kind, TAG, runs)
            card = time.perf_counter() - started
            shown = page.locator(f'.hist-panel[data-kind="{kind}"] .hist-foot').first.inner_text()
            return first, card, shown
    finally:
        page.close()


def tensorboard_time(logdir: str, shape: Shape) -> tuple[float, float, int]:
    """Seconds from starting TensorBoard (``--load_fast=true``) to its API answering :data:`TAG`'s distributions
    for every run with the run's last step, then its histograms likewise; and how many steps it serves."""
    started = time.perf_counter()
    with tensorboard(logdir) as (_, port):
        times, served = [], 0
        for plugin in ("distributions", "histograms"):
            base = f"http://127.0.0.1:{port}/data/plugin/{plugin}/{plugin}?tag={quote(TAG)}&run="
            pending = [f"run{run:02d}" for run in range(shape.runs)]
            while pending:
                if time.perf_counter() - started > TIMEOUT_S:
                    raise RuntimeError(f"tensorboard did not serve {plugin} of {pending} in {TIMEOUT_S} s")
                try:
                    points = get_json(base + pending[0])
                except (urllib.error.URLError, ConnectionError, ValueError):
                    points = []
                if points and points[-1][1] == shape.steps - 1:
                    served = len(points)
                    pending.pop(0)
                else:
                    time.sleep(0.01)
            times.append(time.perf_counter() - started)
        return times[0], times[1], served


def section(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Write the logdir, measure, print the table; return the raw numbers."""
    from playwright.sync_api import sync_playwright

    import lightboard

    compileall.compile_dir(os.path.dirname(lightboard.__file__), quiet=1)  # as a pip install does (see serve.py)
    shape = QUICK if quick else FULL
    repeats = 1 if quick else 3
    started = time.perf_counter()
    results: dict[str, Any] = {}
    shown: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="lightboard-bench-histograms-") as root, sync_playwright() as playwright:
        if progress:
            print(f"  histograms: writing {shape.describe()} ...", end="", flush=True, file=sys.stderr)
        write_logdir(root, shape)
        warm_page_cache(root)
        if progress:
            print(" done", file=sys.stderr)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for kind in ("distributions", "histograms"):
            cards: list[float] = []

            def first_panel(kind: str = kind, cards: list[float] = cards) -> float:
                first, card, shown[kind] = time_dashboard(browser, root, kind, shape.runs)
                cards.append(card)
                return first

            results[f"{kind}_first"] = measure(f"{kind}: start → first chart", repeats, first_panel, progress)
            results[f"{kind}_card"] = (
                {"best": min(cards), "median": sorted(cards)[len(cards) // 2], "samples": cards}
                if cards
                else {"error": results[f"{kind}_first"].get("error", "no sample")}
            )
        browser.close()
        boards: list[tuple[float, float, int]] = []

        def board() -> float:
            boards.append(tensorboard_time(root, shape))
            return boards[-1][0]

        results["tensorboard_distributions"] = measure("TensorBoard --load_fast=true", repeats, board, progress)
        if boards:
            histograms = [b[1] for b in boards]
            results["tensorboard_histograms"] = {
                "best": min(histograms),
                "median": sorted(histograms)[len(histograms) // 2],
                "samples": histograms,
            }
            results["tensorboard_steps_served"] = boards[-1][2]
        else:
            results["tensorboard_histograms"] = {"error": results["tensorboard_distributions"].get("error", "")}
    results["shown"] = shown
    elapsed = time.perf_counter() - started
    report(results, shape, quick)
    print(f"\n(histograms section ran in {elapsed:.0f} s)", flush=True)
    return {"quick": quick, "shape": shape.describe(), "results": results, "seconds": elapsed}


def fmt(result: dict[str, Any], key: str) -> str:
    return result["error"] if "error" in result else f"{result[key]:.3f}"


def report(results: dict[str, Any], shape: Shape, quick: bool) -> None:
    served = results.get("tensorboard_steps_served", "?")
    rows = [
        ("lightboard serve: start → first distributions chart (every step)", results["distributions_first"]),
        (f"lightboard serve: start → distributions of all {shape.runs} runs", results["distributions_card"]),
        (
            f"TensorBoard --load_fast=true: start → distributions of all {shape.runs} runs served ({served} steps)",
            results["tensorboard_distributions"],
        ),
        ("lightboard serve: start → first histograms panel (offset)", results["histograms_first"]),
        (f"lightboard serve: start → histograms of all {shape.runs} runs", results["histograms_card"]),
        (
            f"TensorBoard --load_fast=true: start → histograms of all {shape.runs} runs served ({served} steps)",
            results["tensorboard_histograms"],
        ),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"\nServing histograms{' (--quick)' if quick else ''}: {shape.describe()}\n")
    print(f"  {'':{width}}  {'best s':>8}  {'median s':>8}")
    for label, result in rows:
        print(f"  {label:{width}}  {fmt(result, 'best'):>8}  {fmt(result, 'median'):>8}")
    print("\nNotes:")
    print(f"  - lightboard's panels say: distributions {results['shown'].get('distributions', '?')!r}, "
          f"histograms {results['shown'].get('histograms', '?')!r}")  # fmt: skip
    print("  - lightboard times include the server process start, the whole logdir read, decoding the tag's")
    print("    histograms, the API answers and the page's drawing; TensorBoard's stop at its HTTP answer")
    for kind, first, card in (
        ("distributions", "distributions_first", "distributions_card"),
        ("histograms", "histograms_first", "histograms_card"),
    ):
        ours, board = results[card], results[f"tensorboard_{kind}"]
        if "error" not in ours and "error" not in board and "error" not in results[first]:
            print(
                f"  - {kind}: TensorBoard / lightboard = {board['median'] / results[first]['median']:.1f}x to the first"
                f" chart, {board['median'] / ours['median']:.1f}x to all runs (medians)"
            )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return section_cli.main(__doc__, section, argv)


if __name__ == "__main__":
    sys.exit(main())
