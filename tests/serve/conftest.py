"""A logdir for the viewer's tests, the viewer's app over it (Starlette's test client, lifespan run), and for the
browser tests Debian's chromium and a tab that fails the test on any console error or payload that ran."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import numpy as np
import pytest
from starlette.testclient import TestClient

from lightboard import SummaryWriter
from lightboard.serve.app import create_app
from lightboard.serve.source import LiveLogdir
from tests.serve.browser import FLAGS, chromium_or_skip

STEPS = 20_000
SPIKE = 12_345


def loss_of(run: int) -> np.ndarray:
    """Run ``run``'s ``train/loss``: a noisy decay with one spike at step SPIKE in run 0, NaN and inf in run 1."""
    steps = np.arange(STEPS)
    values = (np.exp(-steps / 5_000.0) + np.random.default_rng(run).normal(0, 0.01, STEPS)).astype(np.float32)
    if run == 0:
        values[SPIKE] = 50.0
    if run == 1:
        values[[100, 7_000]] = [np.nan, np.inf]
    return values


@pytest.fixture(scope="session")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Runs ``exp0``, ``exp1`` (``train/loss``, ``train/lr`` over STEPS steps) and ``other/eval`` (``eval/acc``)."""
    root = tmp_path_factory.mktemp("served")
    for run in range(2):
        values = loss_of(run)
        with SummaryWriter(root / f"exp{run}") as writer:
            for step in range(STEPS):
                writer.add_scalar("train/loss", float(values[step]), step, walltime=1_000.0 + step * 0.5)
                if step % 100 == 0:
                    writer.add_scalar("train/lr", 0.1 * 0.99 ** (step // 100), step, walltime=1_000.0 + step * 0.5)
    with SummaryWriter(root / "other" / "eval") as writer:
        for step in range(0, STEPS, 1_000):
            writer.add_scalar("eval/acc", step / STEPS, step, walltime=2_000.0 + step)
        writer.add_histogram("weights", np.arange(10), 0)
    return root


@pytest.fixture
def client(logdir: pathlib.Path) -> Iterator[TestClient]:
    """The viewer over ``logdir`` (read once: no refresh loop)."""
    app = create_app(LiveLogdir(str(logdir)), reload_interval=0)
    with TestClient(app, base_url="http://127.0.0.1:6006") as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's chromium, headless, driven by Playwright (one per test module)."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def console() -> list[str]:
    """The uncaught exceptions and console errors of the test's tab (a test that expects one removes it)."""
    return []


@pytest.fixture
def page(browser, console: list[str]) -> Iterator:
    """A tab; the test fails on any uncaught exception or console error in it, or if a payload set
    ``window.pwned``."""
    tab = browser.new_page(viewport={"width": 1400, "height": 1100})
    tab.on("pageerror", lambda error: console.append(f"page error: {error}"))
    tab.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    yield tab
    pwned = tab.evaluate("() => window.pwned")
    tab.close()
    assert not console, console
    assert pwned is None, f"a payload ran: window.pwned = {pwned}"
