"""A logdir for the viewer's tests, and the viewer's app over it (Starlette's test client, lifespan run)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import numpy as np
import pytest
from starlette.testclient import TestClient

from lightboard import SummaryWriter
from lightboard.serve.app import create_app
from lightboard.serve.source import LiveLogdir

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
