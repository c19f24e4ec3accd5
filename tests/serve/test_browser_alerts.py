"""Alerts in the viewer, in a real browser: the panel lists what /api/alerts found (a lightboard writer's recorded
NaN, and a NaN in a tensorboardX run, which has no alerts of its own), each chart marks its runs' alerts at their
step, a click on an alert shows its chart zoomed there, and an alert written while the page is open appears."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Iterator

import pytest

from lightboard import SummaryWriter
from tests.serve.browser import WAIT_MS, serving, wait_chart
from tests.serve.test_browser import open_page

pytestmark = pytest.mark.timeout(180)

STEPS = 2_000
BAD_STEP = 1_234


@pytest.fixture
def logdir(tmp_path: pathlib.Path) -> pathlib.Path:
    """``ours`` (lightboard) and ``peer`` (tensorboardX), each with ``loss`` NaN at BAD_STEP; ``lr`` finite."""
    from tensorboardX import SummaryWriter as PeerWriter

    peer = PeerWriter(str(tmp_path / "peer"))
    with pytest.warns(Warning, match="non-finite"), SummaryWriter(tmp_path / "ours") as writer:
        for step in range(STEPS):
            value = float("nan") if step == BAD_STEP else 1.0 / (step + 1)
            writer.add_scalar("loss", value, step)
            peer.add_scalar("loss", value, step)
            writer.add_scalar("lr", 0.1, step)
    peer.close()
    return tmp_path


@pytest.fixture
def url(logdir: pathlib.Path) -> Iterator[str]:
    with serving(logdir, "--reload-interval", "0.2") as address:
        yield address


def alerts_listed(page) -> list[list[str]]:
    return page.locator("#alerts li.alert").evaluate_all(
        "items => items.map(item => [item.dataset.run, item.dataset.tag, item.dataset.step, item.dataset.rule])"
    )


def test_alerts_are_listed_and_marked_on_their_chart(page, url: str) -> None:
    open_page(page, url)
    page.wait_for_selector("#alerts:not([hidden])", timeout=WAIT_MS)
    assert sorted(alerts_listed(page)) == [
        ["ours", "loss", str(BAD_STEP), "nan"],
        ["peer", "loss", str(BAD_STEP), "nan"],
    ]
    assert page.locator("#alerts summary").text_content().startswith("2 alerts: nan in ")
    wait_chart(page, "loss", series=2, alerts=2)
    wait_chart(page, "lr", series=1, alerts=0)


def test_a_click_shows_the_chart_zoomed_at_the_alert(page, url: str) -> None:
    open_page(page, url, "?dashboard=text")
    page.wait_for_selector("#alerts:not([hidden])", timeout=WAIT_MS)
    page.locator("#alerts summary").click()
    page.locator('#alerts li.alert[data-run="peer"] button').click()
    page.wait_for_function("() => window.lightboard.dashboard === 'scalars'", timeout=WAIT_MS)
    page.wait_for_function(
        """(step) => {
            const chart = window.lightboard.charts.get("loss");
            if (!chart) return false;
            const {min, max} = chart.plot.scales.x;
            return min > 0 && min < step && max > step && max < 2000 && max - min < 400;
        }""",
        arg=BAD_STEP,
        timeout=WAIT_MS,
    )
    wait_chart(page, "loss", series=2, alerts=2)


def test_an_alert_written_while_the_page_is_open_appears(page, url: str, logdir: pathlib.Path) -> None:
    open_page(page, url)
    page.wait_for_selector("#alerts:not([hidden])", timeout=WAIT_MS)
    with pytest.warns(Warning, match="non-finite"), SummaryWriter(logdir / "late") as writer:
        for step in range(10):
            writer.add_scalar("lr", float("inf") if step == 7 else 0.1, step)
    deadline = time.monotonic() + WAIT_MS / 1000
    while ["late", "lr", "7", "nan"] not in alerts_listed(page) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert ["late", "lr", "7", "nan"] in alerts_listed(page)
    wait_chart(page, "lr", series=2, alerts=1)
