"""The custom scalars dashboard in a real browser (Debian's chromium, driven by Playwright) against ``lightboard
serve``: the layouts' categories and charts (a closed one collapsed), a line per matched (run, tag) with the reader's
values in the tooltip, a margin chart's band, a composed chart kept in the address bar across a reload, a point
logged while the page is open, and names that would run script if put in as HTML.
"""

from __future__ import annotations

import pathlib
import re
import urllib.parse
from collections.abc import Iterator

import numpy as np
import pytest

from lightboard import SummaryWriter, read
from lightboard.serve.smoothing import smooth
from tests.serve.browser import WAIT_MS, serving

pytestmark = pytest.mark.timeout(150)

STEPS = 60
HOSTILE_RUN = "<img src=x onerror=window.pwned=1>"
HOSTILE_CATEGORY = "<script>window.pwned=1</script>"
HOSTILE_TAG = "evil/<img src=x onerror=window.pwned=2>"
"""The writer cleans a tag as TensorFlow does (``evil/_img_src...``); run names and layout titles stay as they are."""
LAYOUT = {
    "Losses": {"all losses": ["Multiline", ["loss/.*"]]},
    "Accuracy": {"acc band": ["Margin", ["acc/mean", "acc/low", "acc/high"]]},
}
CARD = '.cs-chart[data-tag="{title}"]'


def value(run: str, tag: str, step: int) -> float:
    offset = sum(map(ord, run + tag)) % 13
    return float(np.float32(np.cos(step / 9 + offset) + offset))


def write_logdir(root: pathlib.Path) -> None:
    """``alpha`` (lightboard: losses and an accuracy band, with the layout), ``beta`` (tensorboardX: losses, a
    layout adding a chart to Losses), ``gamma`` (torch: a closed category) and a run with a hostile name, whose
    layout has a hostile category, chart title and tag."""
    from tensorboardX import SummaryWriter as TbxWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from tests.serve.test_custom_scalars_api import closed_layout

    with SummaryWriter(root / "alpha") as writer:
        writer.add_custom_scalars(LAYOUT)
        for step in range(STEPS):
            for tag in ("loss/train", "loss/val"):
                writer.add_scalar(tag, value("alpha", tag, step), step, walltime=1_000.0 + step)
            mean = value("alpha", "acc/mean", step)
            for tag, v in (("acc/mean", mean), ("acc/low", mean - 0.5), ("acc/high", mean + 0.5)):
                writer.add_scalar(tag, v, step, walltime=1_000.0 + step)
    with TbxWriter(str(root / "beta")) as writer:
        writer.add_custom_scalars({"Losses": {"train only": ["Multiline", ["loss/train$"]]}})
        for step in range(STEPS):
            for tag in ("loss/train", "loss/val"):
                writer.add_scalar(tag, value("beta", tag, step), step, walltime=1_000.0 + step)
    with TorchWriter(str(root / "gamma")) as writer:
        writer._get_file_writer().add_summary(closed_layout("Hidden", "lr chart", "lr"), 0)
        for step in range(STEPS):
            writer.add_scalar("lr", 0.1 * 0.9**step, step, walltime=1_000.0 + step)
    with SummaryWriter(root / HOSTILE_RUN) as writer:
        writer.add_custom_scalars({HOSTILE_CATEGORY: {HOSTILE_RUN: ["Multiline", ["evil/"]]}})
        for step in range(STEPS):
            writer.add_scalar(HOSTILE_TAG, float(step), step, walltime=1_000.0 + step)
            writer.add_scalar("loss/train", value(HOSTILE_RUN, "loss/train", step), step, walltime=1_000.0 + step)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("custom_scalars_viewer")
    write_logdir(root)
    return root


@pytest.fixture(scope="module")
def url(logdir: pathlib.Path) -> Iterator[str]:
    with serving(logdir, "--reload-interval", "0.2") as address:
        yield address


@pytest.fixture
def page(browser, console: list[str]) -> Iterator:
    """A tab; the test fails on any uncaught exception or console error in it, or if a payload ran."""
    tab = browser.new_page(viewport={"width": 1400, "height": 1400})
    tab.on("pageerror", lambda error: console.append(f"page error: {error}"))
    tab.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    yield tab
    pwned = tab.evaluate("window.pwned")
    tab.close()
    assert not console, console
    assert pwned is None, "a name ran as script"


def open_dashboard(page, url: str, query: str = "") -> None:
    page.goto(f"{url}?dashboard=custom_scalars{query}")
    page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)


def wait_card(page, title: str, **data: str | int | float) -> None:
    """Wait until the card titled ``title`` is drawn and its ``data-*`` attributes have the values given."""
    page.wait_for_function(
        """([title, expected]) => {
            const card = [...document.querySelectorAll('.cs-chart')].find((c) => c.dataset.tag === title);
            if (!card || card.dataset.state !== "drawn") return false;
            return Object.entries(expected).every(([key, value]) => card.dataset[key] === String(value));
        }""",
        arg=[title, {key: str(value) for key, value in data.items()}],
        timeout=WAIT_MS,
    )


def card(page, title: str):
    return page.locator(".cs-chart").filter(
        has=page.locator("h3.chart-title", has_text=re.compile(f"^{re.escape(title)}$"))
    )


def legend(page, title: str) -> list[tuple[str, str]]:
    return (
        card(page, title)
        .locator(".cs-legend-item")
        .evaluate_all("items => items.map(item => [item.dataset.run, item.dataset.tag])")
    )


def hover_tooltip(page, title: str, fraction: float = 0.5) -> list[dict[str, str]]:
    """Hover the card's plot at ``fraction`` of its width; the tooltip's rows as {heading: text}."""
    box = card(page, title).locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] * 0.5)
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible", timeout=WAIT_MS)
    return tooltip.evaluate(
        """t => {
            const heads = [...t.querySelectorAll('th')].map(th => th.textContent);
            return [...t.querySelectorAll('tbody tr')].map(tr =>
                Object.fromEntries([...tr.cells].map((td, i) => [heads[i], td.textContent])));
        }"""
    )


def close(shown: str, expected: float) -> bool:
    """The tooltip's 5 significant digits show ``expected``."""
    return abs(float(shown) - expected) <= 1e-4 * abs(expected) + 1e-9


def test_categories_and_charts_come_from_the_layouts(page, url: str) -> None:
    open_dashboard(page, url)
    page.wait_for_selector("section.group[data-category]", timeout=WAIT_MS)
    sections = page.locator("section.group[data-category]").evaluate_all(
        "ss => ss.map(s => [s.dataset.category, s.classList.contains('collapsed'),"
        " [...s.querySelectorAll('.cs-chart')].map(c => c.dataset.tag)])"
    )
    # Runs merge in name order: the hostile run's name sorts first ("<" before letters).
    assert sections == [
        [HOSTILE_CATEGORY, False, [HOSTILE_RUN]],
        ["Losses", False, ["all losses", "train only"]],
        ["Accuracy", False, ["acc band"]],
        ["Hidden", True, []],  # closed: collapsed, its cards not made
    ]
    assert page.locator('.cs-chart[data-kind="custom_scalars"]').count() == 4
    page.locator('section[data-category="Hidden"] .group-head').click()
    wait_card(page, "lr chart", lines=1)
    assert legend(page, "lr chart") == [["gamma", "lr"]]
    # The tag filter keeps the charts whose title, regexes or tags it matches, and their categories.
    page.locator("#tag-filter").fill("acc/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('section.group[data-category]')].filter(s => !s.hidden).length === 1",
        timeout=WAIT_MS,
    )
    assert page.locator("section.group[data-category]:not([hidden])").get_attribute("data-category") == "Accuracy"
    page.locator("#tag-filter").fill("")
    page.wait_for_function(
        "() => [...document.querySelectorAll('section.group[data-category]')].every(s => !s.hidden)", timeout=WAIT_MS
    )
    # The scalars' settings serve these charts too: shown with either dashboard, hidden with others.
    settings = page.locator("#scalars-settings")
    assert settings.is_visible()
    page.locator('.tab[data-dashboard="scalars"]').click()
    page.locator('.tab[data-dashboard="custom_scalars"]').click()
    assert settings.is_visible()
    page.locator(".inactive summary").click()
    page.locator('.inactive-item[data-dashboard="histograms"]').click()
    settings.wait_for(state="hidden", timeout=WAIT_MS)
    page.locator('.tab[data-dashboard="scalars"]').click()
    settings.wait_for(state="visible", timeout=WAIT_MS)


def test_multiline_chart_has_a_line_per_run_and_tag_with_the_readers_values(
    page, url: str, logdir: pathlib.Path
) -> None:
    open_dashboard(page, url, "&smoothing=0.3")
    wait_card(page, "all losses", lines=5, smoothing=0.3)
    reader = read(logdir)
    expected = sorted(
        (run, tag) for run in reader.runs for tag in reader.run(run).scalar_tags() if re.match("loss/.*", tag)
    )
    assert sorted(map(tuple, legend(page, "all losses"))) == expected
    rows = hover_tooltip(page, "all losses", 0.5)
    assert sorted((row["Run"], row["Tag"]) for row in rows) == expected
    for row in rows:
        points = reader.scalars(row["Run"], row["Tag"])
        i = int(row["Step"].replace(",", ""))
        assert close(row["Value"], float(points.value[i])), row
        assert close(row["Smoothed"], float(smooth(points.value, 0.3)[i])), row
    wait_card(page, "train only", lines=3)
    having = sorted(run for run in reader.runs if "loss/train" in reader.run(run).scalar_tags())
    assert sorted(map(tuple, legend(page, "train only"))) == [(run, "loss/train") for run in having]


def test_margin_chart_draws_the_band_with_the_readers_bounds(page, url: str, logdir: pathlib.Path) -> None:
    open_dashboard(page, url)
    wait_card(page, "acc band", bands=1, lines=3)
    assert card(page, "acc band").locator(".cs-legend-item .cs-swatch.band").count() == 1
    (row,) = hover_tooltip(page, "acc band", 0.3)
    reader = read(logdir)
    i = int(row["Step"])
    assert row["Run"] == "alpha" and row["Tag"] == "acc/mean"
    for heading, tag in (("Value", "acc/mean"), ("Lower", "acc/low"), ("Upper", "acc/high")):
        assert close(row[heading], float(reader.scalars("alpha", tag).value[i])), (heading, row)
    # The band is filled: between the bounds, the plot is tinted in alpha's colour, not the background.
    tinted = (
        card(page, "acc band")
        .locator("canvas")
        .evaluate(
            """canvas => {
            const ctx = canvas.getContext('2d');
            const x = Math.round(canvas.width * 0.5);
            const column = ctx.getImageData(x, 0, 1, canvas.height).data;
            let filled = 0;
            for (let i = 0; i < column.length; i += 4) if (column[i + 3] > 0) filled++;
            return filled;
        }"""
        )
    )
    assert tinted > 10, "no band was filled"


def test_a_composed_chart_is_kept_in_the_address_across_a_reload(page, url: str) -> None:
    open_dashboard(page, url, "&smoothing=0.2")
    page.locator(".cs-compose .cs-input").fill("loss/t")
    page.locator(".cs-compose .cs-add").click()
    wait_card(page, "loss/t", lines=3)
    page.locator(".cs-compose .cs-mode").select_option("tags")
    page.locator(".cs-compose .cs-input").fill("acc/mean, lr")
    page.locator(".cs-compose .cs-add").click()
    wait_card(page, "acc/mean, lr", lines=2)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert query["cs"] == ["re:loss/t", 'tags:["acc/mean","lr"]']
    assert query["smoothing"] == ["0.2"] and query["dashboard"] == ["custom_scalars"]

    page.reload()
    page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)
    wait_card(page, "loss/t", lines=3)
    wait_card(page, "acc/mean, lr", lines=2)
    assert sorted(map(tuple, legend(page, "acc/mean, lr"))) == [("alpha", "acc/mean"), ("gamma", "lr")]
    assert page.locator('.cs-chart[data-composed="true"]').count() == 2

    # A shared setting rewrites the address: the composed charts stay in it.
    page.locator("#log-y").check()
    page.wait_for_function("() => location.search.includes('logy=1')", timeout=WAIT_MS)
    assert urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["cs"] == ["re:loss/t", 'tags:["acc/mean","lr"]']
    card(page, "loss/t").locator(".cs-remove").click()
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('cs').length === 1", timeout=WAIT_MS)
    assert page.locator('.cs-chart[data-composed="true"]').count() == 1


def test_an_invalid_composed_regex_says_so_in_place(page, url: str, console: list[str]) -> None:
    open_dashboard(page, url)
    page.locator(".cs-compose .cs-input").fill("loss/(")
    page.locator(".cs-compose .cs-add").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.cs-chart')]"
        ".some(c => c.dataset.tag === 'loss/(' && c.dataset.state === 'error')",
        timeout=WAIT_MS,
    )
    assert "not a valid regular expression" in card(page, "loss/(").locator(".chart-message").inner_text()
    # The browser logs the refused request itself: that one is expected.
    assert console and all("400 (Bad Request)" in line for line in console), console
    console.clear()


def test_a_point_logged_while_the_page_is_open_appears(page, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "live") as writer:
        writer.add_custom_scalars({"Live": {"losses": ["Multiline", ["loss/"]]}})
        for step in range(10):
            writer.add_scalar("loss/a", float(step), step)
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        open_dashboard(page, address)
        wait_card(page, "losses", lines=1, points=10)
        page.evaluate("window.__marker = 'same page'")
        with SummaryWriter(tmp_path / "live") as writer:
            writer.add_scalar("loss/a", 42.0, 10)
            writer.add_scalar("loss/b", 1.0, 10)
        wait_card(page, "losses", lines=2, points=12)
        assert sorted(map(tuple, legend(page, "losses"))) == [("live", "loss/a"), ("live", "loss/b")]
        rows = hover_tooltip(page, "losses", 0.999)
        assert {row["Tag"]: row["Value"] for row in rows if row["Step"] == "10"} == {"loss/a": "42", "loss/b": "1"}
        assert page.evaluate("window.__marker") == "same page"


def test_hostile_names_are_text(page, url: str, logdir: pathlib.Path) -> None:
    open_dashboard(page, url)
    wait_card(page, HOSTILE_RUN, lines=1)
    (tag,) = [tag for tag in read(logdir).run(HOSTILE_RUN).scalar_tags() if tag.startswith("evil/")]  # as cleaned
    assert legend(page, HOSTILE_RUN) == [[HOSTILE_RUN, tag]]
    category = page.locator(f'section[data-category="{HOSTILE_CATEGORY}"] .group-head h2')
    assert category.inner_text() == HOSTILE_CATEGORY
    rows = hover_tooltip(page, HOSTILE_RUN, 0.5)
    assert [(row["Run"], row["Tag"]) for row in rows] == [(HOSTILE_RUN, tag)]
    # The Content-Security-Policy would stop a payload put in as HTML from running: none may be in the page at all.
    injected = page.evaluate(
        "() => document.querySelectorAll('[onerror], img[src=x]').length"
        " + [...document.scripts].filter(s => s.textContent.includes('pwned')).length"
    )
    assert injected == 0


def test_only_charts_near_the_viewport_fetch(page, tmp_path: pathlib.Path) -> None:
    """60 charts: those a screen or more below the view stay unfetched until scrolled to."""
    with SummaryWriter(tmp_path / "many") as writer:
        writer.add_custom_scalars({"Many": {f"chart {i}": ["Multiline", [f"m/{i}$"]] for i in range(60)}})
        for i in range(60):
            for step in range(5):
                writer.add_scalar(f"m/{i}", float(i + step), step)
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        open_dashboard(page, address)
        wait_card(page, "chart 0", lines=1)
        page.wait_for_timeout(500)
        states = page.locator(".cs-chart").evaluate_all("cards => cards.map(c => c.dataset.state)")
        assert len(states) == 60 and states[-1] == "empty" and states.count("drawn") < 30, states
        card(page, "chart 59").scroll_into_view_if_needed()
        wait_card(page, "chart 59", lines=1)
        assert legend(page, "chart 59") == [["many", "m/59"]]


def test_zooming_fetches_every_point_of_the_range(page, tmp_path: pathlib.Path) -> None:
    """20,000 steps arrive as an envelope ("downsampled"); a drag across 2% of the chart fetches that range whole."""
    with SummaryWriter(tmp_path / "long") as writer:
        writer.add_custom_scalars({"Long": {"long": ["Multiline", ["x"]]}})
        for step in range(20_000):
            writer.add_scalar("x", float(np.sin(step / 50)), step)
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        open_dashboard(page, address)
        wait_card(page, "long", lines=1)
        chart = card(page, "long")
        assert "downsampled" in chart.get_attribute("class")
        assert int(chart.get_attribute("data-points")) < 20_000 / 4
        box = chart.locator(".u-over").bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.50, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.52, y, steps=5)
        page.mouse.up()
        page.wait_for_function(
            "() => { const c = [...document.querySelectorAll('.cs-chart')].find(c => c.dataset.tag === 'long');"
            " return c.dataset.state === 'drawn' && !c.classList.contains('downsampled'); }",
            timeout=WAIT_MS,
        )
        points = int(chart.get_attribute("data-points"))
        assert 200 < points < 800, points  # about 2% of 20,000 steps, every one of them


def test_run_selection_applies(page, url: str) -> None:
    open_dashboard(page, url)
    wait_card(page, "all losses", lines=5)
    page.locator("#run-filter").fill("^beta$")
    wait_card(page, "all losses", lines=2)
    assert sorted(map(tuple, legend(page, "all losses"))) == [("beta", "loss/train"), ("beta", "loss/val")]
    page.locator("#runs-none").click()
    wait_card(page, "all losses", lines=0)
    assert card(page, "all losses").locator(".chart-message").inner_text() == "No selected run has these tags"
    page.locator("#runs-all").click()
    page.locator("#run-filter").fill("")
    wait_card(page, "all losses", lines=5)


def test_no_layout_says_how_to_get_one(page, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "plain") as writer:
        writer.add_scalar("loss", 1.0, 0)
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        open_dashboard(page, address)
        notice = page.locator(".cs-dashboard .notice")
        notice.wait_for(state="visible", timeout=WAIT_MS)
        page.wait_for_function(
            "() => document.querySelector('.cs-dashboard .notice').textContent.includes('add_custom_scalars')",
            timeout=WAIT_MS,
        )
        page.locator(".cs-compose .cs-input").fill("lo")
        page.locator(".cs-compose .cs-add").click()
        wait_card(page, "lo", lines=1)
        notice.wait_for(state="hidden", timeout=WAIT_MS)
