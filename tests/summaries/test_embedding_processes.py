"""Two processes logging embeddings into one logdir at once lose no entry of ``projector_config.pbtxt``.

Each process is a real one (``spawn``), released together by a barrier, and logs many embeddings of its own
tags; the config is then read by our reader (:func:`lightboard.summaries.projector_config.read_config`) and by
TensorBoard's projector plugin over its HTTP API, and every tensor it names is served.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lightboard import SummaryWriter
from lightboard.summaries.projector_config import LocalFiles, read_config
from tests.tensorboard_server import TensorBoardServer

PROCESSES, CALLS = 2, 40


def log_embeddings(logdir: str, producer: int, barrier: Any) -> None:
    """Log ``CALLS`` small embeddings under tags of this producer, starting with the others."""
    with SummaryWriter(logdir) as writer:
        barrier.wait(60)
        for call in range(CALLS):
            writer.add_embedding(np.full((3, 2), producer * 1000 + call), tag=f"p{producer}/{call}", global_step=call)


def expected_names() -> set[str]:
    return {f"p{producer}/{call}:{call:05d}" for producer in range(PROCESSES) for call in range(CALLS)}


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("embedding_processes")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    processes = [context.Process(target=log_embeddings, args=(str(root), index, barrier)) for index in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0, f"a producer exited with {process.exitcode}"
    return root


def test_no_entry_is_lost(logdir: Path) -> None:
    config = read_config(str(logdir / "projector_config.pbtxt"), LocalFiles())
    names = [entry.tensor_name for entry in config.embeddings]
    assert len(names) == len(set(names)) == PROCESSES * CALLS
    assert set(names) == expected_names()


def test_tensorboard_projector_serves_every_entry(logdir: Path) -> None:
    with TensorBoardServer(logdir, load_fast=False) as server:
        server.wait_for(lambda: "." in server.get_json("/data/plugin/projector/runs"), 30, "the projector's run")
        config = server.get_json("/data/plugin/projector/info", run=".")
        assert {entry["tensorName"] for entry in config["embeddings"]} == expected_names()
        for producer, call in ((0, 0), (1, CALLS - 1)):
            body = server.get("/data/plugin/projector/tensor", run=".", name=f"p{producer}/{call}:{call:05d}")
            np.testing.assert_array_equal(np.frombuffer(body, "<f4").reshape(3, 2), producer * 1000 + call)
