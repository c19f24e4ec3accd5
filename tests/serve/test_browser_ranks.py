"""Merged rank streams in a real browser (Debian's chromium driven by Playwright, as test_browser.py).

A distributed run's rank streams are listed as one run with its rank count, charted as the mean (faint raw
line and smoothed line) with a min-max band in its colour, shown with min, max and ranks in the tooltip; the
"Merge ranks" setting (in the URL) shows them as separate runs again; zoom, downloads and live updates work
on the merged run. The page fixture fails a test on any console error.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from lightboard import SummaryWriter
from tests.serve.browser import CHART, WAIT_MS, chart_response, drag_zoom, serving, wait_chart
from tests.serve.test_browser import hover_tooltip_row, open_page

pytestmark = pytest.mark.timeout(120)

RANKS = 4
SHORT = 200
"""Steps of ``loss``: few enough to arrive whole."""
LONG = 20_000
"""Steps of ``long``: far more than a chart is wide, so it arrives as an envelope."""
SPIKES = {"loss": (2, 123, 50.0), "long": (1, 15_000, 30.0)}
"""Per tag, (rank, step, value) of its spike."""
SKIPPED = (3, 77)
"""(rank, step) of ``loss`` a rank did not log."""
STREAMS = [f"job/rank-{rank:05d}" for rank in range(RANKS)]


def value(tag: str, rank: int, step: int) -> float:
    """What ``rank`` logs as ``tag`` at ``step``: a line offset by the rank, or the spike."""
    spike_rank, spike_step, spike = SPIKES[tag]
    if (rank, step) == (spike_rank, spike_step):
        return spike
    return 1.0 + rank - step / SHORT if tag == "loss" else rank + step / LONG


def write_ranks(root: pathlib.Path, ranks: range, monkeypatch: pytest.MonkeyPatch) -> None:
    """``job``'s rank streams ``ranks`` (``loss`` and ``long``), each rank faked through ``RANK``."""
    monkeypatch.setenv("WORLD_SIZE", str(RANKS))
    for rank in ranks:
        monkeypatch.setenv("RANK", str(rank))
        with SummaryWriter(str(root / "job"), ranks="all") as writer:
            for step in range(LONG):
                if step < SHORT and (rank, step) != SKIPPED:
                    writer.add_scalar("loss", value("loss", rank, step), step, walltime=1e3 + step)
                writer.add_scalar("long", value("long", rank, step), step, walltime=1e3 + step)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """``job``, written by 4 ranks, and ``plain``."""
    root = tmp_path_factory.mktemp("ranked-viewer")
    with pytest.MonkeyPatch.context() as patch:
        write_ranks(root, range(RANKS), patch)
    with SummaryWriter(str(root / "plain")) as writer:
        for step in range(SHORT):
            writer.add_scalar("loss", 0.5, step, walltime=1e3 + step)
    return root


@pytest.fixture(scope="module")
def url(logdir: pathlib.Path) -> Iterator[str]:
    with serving(logdir, "--reload-interval", "0") as address:
        yield address


def listed_runs(page) -> list[list[str]]:
    """The run list: each run's name and its rank count ("" unless it is merged rank streams)."""
    return page.locator("#runs li").evaluate_all(
        "items => items.map(item => [item.dataset.run, item.querySelector('.run-ranks').textContent])"
    )


def plot_shape(page, tag: str) -> tuple[int, list[list[int]]]:
    """The uPlot plot of ``tag``: its number of series (x included) and its bands' series."""
    return tuple(
        page.evaluate(
            "(tag) => { const plot = window.lightboard.charts.get(tag).plot;"
            " return [plot.series.length, (plot.bands || []).map(band => band.series)]; }",
            tag,
        )
    )


def test_merged_run_is_listed_and_drawn_with_a_band(page, url: str) -> None:
    open_page(page, url, "?tags=^loss$")
    assert page.locator("#merge-ranks-row").is_visible() and page.locator("#merge-ranks").is_checked()
    assert listed_runs(page) == [["job/rank-*", "(4 ranks)"], ["plain", ""]]
    wait_chart(page, "loss", series=2)
    # x, then the merged run's min and max (the band's edges), then a raw and a smoothed line per run
    assert plot_shape(page, "loss") == (1 + 2 + 2 * 2, [[2, 1]])
    merged = chart_response(page, "loss")["series"][0]
    assert merged["run"] == "job/rank-*" and merged["merged"] and merged["full"]
    _, step, spike = SPIKES["loss"]
    assert max(merged["max"]) == spike and merged["ranks"][SKIPPED[1]] == RANKS - 1

    row = hover_tooltip_row(page, "loss", step)
    assert row["Run"] == "job/rank-*" and row["Max"] == "50" and row["Ranks"] == "4", row
    assert float(row["Min"]) == pytest.approx(value("loss", 0, step), rel=1e-4)
    mean = sum(value("loss", rank, step) for rank in range(RANKS)) / RANKS
    assert float(row["Value"]) == pytest.approx(mean, rel=1e-4)
    row = hover_tooltip_row(page, "loss", SKIPPED[1])
    assert row["Ranks"] == "3", row


def test_merge_ranks_toggles_between_one_run_and_its_streams(page, url: str) -> None:
    open_page(page, url, "?tags=^loss$")
    wait_chart(page, "loss", series=2)
    page.locator("#merge-ranks").uncheck()
    wait_chart(page, "loss", series=RANKS + 1)
    assert listed_runs(page) == [[name, ""] for name in [*STREAMS, "plain"]]
    assert plot_shape(page, "loss") == (1 + 2 * (RANKS + 1), [])
    assert "ranks=separate" in page.url
    assert "ranks=separate" in page.locator(CHART.format(tag="loss") + " a.download-csv").get_attribute("href")

    page.reload()  # the setting is kept in the URL
    page.wait_for_function("() => window.lightboard && window.lightboard.ready", timeout=WAIT_MS)
    wait_chart(page, "loss", series=RANKS + 1)
    assert not page.locator("#merge-ranks").is_checked()

    page.locator("#merge-ranks").check()
    wait_chart(page, "loss", series=2)
    assert listed_runs(page) == [["job/rank-*", "(4 ranks)"], ["plain", ""]]
    assert plot_shape(page, "loss") == (1 + 2 + 2 * 2, [[2, 1]])
    assert "ranks" not in page.url


def test_zoom_filter_and_download_work_on_the_merged_run(page, url: str) -> None:
    open_page(page, url, "?tags=^long$")
    wait_chart(page, "long", series=1)
    overview = chart_response(page, "long")["series"][0]
    _, step, spike = SPIKES["long"]
    assert not overview["full"] and overview["count"] == LONG and step in overview["step"]
    assert max(overview["max"]) == spike

    zoomed = drag_zoom(page, "long")
    low, high = zoomed["step"][1], zoomed["step"][-2]
    assert zoomed["step"] == list(range(low - 1, high + 2)) and zoomed["ranks"] == [RANKS] * len(zoomed["step"])
    assert plot_shape(page, "long")[1] == [[2, 1]]

    chart = page.locator(CHART.format(tag="long"))
    csv = page.request.get(chart.locator("a.download-csv").evaluate("a => a.href")).text()
    lines = csv.strip().splitlines()
    assert lines[0] == "run,step,wall_time,value,min,max,ranks" and len(lines) == 1 + LONG

    page.locator("#run-filter").fill("^plain$")  # the merged run filtered out: no run left for this tag
    page.wait_for_function(
        "() => document.querySelector('.chart[data-tag=\"long\"] .chart-message').textContent.includes('No selected')",
        timeout=WAIT_MS,
    )
    page.locator("#run-filter").fill(r"rank-\*")
    wait_chart(page, "long", series=1)


def test_a_rank_written_while_the_page_is_open_joins_the_merged_run(
    page, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ranks(tmp_path, range(2), monkeypatch)
    with serving(tmp_path, "--reload-interval", "0.2") as address:
        open_page(page, address, "?tags=^loss$")
        wait_chart(page, "loss", series=1)
        assert listed_runs(page) == [["job/rank-*", "(2 ranks)"]]
        write_ranks(tmp_path, range(2, 3), monkeypatch)
        page.wait_for_function(
            "() => document.querySelector('#runs li .run-ranks').textContent === '(3 ranks)'", timeout=WAIT_MS
        )
        page.wait_for_function(
            "() => window.lightboard.charts.get('loss').response.series[0].ranks[0] === 3", timeout=WAIT_MS
        )


def test_no_merge_setting_without_rank_streams(page, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(str(tmp_path / "solo")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    with serving(tmp_path, "--reload-interval", "0") as address:
        open_page(page, address)
        wait_chart(page, "loss", series=1)
        assert page.locator("#merge-ranks-row").count() == 1 and page.locator("#merge-ranks-row").is_hidden()
