"""The histograms and distributions dashboards in a real browser (Debian's chromium, Playwright) against
``lightboard serve``: a card per tag with a panel per run, every mode drawn, "N of M steps shown", tooltips with
the reader's bucket and TensorBoard's percentiles, the step-range selector, a step logged while the page is open,
and run and tag names that carry script payloads shown as text."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator

import numpy as np
import pytest
from tensorboard.plugins.distribution.compressor import compress_histogram

from lightboard import SummaryWriter, read
from tests.serve.browser import WAIT_MS, serving

pytestmark = pytest.mark.timeout(180)

HOSTILE_RUN = "<img src=x onerror=window.pwned=1>"
HOSTILE_TAG = "<script>window.pwned=1</script>"
RUNS = ["alpha", "beta", HOSTILE_RUN]
STEPS = 400
TAGS = ["layer/bias", "layer/weights"]
PANEL = '.hist-panel[data-kind="{kind}"][data-tag="{tag}"]'


def histogram_values(run: int, step: int) -> np.ndarray:
    return np.random.default_rng(run * 100_000 + step).normal(step / 100 + run, 1 + step / 400, 200)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("histograms-viewer")
    for index, run in enumerate(RUNS):
        with SummaryWriter(root / run) as writer:
            for step in range(STEPS):
                for tag in TAGS:
                    writer.add_histogram(tag, histogram_values(index, step), step, walltime=1_000.0 + step)
                if run == HOSTILE_RUN and step % 50 == 0:
                    writer.add_histogram(HOSTILE_TAG, histogram_values(9, step), step, walltime=1_000.0 + step)
    return root


@pytest.fixture(scope="module")
def url(logdir: pathlib.Path) -> Iterator[str]:
    with serving(logdir, "--reload-interval", "0") as address:
        yield address


def open_dashboard(page, url: str, query: str) -> None:
    page.goto(url + query)
    page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)


def wait_panels(page, kind: str, tag: str, count: int, **data: str | int) -> list[dict]:
    """Wait until ``count`` panels of ``tag`` are drawn with the ``data-*`` values given; their datasets."""
    page.wait_for_function(
        """([selector, count, expected]) => {
            const panels = [...document.querySelectorAll(selector)];
            return panels.length === count && panels.every((p) => p.dataset.state === "drawn" &&
                Object.entries(expected).every(([key, value]) => p.dataset[key] === String(value)));
        }""",
        arg=[PANEL.format(kind=kind, tag=tag), count, {key: str(value) for key, value in data.items()}],
        timeout=WAIT_MS,
    )
    return page.locator(PANEL.format(kind=kind, tag=tag)).evaluate_all("panels => panels.map(p => ({...p.dataset}))")


def painted(page, tag: str, run: str) -> int:
    """How many pixels of the run's histogram canvas are not transparent."""
    return page.locator(PANEL.format(kind="histograms", tag=tag) + f'[data-run="{run}"] canvas').evaluate(
        """canvas => {
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
            return n;
        }"""
    )


def hover(page, selector: str, x: float, y: float) -> dict:
    """Move over ``selector`` at fractions (x, y) of its box; the tooltip's data-* and text."""
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    page.wait_for_function(
        "() => { const t = document.getElementById('hist-tooltip'); return t && !t.hidden; }", timeout=WAIT_MS
    )
    return page.evaluate(
        "() => { const t = document.getElementById('hist-tooltip'); return {...t.dataset, text: t.innerText}; }"
    )


def test_a_card_per_tag_and_a_panel_per_run(page, url: str, logdir: pathlib.Path) -> None:
    open_dashboard(page, url, "?dashboard=histograms")
    for tag in TAGS:
        panels = wait_panels(page, "histograms", tag, 3, mode="offset", total=STEPS, shown=60)
        assert [p["run"] for p in panels] == [HOSTILE_RUN, "alpha", "beta"]  # as the run list sorts them
    cards = page.locator('.hist-card[data-kind="histograms"]').evaluate_all("cards => cards.map(c => c.dataset.tag)")
    hostile_tag = next(tag for tag in read(logdir).run(HOSTILE_RUN).tags()["histograms"] if tag not in TAGS)
    assert cards == [hostile_tag, *TAGS]
    feet = page.locator(PANEL.format(kind="histograms", tag="layer/weights") + " .hist-foot").all_inner_texts()
    assert feet == [f"60 of {STEPS} steps shown"] * 3
    # Names are shown as text, never as markup.
    names = page.locator(PANEL.format(kind="histograms", tag="layer/weights") + " .hist-run-name").all_inner_texts()
    assert names[0] == HOSTILE_RUN
    assert page.locator(".hist-card .chart-title").first.inner_text() == hostile_tag
    assert page.locator("img").count() == 0
    assert page.evaluate("() => window.lightboard.drawnAt.has('histograms:alpha:layer/weights')")


@pytest.mark.parametrize("mode", ["offset", "overlay", "heatmap"])
def test_each_mode_draws(page, url: str, mode: str) -> None:
    open_dashboard(page, url, f"?dashboard=histograms&hist={mode}")
    panels = wait_panels(page, "histograms", "layer/weights", 3, mode=mode, total=STEPS)
    assert painted(page, "layer/weights", "alpha") > 2_000
    assert page.locator("#hist-mode").input_value() == mode
    shown = int(panels[0]["shown"])
    if mode == "heatmap":
        # A column per pixel: as many steps as the drawing is wide, not the ridges' 60.
        width = page.locator(PANEL.format(kind="histograms", tag="layer/weights") + " .hist-plot").first.bounding_box()
        assert 60 < shown < STEPS and abs(shown - round(width["width"])) <= 2
    else:
        assert shown == 60


def test_modes_switch_in_the_sidebar_and_stay_in_the_url(page, url: str) -> None:
    open_dashboard(page, url, "?dashboard=histograms")
    wait_panels(page, "histograms", "layer/weights", 3, mode="offset")
    page.select_option("#hist-mode", "heatmap")
    wait_panels(page, "histograms", "layer/weights", 3, mode="heatmap")
    assert "hist=heatmap" in page.url
    page.select_option("#hist-axis", "relative")
    assert "histx=relative" in page.url
    page.select_option("#hist-mode", "runs")
    (panel,) = wait_panels(page, "histograms", "layer/weights", 1, mode="runs", step=STEPS - 1)
    assert "run" not in panel  # one panel, every run overlaid
    assert page.evaluate("() => window.lightboard.drawnAt.has('histograms:layer/weights')")


def test_tooltip_shows_the_readers_bucket(page, url: str, logdir: pathlib.Path) -> None:
    open_dashboard(page, url, "?dashboard=histograms&hist=overlay")
    wait_panels(page, "histograms", "layer/weights", 3, mode="overlay")
    selector = PANEL.format(kind="histograms", tag="layer/weights") + '[data-run="alpha"] canvas'
    tip = hover(page, selector, 0.45, 0.8)
    histograms = {h.step: h for h in read(logdir).run("alpha").histograms("layer/weights")}
    buckets = histograms[int(tip["step"])].buckets
    row = [float(tip["left"]), float(tip["right"]), float(tip["count"])]
    assert any(np.array_equal(bucket, row) for bucket in buckets), (row, tip)
    assert f"Step\t{int(tip['step']):,}" in tip["text"] and "Count" in tip["text"]


def test_step_range_selector(page, url: str) -> None:
    open_dashboard(page, url, "?dashboard=histograms")
    wait_panels(page, "histograms", "layer/weights", 3, total=STEPS)
    page.fill("#hist-from", "100")
    page.fill("#hist-to", "149")
    page.locator("#hist-to").dispatch_event("change")
    wait_panels(page, "histograms", "layer/weights", 3, total=50, shown=50)
    assert "histsteps=100-149" in page.url
    tip = hover(page, PANEL.format(kind="histograms", tag="layer/weights") + '[data-run="beta"] canvas', 0.5, 0.9)
    assert 100 <= int(tip["step"]) <= 149
    page.click(".hist-range-clear")
    wait_panels(page, "histograms", "layer/weights", 3, total=STEPS, shown=60)


def test_distributions_bands_and_tooltip(page, url: str, logdir: pathlib.Path) -> None:
    open_dashboard(page, url, "?dashboard=distributions")
    panels = wait_panels(page, "distributions", "layer/weights", 3, total=STEPS)
    assert [p["run"] for p in panels] == [HOSTILE_RUN, "alpha", "beta"]
    assert all(p["shown"] == str(STEPS) for p in panels)  # every step
    foot = page.locator(PANEL.format(kind="distributions", tag="layer/weights") + " .hist-foot").first.inner_text()
    assert foot == f"{STEPS} of {STEPS} steps shown"
    over = PANEL.format(kind="distributions", tag="layer/weights") + '[data-run="alpha"] .u-over'
    tip = hover(page, over, 0.6, 0.5)
    histograms = {h.step: h for h in read(logdir).run("alpha").histograms("layer/weights")}
    expected = [v for _, v in compress_histogram(histograms[int(tip["step"])].buckets)]
    np.testing.assert_allclose(json.loads(tip["percentiles"]), expected, rtol=1e-9)
    assert "median" in tip["text"]
    assert page.evaluate("() => window.lightboard.drawnAt.has('distributions:alpha:layer/weights')")


def test_a_step_logged_while_open_appears(browser, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "live") as writer:
        for step in range(10):
            writer.add_histogram("h", histogram_values(0, step), step)
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        pages = {}
        for kind in ("histograms", "distributions"):
            pages[kind] = browser.new_page(viewport={"width": 1200, "height": 900})
            open_dashboard(pages[kind], address, f"?dashboard={kind}")
            wait_panels(pages[kind], kind, "h", 1, total=10)
        with SummaryWriter(tmp_path / "live") as writer:
            writer.add_histogram("h", histogram_values(0, 10) + 50, 10)
        for kind, page in pages.items():
            wait_panels(page, kind, "h", 1, total=11)
            page.close()


def test_a_failed_answer_is_said_in_place(browser, url: str) -> None:
    """A panel whose answer fails says why (the server's message) instead of staying blank."""
    tab = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        for kind in ("histograms", "distributions"):
            tab.route(
                f"**/api/{kind}?*",
                lambda route: route.fulfill(
                    status=500, content_type="application/json", body='{"error": "disk on fire"}'
                ),
            )
            open_dashboard(tab, url, f"?dashboard={kind}")
            panel = tab.locator(PANEL.format(kind=kind, tag="layer/weights") + '[data-run="alpha"]')
            panel.locator(".chart-message").wait_for(state="visible", timeout=WAIT_MS)
            assert panel.get_attribute("data-state") == "error"
            assert "500: disk on fire" in panel.locator(".chart-message").inner_text()
            tab.unroute(f"**/api/{kind}?*")
    finally:
        tab.close()


def test_distributions_axis_and_drag_zoom(page, url: str) -> None:
    open_dashboard(page, url, "?dashboard=distributions&distx=relative")
    wait_panels(page, "distributions", "layer/weights", 3, total=STEPS)
    assert page.locator("#dist-axis").input_value() == "relative" and "distx=relative" in page.url
    over = PANEL.format(kind="distributions", tag="layer/weights") + '[data-run="beta"] .u-over'
    tip = hover(page, over, 0.5, 0.5)
    assert "Relative" in tip["text"]
    # Steps are logged one a second from wall time 1,000: a step's relative time is that many seconds.
    seconds = int(tip["step"])
    minutes, rest = divmod(seconds, 60)
    expected = f"{seconds}s" if seconds < 60 else f"{minutes}m" + (f" {rest:02d}s" if rest else "")
    assert f"Relative\t{expected}" in tip["text"], tip["text"]
    box = page.locator(over).bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.40, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.50, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        """(selector) => { const p = document.querySelector(selector);
            return p.dataset.state === "drawn" && Number(p.dataset.total) < 100; }""",
        arg=PANEL.format(kind="distributions", tag="layer/weights") + '[data-run="beta"]',
        timeout=WAIT_MS,
    )
    panel = page.locator(PANEL.format(kind="distributions", tag="layer/weights") + '[data-run="beta"]')
    total = int(panel.get_attribute("data-total"))
    assert 20 < total < 100 and panel.get_attribute("data-shown") == str(total)  # every step of the range
    page.select_option("#dist-axis", "step")
    assert "distx" not in page.url


def test_only_panels_near_the_viewport_fetch(browser, tmp_path: pathlib.Path) -> None:
    """A card of 150 runs fetches the panels on screen (and a screen around it), the rest as they scroll in."""
    runs = [f"run{index:03d}" for index in range(150)]
    for run in runs:
        with SummaryWriter(tmp_path / run) as writer:
            for step in range(3):
                writer.add_histogram("h", histogram_values(1, step), step)
    with serving(tmp_path, "--reload-interval", "0") as address:
        tab = browser.new_page(viewport={"width": 1200, "height": 800})
        try:
            open_dashboard(tab, address, "?dashboard=histograms")
            first = PANEL.format(kind="histograms", tag="h") + '[data-run="run000"]'
            tab.wait_for_selector(first + '[data-state="drawn"]', timeout=WAIT_MS)
            tab.wait_for_timeout(1_000)
            states = tab.locator(PANEL.format(kind="histograms", tag="h")).evaluate_all(
                "panels => panels.map(p => p.dataset.state)"
            )
            assert len(states) == 150 and 0 < states.count("drawn") < 100, states
            last = tab.locator(PANEL.format(kind="histograms", tag="h") + '[data-run="run149"]')
            assert last.get_attribute("data-state") == "loading"
            last.scroll_into_view_if_needed()
            tab.wait_for_selector(PANEL.format(kind="histograms", tag="h") + '[data-run="run149"][data-state="drawn"]')
        finally:
            tab.close()
