"""A logdir of every common kind, written once per session by lightboard's own writer, for the CLI tests."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from lightboard import SummaryWriter, TrainingAlertWarning
from lightboard.proto.graph_pb2 import GraphDef, NodeDef

LOSS = np.array([5.0, 4.0, np.nan, 3.0, np.inf, 1.5, 2.0, -np.inf, 1.0, np.nan, 0.5, 0.75], dtype=np.float32)
"""``train``'s ``loss`` at steps 0, 10, 20...: NaN and both infinities included."""


@pytest.fixture(scope="session")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Runs ``train`` (scalars, histograms, images, text, a graph), ``eval`` and ``nested/deep`` (scalars only)."""
    root = tmp_path_factory.mktemp("logdir")
    with pytest.warns(TrainingAlertWarning), SummaryWriter(root / "train") as writer:  # loss's NaN: an alert
        for index, value in enumerate(LOSS.tolist()):
            writer.add_scalar("loss", value, index * 10)
            writer.add_scalar("lr", 0.1 / (index + 1), index * 10)
        for step in (0, 50, 100):
            writer.add_histogram("weights", np.arange(100) * (step + 1), step)
        writer.add_image("samples", np.zeros((3, 8, 8), np.uint8), 30)
        writer.add_image("samples", np.ones((3, 8, 8), np.uint8), 60)
        writer.add_text("notes", "hello", 7)
        writer.file_writer.add_graph(GraphDef(node=[NodeDef(name="x", op="Const")]))
    with SummaryWriter(root / "eval") as writer:
        for step in range(25):
            writer.add_scalar("val/loss", 1.0 / (step + 1), step * 4)
            writer.add_scalar("val/acc", step / 25, step * 4)
    with SummaryWriter(root / "nested" / "deep") as writer:
        writer.add_scalar("deep/x", 3.25, 1)
    return root
