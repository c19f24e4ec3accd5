"""The page's frame in a real browser: a tab per dashboard with data and the others in an Inactive menu,
``?dashboard=<name>``, a message in place of a kind the viewer cannot show, natural order, a run list that stays
small with many runs, tag groups made a page at a time, and hostile run and tag names that never run script
(under a Content-Security-Policy that refuses inline script)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import numpy as np
import pytest

from lightboard import SummaryWriter
from lightboard.proto.summary_pb2 import Summary
from tests.serve.browser import WAIT_MS, serving, wait_chart
from tests.serve.test_browser import open_page
from tests.serve.test_plugins import damaged_logdir

pytestmark = pytest.mark.timeout(180)

HOSTILE_RUN = "<img src=x onerror=window.pwned=1>"
HOSTILE_TAG = "<script>window.pwned=1</script>"
MANY_RUNS = 300
MANY_TAGS = 120


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """``run2``, ``run10`` and a hostile run: scalars (``metric2``, ``metric10``, a hostile tag), histograms, text
    and one image (a kind the viewer cannot show yet)."""
    root = tmp_path_factory.mktemp("frame")
    for name in ("run10", "run2", HOSTILE_RUN):
        with SummaryWriter(root / name) as writer:
            for step in range(5):
                writer.add_scalar("metric10", step, step)
                writer.add_scalar("metric2", -step, step)
                # add_scalar would clean the tag (as tensorboardX does); other writers need not
                hostile = Summary(value=[Summary.Value(tag=HOSTILE_TAG, simple_value=step)])
                writer._get_file_writer().add_summary(hostile, step)
                writer.add_histogram("weights", np.arange(10) + step, step)
                writer.add_text("notes", f"step {step}", step)
            writer.add_image("picture", np.zeros((3, 4, 4)), 0)
    return root


@pytest.fixture(scope="module")
def url(logdir: pathlib.Path) -> Iterator[str]:
    with serving(logdir, "--reload-interval", "0") as address:
        yield address


def tabs(page) -> list[str]:
    return page.locator("#tabs .tab").evaluate_all("tabs => tabs.map(tab => tab.dataset.dashboard)")


def test_a_tab_per_dashboard_with_data_and_the_rest_inactive(page, url: str) -> None:
    open_page(page, url)
    assert tabs(page) == ["scalars", "histograms", "distributions", "images", "text"]
    assert page.url.endswith("?dashboard=scalars")
    assert page.locator("#tabs .tab[aria-selected=true]").get_attribute("data-dashboard") == "scalars"
    inactive = page.locator("#tabs .inactive-item").evaluate_all("items => items.map(item => item.dataset.dashboard)")
    assert inactive == ["audio", "pr_curves", "hparams", "graphs", "mesh", "projector", "custom_scalars"]

    page.locator('#tabs .tab[data-dashboard="images"]').click()
    page.wait_for_function("() => !document.querySelector('.unavailable').hidden", timeout=WAIT_MS)
    message = page.locator(".unavailable").text_content()
    assert "lightboard cannot show images yet: this logdir has 1 such tag" in message
    assert page.url.endswith("?dashboard=images")

    page.locator("#tabs summary").click()
    page.locator('#tabs .inactive-item[data-dashboard="pr_curves"]').click()
    page.wait_for_function("() => window.lightboard.dashboard === 'pr_curves'", timeout=WAIT_MS)
    assert tabs(page)[-1] == "pr_curves", "the dashboard shown has a tab even without data"


def test_dashboard_from_the_address_and_the_run_list_shared(page, url: str) -> None:
    open_page(page, url, "?dashboard=text&runs=run")
    assert page.locator("#tabs .tab[aria-selected=true]").get_attribute("data-dashboard") == "text"
    assert page.locator("#runs li").evaluate_all("items => items.map(item => item.dataset.run)") == ["run2", "run10"]
    page.locator('#tabs .tab[data-dashboard="scalars"]').click()
    wait_chart(page, "metric2", series=2)
    assert page.url.endswith("?dashboard=scalars&runs=run"), "the run filter holds across tabs"


def test_natural_order_and_hostile_names_stay_text(page, url: str) -> None:
    open_page(page, url)
    runs = page.locator("#runs li").evaluate_all("items => items.map(item => item.dataset.run)")
    assert runs == [HOSTILE_RUN, "run2", "run10"]
    assert page.locator("#runs li .run-name").first.text_content() == HOSTILE_RUN
    tags = page.locator(".chart").evaluate_all("charts => charts.map(chart => chart.dataset.tag)")
    assert tags == [HOSTILE_TAG, "metric2", "metric10"]
    wait_chart(page, HOSTILE_TAG, series=3)
    assert page.evaluate("() => window.pwned") is None


def test_the_content_security_policy_refuses_injected_script(browser, url: str) -> None:
    page = browser.new_page()  # not the fixture's: this one's console errors are the refusals expected
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    open_page(page, url)
    page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<img src="data:," onerror="window.pwned = 1">');
            const script = document.createElement("script");
            script.textContent = "window.pwned = 2";
            document.body.append(script);
            const link = document.createElement("a");
            link.href = "javascript:window.pwned = 3";
            document.body.append(link);
            link.click();
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.pwned") is None
    refused = [text for text in errors if "Content Security Policy" in text]
    assert len(refused) >= 2, errors  # the handler and the script (a javascript: link may be refused silently)
    assert len(refused) == len(errors), errors
    page.close()


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """MANY_RUNS runs of one tag, and one run with MANY_TAGS tags without a prefix (a group each)."""
    root = tmp_path_factory.mktemp("crowded")
    for run in range(MANY_RUNS):
        with SummaryWriter(root / "many" / f"seed{run}") as writer:
            writer.add_scalar("loss", run, 0)
    with SummaryWriter(root / "tags") as writer:
        for tag in range(MANY_TAGS):
            writer.add_scalar(f"m{tag}", tag, 0)
    return root


def test_many_runs_keep_the_run_list_small(page, crowded: pathlib.Path) -> None:
    with serving(crowded, "--reload-interval", "0") as address:
        open_page(page, address, "?tags=^loss$")
        count = page.locator("#runs-count").text_content()
        assert count == f"{MANY_RUNS + 1} of {MANY_RUNS + 1}"
        rendered = page.locator("#runs li").count()
        assert 10 < rendered < 150, rendered
        page.locator("#runs-scroll").evaluate("box => { box.scrollTop = box.scrollHeight; }")
        page.wait_for_selector('#runs li[data-run="tags"]', timeout=WAIT_MS)
        assert page.locator("#runs li").count() < 150
        page.locator("#run-filter").fill("^many/seed29[0-9]$")
        page.wait_for_function(
            "() => document.querySelector('#runs-count').textContent === '10 of 301'", timeout=WAIT_MS
        )
        names = page.locator("#runs li").evaluate_all("items => items.map(item => item.dataset.run)")
        assert names == [f"many/seed{run}" for run in range(290, 300)]
        wait_chart(page, "loss", series=10)


def test_tag_groups_come_a_page_at_a_time(page, crowded: pathlib.Path) -> None:
    with serving(crowded, "--reload-interval", "0") as address:
        open_page(page, address, "?runs=^tags$")
        page.wait_for_selector("section.group", timeout=WAIT_MS)
        groups = page.locator("section.group").evaluate_all("sections => sections.map(s => s.dataset.group)")
        assert groups[:3] == ["loss", "m0", "m1"] and len(groups) == 40
        more = page.locator("button.more-groups")
        assert more.text_content() == f"Show 40 more groups ({MANY_TAGS + 1 - 40} not shown)"
        more.click()
        page.wait_for_function("() => document.querySelectorAll('section.group').length === 80", timeout=WAIT_MS)
        wait_chart(page, "m0", series=1)


def test_the_page_says_when_data_was_skipped(page, tmp_path: pathlib.Path) -> None:
    root = damaged_logdir(tmp_path)
    with serving(root, "--reload-interval", "0") as address:
        open_page(page, address)
        wait_chart(page, "loss", series=1, points=99)
        assert page.locator("#damage").is_visible()
        summary = page.locator("#damage summary").text_content()
        assert summary == "Some data could not be read and was skipped (1 place); everything else is shown."
        page.locator("#damage summary").click()
        assert "payload checksum" in page.locator("#damage li").first.text_content()


def test_a_constant_series_gets_a_readable_axis(page, tmp_path: pathlib.Path) -> None:
    """0.1 logged at every step: smoothed, it differs from itself in its last bits, which must not make the y axis
    a span of one rounding error (millions of ticks: the page ran out of stack)."""
    for run, steps in (("long", 2_000), ("short", 10)):
        with SummaryWriter(tmp_path / run) as writer:
            for step in range(steps):
                writer.add_scalar("lr", 0.1, step)
    with serving(tmp_path, "--reload-interval", "0") as address:
        open_page(page, address)
        wait_chart(page, "lr", series=2)
        low, high = page.evaluate("() => [window.lightboard.charts.get('lr').plot.scales.y.min, "
                                  "window.lightboard.charts.get('lr').plot.scales.y.max]")  # fmt: skip
        assert low < 0.1 < high and high - low > 1e-3
