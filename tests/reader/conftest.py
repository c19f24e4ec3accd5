"""Shared fixtures of the reader tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lightboard import SummaryWriter


@pytest.fixture(scope="session")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A logdir holding every kind lightboard writes, and what was logged."""
    logdir = tmp_path_factory.mktemp("logdir")
    rng = np.random.default_rng(1)
    given: dict = {
        "scalars": [0.5, float("nan"), float("inf"), -float("inf"), 16777217.0, -3.25],
        "histograms": [rng.normal(size=1000) for _ in range(3)],
        "image": rng.integers(0, 256, (3, 8, 6), dtype=np.uint8),
        "audio": (rng.uniform(-1, 1, (200, 2)) * 0.5),
        "labels": rng.integers(0, 2, 100),
        "predictions": rng.random(100),
        "vertices": rng.random((1, 4, 3)).astype(np.float32),
        "faces": np.array([[[0, 1, 2], [0, 2, 3]]], dtype=np.int32),
    }
    with SummaryWriter(str(logdir / "main")) as writer:
        for step, value in enumerate(given["scalars"]):
            writer.add_scalar("loss", value, step, walltime=1000.0 + step)
        writer.add_scalar("double", 0.1, 0, new_style=True)
        writer.add_scalars("group", {"a": 1.0, "b": 2.0}, 0)
        for step, values in enumerate(given["histograms"]):
            writer.add_histogram("weights", values, step)
        writer.add_image("picture", given["image"], 0)
        writer.add_video("clip", rng.integers(0, 256, (1, 3, 3, 8, 8), dtype=np.uint8), 0, fps=4)
        writer.add_audio("sound", given["audio"], 0, sample_rate=8000)
        writer.add_text("note", "**bold** ✓", 0)
        writer.add_pr_curve("pr", given["labels"], given["predictions"], 0, num_thresholds=11)
        writer.add_mesh("shape", vertices=given["vertices"], faces=given["faces"], global_step=0)
        writer.add_custom_scalars({"Losses": {"all": ["Multiline", ["loss"]]}})
        writer.add_hparams({"lr": 0.01, "optimizer": "adam", "deep": True}, {"hp/accuracy": 0.75}, run_name="trial")
    return logdir, given
