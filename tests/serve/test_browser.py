"""The viewer in a real browser (Debian's chromium, headless, driven by Playwright) against ``lightboard serve``.

The page must show the runs, draw one chart per tag with every selected run, follow the smoothing slider
with values smoothed on every point, filter runs and tags by regex, fetch full resolution when zoomed, and
show a run written while it is open without a reload.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import numpy as np
import pytest

from lightboard import SummaryWriter, read
from lightboard.serve.smoothing import smooth
from tests.serve.browser import CHART, WAIT_MS, chart_response, drag_zoom, serving, wait_chart

pytestmark = pytest.mark.timeout(120)

LONG = 30_000
"""Points of ``loss/train``: far more than a chart is wide, so it arrives as an envelope."""
SPIKE = 21_111


def write_runs(root: pathlib.Path) -> None:
    """``alpha``, ``beta`` and ``gamma/seed1``: ``loss/train`` (LONG points, a spike in alpha), ``loss/val``, ``lr``."""
    for index, run in enumerate(("alpha", "beta", "gamma/seed1")):
        values = np.exp(-np.arange(LONG) / 8_000.0) + np.random.default_rng(index).normal(0, 0.02, LONG)
        if run == "alpha":
            values[SPIKE] = 40.0
        with SummaryWriter(root / run) as writer:
            for step in range(LONG):
                writer.add_scalar("loss/train", float(values[step]), step, walltime=1_000.0 + step)
                if step % 100 == 0:
                    writer.add_scalar("loss/val", float(values[step]) + 0.1, step, walltime=1_000.0 + step)
                    writer.add_scalar("lr", 0.1 * 0.999 ** (step // 100), step, walltime=1_000.0 + step)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("viewer")
    write_runs(root)
    return root


@pytest.fixture(scope="module")
def url(logdir: pathlib.Path) -> Iterator[str]:
    with serving(logdir, "--reload-interval", "0") as address:
        yield address


def open_page(page, url: str, query: str = "") -> None:
    page.goto(url + query)
    page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)


def test_runs_listed_and_a_chart_per_tag_with_every_run(page, url: str) -> None:
    open_page(page, url)
    assert page.locator("#runs li").evaluate_all("items => items.map(item => item.dataset.run)") == [
        "alpha", "beta", "gamma/seed1",
    ]  # fmt: skip
    groups = page.locator("section.group").evaluate_all(
        "sections => sections.map(s => [s.dataset.group, [...s.querySelectorAll('.chart')].map(c => c.dataset.tag)])"
    )
    assert groups == [["loss", ["loss/train", "loss/val"]], ["lr", ["lr"]]]
    for tag in ("loss/train", "loss/val", "lr"):
        wait_chart(page, tag, series=3)
    # uPlot's series: x, then a raw and a smoothed line per run
    assert page.evaluate("window.lightboard.charts.get('loss/train').plot.series.length") == 1 + 2 * 3
    colours = page.locator("#runs li .swatch, #runs li [class*=swatch]").evaluate_all(
        "items => items.map(item => getComputedStyle(item).backgroundColor)"
    )
    assert len(set(colours)) == 3, colours


def test_the_spike_is_drawn_from_an_envelope(page, url: str) -> None:
    open_page(page, url)
    wait_chart(page, "loss/train", series=3)
    response = chart_response(page, "loss/train")
    alpha = next(series for series in response["series"] if series["run"] == "alpha")
    assert not alpha["full"] and alpha["count"] == LONG and len(alpha["step"]) < LONG / 4
    assert SPIKE in alpha["step"] and max(alpha["value"]) == 40.0
    points = int(page.locator(CHART.format(tag="loss/train")).get_attribute("data-points"))
    assert points == sum(len(series["value"]) for series in response["series"])


def test_smoothing_slider_redraws_with_values_smoothed_on_all_points(page, url: str, logdir: pathlib.Path) -> None:
    open_page(page, url)
    wait_chart(page, "loss/train", series=3, smoothing=0.6)
    before = page.evaluate("window.lightboard.charts.get('loss/train').plot.data.map(column => Array.from(column))")
    page.locator("#smoothing").fill("0.95")
    wait_chart(page, "loss/train", series=3, smoothing=0.95)
    after = page.evaluate("window.lightboard.charts.get('loss/train').plot.data.map(column => Array.from(column))")
    assert after != before
    full = read(logdir).scalars("beta", "loss/train").value
    beta = next(series for series in chart_response(page, "loss/train")["series"] if series["run"] == "beta")
    expected = smooth(full, 0.95)[beta["step"]]
    np.testing.assert_allclose(beta["smoothed"], expected, rtol=1e-12)
    assert page.url.endswith("?dashboard=scalars&smoothing=0.95")


def test_regex_filters_runs_and_tags(page, url: str) -> None:
    open_page(page, url)
    wait_chart(page, "loss/train", series=3)
    page.locator("#run-filter").fill("^(alpha|gamma)")
    wait_chart(page, "loss/train", series=2)
    runs = {series["run"] for series in chart_response(page, "loss/train")["series"]}
    assert runs == {"alpha", "gamma/seed1"}

    page.locator("#tag-filter").fill("val$")
    page.wait_for_function(
        "() => document.querySelector('.chart[data-tag=\"loss/train\"]')?.offsetParent == null", timeout=WAIT_MS
    )
    shown = "charts => charts.filter(chart => chart.offsetParent).map(chart => chart.dataset.tag)"
    visible = page.locator(".chart").evaluate_all(shown)
    assert visible == ["loss/val"]
    wait_chart(page, "loss/val", series=2)

    page.locator("#tag-filter").fill("(unclosed")  # applied after a debounce: wait for it, however slow the machine
    page.wait_for_function(
        "() => document.querySelector('#tag-filter').getAttribute('aria-invalid') === 'true'", timeout=WAIT_MS
    )
    assert page.locator(".chart").evaluate_all("charts => charts.filter(c => c.offsetParent).length") == 1


def test_zoom_fetches_full_resolution_of_the_visible_range(page, url: str) -> None:
    open_page(page, url, "?tags=^loss/train$&runs=^alpha$")
    wait_chart(page, "loss/train", series=1)
    overview = chart_response(page, "loss/train")["series"][0]
    zoomed = drag_zoom(page, "loss/train")
    low, high = zoomed["step"][1], zoomed["step"][-2]  # the first and last points are the neighbours outside
    assert 0 < low < high < LONG - 1
    assert zoomed["step"] == list(range(low - 1, high + 2)), "every step of the visible range"
    shown_before = [step for step in overview["step"] if low <= step <= high]
    assert len(zoomed["step"]) - 2 > 2 * len(shown_before)


def test_a_run_written_while_the_page_is_open_appears_without_reload(page, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "first") as writer:
        for step in range(50):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        open_page(page, address)
        wait_chart(page, "loss", series=1)
        page.evaluate("window.__marker = 'still the same page'")
        with SummaryWriter(tmp_path / "second") as writer:
            for step in range(80):
                writer.add_scalar("loss", 2.0 / (step + 1), step)
        page.wait_for_selector('#runs li[data-run="second"]', timeout=WAIT_MS)
        wait_chart(page, "loss", series=2)
        counts = {series["run"]: series["count"] for series in chart_response(page, "loss")["series"]}
        assert counts == {"first": 50, "second": 80}
        assert page.evaluate("window.__marker") == "still the same page"


def test_downloads_and_tooltip(page, url: str) -> None:
    open_page(page, url, "?tags=^lr$")
    wait_chart(page, "lr", series=3)
    chart = page.locator(CHART.format(tag="lr"))
    csv = page.request.get(chart.locator("a.download-csv").evaluate("a => a.href")).text()
    lines = csv.strip().splitlines()
    assert lines[0] == "run,step,wall_time,value" and len(lines) == 1 + 3 * (LONG // 100)
    rows = page.request.get(chart.locator("a.download-json").evaluate("a => a.href")).json()
    assert len(rows) == 3 * (LONG // 100) and set(rows[0]) == {"run", "step", "wall_time", "value"}
    box = chart.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible", timeout=WAIT_MS)
    text = tooltip.inner_text()
    for expected in ("alpha", "beta", "gamma/seed1", "Smoothed", "Value", "Step"):
        assert expected in text


def hover_tooltip_row(page, tag: str, step: int) -> dict[str, str]:
    """Hover the chart of ``tag`` at ``step``; the tooltip's first row there, as {column: text}."""
    box = page.locator(CHART.format(tag=tag) + " .u-over").bounding_box()
    x = page.evaluate("([tag, step]) => window.lightboard.charts.get(tag).plot.valToPos(step, 'x')", [tag, step])
    page.mouse.move(box["x"] + x, box["y"] + box["height"] / 2)
    row = "document.querySelector('#tooltip:not([hidden]) tbody tr')"
    page.wait_for_function(f"(step) => {row}?.cells[3].textContent === step", arg=f"{step:,}", timeout=WAIT_MS)
    heads = page.locator("#tooltip thead th").all_inner_texts()
    return dict(zip(heads, page.evaluate(f"[...{row}.cells].map(cell => cell.textContent)"), strict=True))


def test_tooltip_shows_nan_and_infinities(page, tmp_path: pathlib.Path) -> None:
    values = [1.0, 2.0, float("nan"), 3.0, float("inf"), 4.0, float("-inf"), 5.0, 6.0]
    with SummaryWriter(tmp_path / "odd") as writer:
        for step, value in enumerate(values):
            writer.add_scalar("loss", value, step)
    smoothed = smooth(np.array(values), 0.6)  # the page's default smoothing; non-finite points keep their value
    spelling = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
    with serving(tmp_path, "--reload-interval", "0") as address:
        open_page(page, address)
        wait_chart(page, "loss", series=1, points=len(values), smoothing=0.6)
        for step, expected in ((2, "NaN"), (4, "Infinity"), (6, "-Infinity")):
            row = hover_tooltip_row(page, "loss", step)
            assert row["Run"] == "odd" and row["Value"] == expected, row
            assert row["Smoothed"] == spelling[str(smoothed[step])], row
        row = hover_tooltip_row(page, "loss", 1)
        assert row["Value"] == "2" and float(row["Smoothed"]) == pytest.approx(smoothed[1], rel=1e-4), row


def test_x_axis_and_log_scale(page, url: str) -> None:
    open_page(page, url, "?tags=^lr$")
    wait_chart(page, "lr", series=3)
    page.locator("#x-axis").select_option("relative")
    page.wait_for_function("() => window.lightboard.charts.get('lr').response.x === 'relative'", timeout=WAIT_MS)
    wait_chart(page, "lr", series=3)
    assert "x=relative" in page.url
    page.locator("#log-y").check()
    page.wait_for_function(
        "() => window.lightboard.charts.get('lr').plot.scales.y.distr === 3", timeout=WAIT_MS
    )  # uPlot's log distribution


def run_colours(page, tag: str) -> dict[str, tuple[str, str]]:
    """Per run listed: its swatch's colour and the stroke of its smoothed line in the chart of ``tag``."""
    swatches = page.locator("#runs li").evaluate_all(
        "items => items.map(item => [item.dataset.run, getComputedStyle(item.querySelector('.swatch')).background])"
    )
    strokes = page.evaluate(
        """(tag) => {
            const plot = window.lightboard.charts.get(tag).plot;
            return plot.series.map((s, i) => [s.label, typeof s.stroke === "function" ? s.stroke(plot, i) : s.stroke]);
        }""",
        tag,
    )
    smoothed = {label.removesuffix(" (smoothed)"): stroke for label, stroke in strokes if label.endswith("(smoothed)")}
    return {run: (swatch, smoothed[run]) for run, swatch in swatches}


def write_loss(run: pathlib.Path, steps: int = 20) -> None:
    with SummaryWriter(run) as writer:
        for step in range(steps):
            writer.add_scalar("loss", 1.0 / (step + 1), step)


def test_run_colours_stay_when_a_run_sorting_first_appears(page, tmp_path: pathlib.Path) -> None:
    """Colours are remembered per logdir across reloads: a new run ``a`` takes a free colour, not ``b``'s."""
    write_loss(tmp_path / "b")
    write_loss(tmp_path / "c")
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        open_page(page, address)
        wait_chart(page, "loss", series=2)
        first = run_colours(page, "loss")
        assert list(first) == ["b", "c"] and first["b"] != first["c"]

        write_loss(tmp_path / "a")
        page.wait_for_selector('#runs li[data-run="a"]', timeout=WAIT_MS)
        wait_chart(page, "loss", series=3)
        live = run_colours(page, "loss")
        assert live["b"] == first["b"] and live["c"] == first["c"]
        assert live["a"] not in (first["b"], first["c"])

        page.reload()
        page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)
        wait_chart(page, "loss", series=3)
        reloaded = run_colours(page, "loss")
        assert list(reloaded) == ["a", "b", "c"]
        assert reloaded == live, "every run keeps its colour across the reload"

        # Nothing remembered: the runs take the palette in the order the page sees them (sorted), as before.
        page.evaluate("localStorage.clear()")
        page.reload()
        page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)
        wait_chart(page, "loss", series=3)
        assert run_colours(page, "loss") == {"a": first["b"], "b": first["c"], "c": live["a"]}


def test_run_colours_without_local_storage(page, url: str) -> None:
    """Where localStorage throws (blocked storage), the page still colours every run apart, without errors."""
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('blocked', 'SecurityError'); }})"
    )
    open_page(page, url, "?tags=^lr$")
    wait_chart(page, "lr", series=3)
    colours = run_colours(page, "lr")
    assert list(colours) == ["alpha", "beta", "gamma/seed1"]
    assert len({swatch for swatch, _ in colours.values()}) == 3
    assert len({stroke for _, stroke in colours.values()}) == 3
