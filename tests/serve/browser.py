"""Debian's chromium driven by Playwright, and ``lightboard serve`` started as users start it, for the
viewer's browser tests (and nothing else: the browser is never downloaded by a test tool)."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
"""Headless as root, and no traffic beyond loopback (the machine's closed network refuses it anyway)."""
WAIT_MS = 20_000


def chromium_or_skip() -> str:
    """The chromium to drive; outside CI a machine without it skips (``make test`` installs it; CI must have it)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = "Debian's chromium is not installed: `make browser` (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serving(logdir: pathlib.Path, *arguments: str) -> Iterator[str]:
    """``lightboard serve LOGDIR`` on a free loopback port; yields its URL and stops it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "lightboard", "serve", str(logdir), "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        match = re.search(r"at (http://\S+) \(Ctrl\+C to stop\)", line)
        assert match, f"lightboard serve printed no URL: {line!r}"
        yield match.group(1)
    finally:
        server.kill()
        server.wait()


CHART = '.chart[data-tag="{tag}"]'


def wait_chart(page, tag: str, **data: str | int | float) -> None:
    """Wait until the chart of ``tag`` is drawn and its ``data-*`` attributes have the values given."""
    page.wait_for_function(
        """([selector, expected]) => {
            const chart = document.querySelector(selector);
            if (!chart || chart.dataset.state !== "drawn") return false;
            return Object.entries(expected).every(([key, value]) => chart.dataset[key] === String(value));
        }""",
        arg=[CHART.format(tag=tag), {key: str(value) for key, value in data.items()}],
        timeout=WAIT_MS,
    )


def chart_response(page, tag: str) -> dict:
    """The /api/scalars answer the chart of ``tag`` drew last (as the page decoded it)."""
    return page.evaluate("(tag) => window.lightboard.charts.get(tag).response", tag)


def drag_zoom(page, tag: str, start: float = 0.50, end: float = 0.52) -> dict:
    """Drag across the chart of ``tag`` from ``start`` to ``end`` (fractions of its width), wait for the full
    resolution of the first series in the zoomed range, and return that series as the page drew it."""
    box = page.locator(CHART.format(tag=tag) + " .u-over").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "(tag) => window.lightboard.charts.get(tag).response.series[0].full === true", arg=tag, timeout=WAIT_MS
    )
    return chart_response(page, tag)["series"][0]
