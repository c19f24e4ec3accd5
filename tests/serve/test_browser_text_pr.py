"""The text and PR curves dashboards in a real browser (Debian's chromium, headless, driven by Playwright) against
``lightboard serve``.

Text: a card per run and tag at its latest step, the slider and the exact-step box show that step's text, "All
steps" lists every step, search keeps the steps whose text matches, Markdown renders (table, bold, link) or is shown
as written, a 2-D tensor is a table. PR curves: a chart per tag with every run, a slider per run, the tooltip shows
the reader's counts at the threshold hovered, the ROC curve, each run's areas. Both: a step logged while the page is
open appears, and script in run names, tags and text never runs (no console error either: the page's
Content-Security-Policy would log one for an inline handler it blocked).
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import numpy as np
import pytest

from lightboard import SummaryWriter, read
from lightboard.proto.summary_pb2 import Summary
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_STRING
from lightboard.serve.plugins.pr_curves import entry
from lightboard.summaries.text import _METADATA as TEXT_METADATA
from tests.serve.browser import WAIT_MS, serving

pytestmark = pytest.mark.timeout(180)

HOSTILE_RUN = "<img src=x onerror=window.pwned=1>"
HOSTILE_TAG = "<img src=x onerror=window.pwned=2>"
NOTES = "notes/text_summary"
STEPS = 5
PR_STEPS = (0, 10, 20)


def note(step: int) -> str:
    """Markdown with a table, bold, a link, and script that must not run: a script element, an image with an
    inline handler, a javascript: link."""
    needle = " needle" if step in (1, 3) else ""
    return (
        f"## Heading {step}\n\n**bold {step}**{needle} and [a link](https://example.com/{step}) and "
        f"[bad](javascript:window.pwned=3)\n\n| col | value |\n|---|---|\n| a | {step} |\n\n"
        "<script>window.pwned=4</script><img src=x onerror=window.pwned=5>"
    )


TABLE = [["name", "**value**", "note"], ["first", "1", "<img src=x onerror=window.pwned=6>"]]


COLUMN = ["first", "**second**", "third"]
LONG = 1500
"""Steps of the ``long`` text tag: far more than TensorBoard keeps (100), every one on the slider."""


def table_summary(rows: list, tag: str = "table/text_summary") -> Summary:
    """A string tensor under the text plugin: 2-D for a list of rows, 1-D for a list of strings."""
    array = np.array(rows)
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=size) for size in array.shape])
    cells = [cell.encode() for cell in array.reshape(-1)]
    tensor = TensorProto(dtype=DT_STRING, tensor_shape=shape, string_val=cells)
    return Summary(value=[Summary.Value(tag=tag, metadata=TEXT_METADATA, tensor=tensor)])


def curve(step: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.random(600) < 0.4
    return labels, np.clip(rng.normal(0.35 + 0.01 * step * labels, 0.2), 0, 1)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("text_pr_viewer")
    rng = np.random.default_rng(7)
    with SummaryWriter(root / "alpha") as writer:
        for step in range(STEPS):
            writer.add_text("notes", note(step), step)
        for step in PR_STEPS:
            writer.add_pr_curve("pr/main", *curve(step, rng), step)
        writer._get_file_writer().add_summary(table_summary(TABLE), 0)
        writer._get_file_writer().add_summary(table_summary(COLUMN, "column/text_summary"), 0)
    with SummaryWriter(root / "many") as writer:
        for step in range(LONG):
            writer.add_text("long", f"value **{step}**", step)
    with SummaryWriter(root / HOSTILE_RUN) as writer:
        writer.add_text("notes", "**hostile** run <script>window.pwned=7</script>", 0)
        writer.add_text(HOSTILE_TAG, "a hostile tag", 0)
        for step in PR_STEPS[:2]:
            writer.add_pr_curve("pr/main", *curve(step, rng), step)
    return root


@pytest.fixture(scope="module")
def url(logdir: pathlib.Path) -> Iterator[str]:
    with serving(logdir, "--reload-interval", "0") as address:
        yield address


def open_dashboard(page, url: str, name: str) -> None:
    page.goto(f"{url}?dashboard={name}")
    page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)


TEXT_CARD = '.text-card[data-tag="{tag}"][data-run="{run}"]'
PR_CARD = '.pr-card[data-tag="{tag}"]'
PR_ROW = '.pr-run[data-tag="{tag}"][data-run="{run}"]'


def wait_drawn(page, selector: str, **data: str | int) -> None:
    """Wait until the element ``selector`` is drawn with the ``data-*`` values given."""
    page.wait_for_function(
        """([selector, expected]) => {
            const el = document.querySelector(selector);
            if (!el || el.dataset.state !== "drawn") return false;
            return Object.entries(expected).every(([key, value]) => el.dataset[key] === String(value));
        }""",
        arg=[selector, {key: str(value) for key, value in data.items()}],
        timeout=WAIT_MS,
    )


def css(value: str) -> str:
    """``value`` quoted for a CSS attribute selector."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


# -- text --------------------------------------------------------------------------------------------------------


def test_a_text_card_per_run_and_tag_at_its_latest_step(page, url: str, logdir: pathlib.Path) -> None:
    open_dashboard(page, url, "text")
    reader = read(logdir)
    expected = {(tag, run.name) for run in reader for tag in run.tags().get("text", [])}
    assert (HOSTILE_TAG + "/text_summary", HOSTILE_RUN) in expected and len(expected) == 6
    for tag, run in expected:
        latest = reader.run(run).text(tag)[-1].step
        wait_drawn(page, TEXT_CARD.format(tag=css(tag), run=css(run)), step=latest, kind="text")
    shown = page.locator(".text-card").evaluate_all("cards => cards.map(c => [c.dataset.tag, c.dataset.run])")
    assert {tuple(pair) for pair in shown} == expected
    hostile = page.locator(TEXT_CARD.format(tag=css(NOTES), run=css(HOSTILE_RUN)))
    assert hostile.locator(".text-run").text_content() == HOSTILE_RUN  # shown as text, not made an element
    assert hostile.locator(".text-value strong").text_content() == "hostile"


def test_slider_and_exact_step_show_that_steps_text(page, url: str) -> None:
    open_dashboard(page, url, "text")
    card = TEXT_CARD.format(tag=NOTES, run="alpha")
    wait_drawn(page, card, step=STEPS - 1)
    assert page.locator(card + " .text-value h2").text_content() == f"Heading {STEPS - 1}"
    page.locator(card + " .stepper-slider").fill("1")
    wait_drawn(page, card, step=1)
    assert page.locator(card + " .text-value h2").text_content() == "Heading 1"
    assert page.locator(card + " .text-value strong").text_content() == "bold 1"
    page.locator(card + " .stepper-exact").fill("3")
    page.locator(card + " .stepper-exact").press("Enter")
    wait_drawn(page, card, step=3)
    assert page.locator(card + " .text-value h2").text_content() == "Heading 3"
    page.locator(card + " .text-all").click()
    page.wait_for_function(
        "(selector) => document.querySelectorAll(selector + ' .text-entry').length === 5", arg=card, timeout=WAIT_MS
    )
    steps = page.locator(card + " .text-entry").evaluate_all("items => items.map(item => Number(item.dataset.step))")
    headings = page.locator(card + " .text-entry h2").all_text_contents()
    assert steps == [4, 3, 2, 1, 0] and headings == [f"Heading {step}" for step in steps]


def test_markdown_renders_and_its_script_does_not_run(page, url: str) -> None:
    open_dashboard(page, url, "text")
    card = TEXT_CARD.format(tag=NOTES, run="alpha")
    wait_drawn(page, card, step=STEPS - 1)
    value = page.locator(card + " .text-value")
    assert value.locator("table td").all_text_contents() == ["a", str(STEPS - 1)]
    assert value.locator("strong").text_content() == f"bold {STEPS - 1}"
    links = value.locator("a").evaluate_all(
        "links => links.map(a => [a.textContent, a.getAttribute('href'), a.target, a.rel])"
    )
    assert links == [
        ["a link", f"https://example.com/{STEPS - 1}", "_blank", "noopener noreferrer"],
        ["bad", None, "", ""],  # DOMPurify dropped the javascript: URL
    ]
    assert value.locator("script, img, [onerror]").count() == 0
    # The HTML in the text is shown as text, as TensorBoard shows it.
    assert "<script>window.pwned=4</script>" in value.text_content()
    page.locator(".text-markdown input").uncheck()
    page.wait_for_function(
        "(selector) => document.querySelector(selector + ' pre.text-raw')", arg=card, timeout=WAIT_MS
    )
    assert page.locator(card + " pre.text-raw").text_content() == note(STEPS - 1)
    page.wait_for_timeout(300)  # an image or handler would have fired by now


def test_a_2d_tensor_is_a_table(page, url: str) -> None:
    open_dashboard(page, url, "text")
    card = TEXT_CARD.format(tag="table/text_summary", run="alpha")
    wait_drawn(page, card, step=0)
    rows = page.locator(card + " table.text-table tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.textContent))"
    )
    assert rows == [["name", "value", "note"], ["first", "1", TABLE[1][2]]]
    assert page.locator(card + " table.text-table strong").text_content() == "value"


def test_a_1d_tensor_is_a_column(page, url: str) -> None:
    open_dashboard(page, url, "text")
    card = TEXT_CARD.format(tag="column/text_summary", run="alpha")
    wait_drawn(page, card, step=0)
    rows = page.locator(card + " table.text-table tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.textContent))"
    )
    assert rows == [["first"], ["second"], ["third"]]


def test_every_step_is_on_the_slider(page, url: str) -> None:
    open_dashboard(page, url, "text")
    card = TEXT_CARD.format(tag="long/text_summary", run="many")
    wait_drawn(page, card, step=LONG - 1)
    assert page.locator(card + " .stepper-label").text_content() == f"step {LONG - 1:,} ({LONG:,} of {LONG:,})"
    assert page.locator(card + " .stepper-slider").get_attribute("max") == str(LONG - 1)
    page.locator(card + " .stepper-exact").fill("777")
    page.locator(card + " .stepper-exact").press("Enter")
    wait_drawn(page, card, step=777)
    assert page.locator(card + " .text-value strong").text_content() == "777"
    page.locator(card + " .stepper-slider").fill("12")
    wait_drawn(page, card, step=12)
    assert page.locator(card + " .text-value strong").text_content() == "12"


def test_search_keeps_the_steps_whose_text_matches(page, url: str) -> None:
    open_dashboard(page, url, "text")
    card = TEXT_CARD.format(tag=NOTES, run="alpha")
    wait_drawn(page, card, step=STEPS - 1)
    page.locator(".text-search").fill("NEEDLE")
    wait_drawn(page, card, step=3)  # the latest step that matches
    assert page.locator(card + " .text-count").text_content() == f"2 of {STEPS} steps match"
    page.locator(card + " .stepper-slider").fill("0")
    wait_drawn(page, card, step=1)
    assert page.locator(card + " .text-value h2").text_content() == "Heading 1"
    hostile = TEXT_CARD.format(tag=NOTES, run=css(HOSTILE_RUN))
    page.wait_for_function(
        "(selector) => document.querySelector(selector + ' .text-message').textContent.includes('NEEDLE')",
        arg=hostile,
        timeout=WAIT_MS,
    )
    assert "textq=NEEDLE" in page.url


def test_search_and_markdown_off_are_kept_in_the_address(page, url: str) -> None:
    page.goto(f"{url}?dashboard=text&textq=needle&markdown=0")
    card = TEXT_CARD.format(tag=NOTES, run="alpha")
    wait_drawn(page, card, step=3)
    assert page.locator(card + " pre.text-raw").text_content() == note(3)
    assert page.locator(".text-search").input_value() == "needle"
    assert "textq=needle" in page.url and "markdown=0" in page.url


# -- PR curves ---------------------------------------------------------------------------------------------------


def reader_curve(logdir: pathlib.Path, run: str, step: int) -> dict:
    """The curve of ``pr/main`` at ``step`` as the reader has it (trimmed as served)."""
    point = next(c for c in read(logdir).run(run).pr_curves("pr/main") if c.step == step)
    return entry(point.step, point.wall_time, point.data)


def hover(page, run: str, index: int) -> dict:
    """Move the mouse onto the point ``index`` of ``run``'s curve; the tooltip's run, step, index and rows."""
    x, y = page.evaluate(
        """([run, index]) => {
            const { plot, response } = window.lightboard.charts.get("pr_curves:pr/main");
            const curve = response.find((c) => c.run === run).point;
            const roc = document.querySelector('.pr-card[data-tag="pr/main"]').dataset.curve === "roc";
            const box = plot.over.getBoundingClientRect();
            const x = roc ? curve.fpr[index] : curve.recall[index];
            const y = roc ? curve.recall[index] : curve.precision[index];
            return [box.left + plot.valToPos(x, "x"), box.top + plot.valToPos(y, "y")];
        }""",
        [run, index],
    )
    page.mouse.move(x, y)
    tooltip = page.locator(PR_CARD.format(tag="pr/main") + " .pr-tooltip")
    tooltip.wait_for(state="visible", timeout=WAIT_MS)
    rows = tooltip.locator("tr").evaluate_all("rows => rows.map(r => [r.dataset.field, r.cells[1].textContent])")
    return {**tooltip.evaluate("t => ({...t.dataset})"), "rows": dict(rows)}


def test_pr_chart_per_tag_with_each_run_slider_tooltip_and_areas(page, url: str, logdir: pathlib.Path) -> None:
    open_dashboard(page, url, "pr_curves")
    card = PR_CARD.format(tag="pr/main")
    wait_drawn(page, card, kind="pr_curves", curve="pr")
    for run, latest in (("alpha", PR_STEPS[-1]), (HOSTILE_RUN, PR_STEPS[1])):
        wait_drawn(page, PR_ROW.format(tag="pr/main", run=css(run)), step=latest, kind="pr_curves")
    runs = page.locator(card + " .pr-run").evaluate_all("rows => rows.map(r => r.dataset.run)")
    assert sorted(runs) == sorted(["alpha", HOSTILE_RUN])
    assert page.evaluate("window.lightboard.charts.get('pr_curves:pr/main').plot.series.length") == 1 + 2

    row = PR_ROW.format(tag="pr/main", run="alpha")
    page.locator(row + " .stepper-slider").fill("1")
    wait_drawn(page, row, step=PR_STEPS[1])
    wait_drawn(page, card)
    expected = reader_curve(logdir, "alpha", PR_STEPS[1])
    areas = page.locator(row + " .pr-areas")
    assert float(areas.get_attribute("data-pr-auc")) == expected["pr_auc"]
    assert float(areas.get_attribute("data-roc-auc")) == expected["roc_auc"]
    assert f"PR-AUC {expected['pr_auc']:.4f}" in areas.text_content()

    index = len(expected["thresholds"]) // 2
    shown = hover(page, "alpha", index)
    assert (shown["run"], shown["step"], shown["index"]) == ("alpha", str(PR_STEPS[1]), str(index))
    rows = shown["rows"]
    for field, key in (("tp", "true_positives"), ("fp", "false_positives"), ("tn", "true_negatives"),
                       ("fn", "false_negatives")):  # fmt: skip
        assert rows[field] == str(expected[key][index])
    for field, key in (("threshold", "thresholds"), ("precision", "precision"), ("recall", "recall")):
        assert float(rows[field]) == pytest.approx(expected[key][index], rel=1e-4)

    page.locator(card + " .pr-kind-roc").click()
    wait_drawn(page, card, curve="roc")
    shown = hover(page, "alpha", index)
    assert float(shown["rows"]["fpr"]) == pytest.approx(expected["fpr"][index], rel=1e-4)
    assert shown["rows"]["tp"] == str(expected["true_positives"][index])


# -- live --------------------------------------------------------------------------------------------------------


def test_steps_logged_while_the_page_is_open_appear(page, tmp_path: pathlib.Path) -> None:
    rng = np.random.default_rng(3)
    writer = SummaryWriter(tmp_path / "live")
    try:
        writer.add_text("notes", "first **step**", 0)
        writer.add_pr_curve("pr/main", *curve(0, rng), 0)
        writer.flush()
        with serving(tmp_path, "--reload-interval", "0.2") as address:
            open_dashboard(page, address, "text")
            card = TEXT_CARD.format(tag=NOTES, run="live")
            wait_drawn(page, card, step=0)
            page.evaluate("window.__marker = 'still the same page'")
            writer.add_text("notes", "second **step**", 7)
            writer.add_pr_curve("pr/main", *curve(7, rng), 7)
            writer.flush()
            wait_drawn(page, card, step=7)  # the latest step is followed
            assert page.locator(card + " .text-value strong").text_content() == "step"
            assert "second" in page.locator(card + " .text-value").text_content()

            page.locator("#tabs").get_by_text("PR Curves").click()
            wait_drawn(page, PR_ROW.format(tag="pr/main", run="live"), step=7)
            writer.add_pr_curve("pr/main", *curve(9, rng), 9)
            writer.flush()
            wait_drawn(page, PR_ROW.format(tag="pr/main", run="live"), step=9)
            assert page.evaluate("window.__marker") == "still the same page"
    finally:
        writer.close()


def test_only_cards_near_the_viewport_fetch(page, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        for index in range(20):  # one group: all its cards are made (24 a page), few of them on screen
            writer.add_text(f"notes/t{index}", f"text **{index}**", 0)
    with serving(tmp_path, "--reload-interval", "0") as address:
        open_dashboard(page, address, "text")
        first = TEXT_CARD.format(tag="notes/t0/text_summary", run="run")
        last = TEXT_CARD.format(tag="notes/t19/text_summary", run="run")
        wait_drawn(page, first, step=0)
        page.wait_for_timeout(500)
        # Every tag has its card; a run's panel is made, and fetches, only once its card nears the viewport.
        assert page.locator(".text-tag").count() == 20
        assert page.locator('.text-card[data-state="drawn"]').count() < 20
        assert page.locator(last).count() == 0
        page.locator('.text-tag[data-tag="notes/t19/text_summary"]').scroll_into_view_if_needed()
        wait_drawn(page, last, step=0)


def test_a_card_that_cannot_load_says_so_in_place(browser, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_text("notes", "here", 0)
        writer.add_pr_curve("pr/main", *curve(0, np.random.default_rng(1)), 0)
    tab = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        with serving(tmp_path, "--reload-interval", "0") as address:
            open_dashboard(tab, address, "text")
            card = TEXT_CARD.format(tag=NOTES, run="run")
            wait_drawn(tab, card, step=0)
        # The server is gone: a new search must fetch, fails, and the card says why with a way to retry.
        tab.locator(".text-search").fill("here")
        tab.wait_for_function(
            "(selector) => document.querySelector(selector).dataset.state === 'error'", arg=card, timeout=WAIT_MS
        )
        message = tab.locator(card + " .text-message")
        assert "Could not load: cannot reach the lightboard server" in message.text_content()
        assert message.locator("button.retry").count() == 1
    finally:
        tab.close()
