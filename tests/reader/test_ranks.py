"""A run's per-rank streams grouped back under the run, and a tag aggregated across ranks step by step."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from lightboard import SummaryWriter, read
from lightboard.reader.ranks import aggregate, group
from lightboard.reader.series import Scalars


def series(steps: list[int], values: list[float], wall: float = 0.0) -> Scalars:
    return Scalars(np.array(steps, np.int64), np.arange(len(steps)) + wall, np.array(values, np.float32))


def test_group_finds_rank_streams_only() -> None:
    names = [".", "exp/rank-00000", "exp/rank-00002", "exp", "rank-00001", "other/rank-1", "a/b/rank-123456"]
    assert group(names) == {
        ".": {1: "rank-00001"},
        "a/b": {123456: "a/b/rank-123456"},
        "exp": {0: "exp/rank-00000", 2: "exp/rank-00002"},
    }


def test_aggregate_per_step_over_the_ranks_that_logged_it() -> None:
    per_rank = {0: series([0, 1, 2], [1.0, 2.0, np.nan], 10.0), 1: series([1, 2, 3], [4.0, 5.0, 6.0], 20.0)}
    expected = {"mean": [1.0, 3.0, np.nan, 6.0], "min": [1.0, 2.0, np.nan, 6.0], "max": [1.0, 4.0, np.nan, 6.0]}
    for how, values in expected.items():
        combined, ranks = aggregate(per_rank, how)
        assert combined.step.tolist() == [0, 1, 2, 3] and ranks.tolist() == [1, 2, 2, 1]
        np.testing.assert_array_equal(combined.value, values)  # NaN stays NaN in its step
        np.testing.assert_array_equal(combined.wall_time, [10.0, 20.0, 21.0, 22.0])  # the latest of the step


def test_aggregate_edge_cases() -> None:
    combined, ranks = aggregate({}, "max")
    assert len(combined) == 0 and len(ranks) == 0
    with pytest.raises(ValueError, match=r"how must be one of \('mean', 'min', 'max'\), got 'median'"):
        aggregate({0: series([0], [1.0])}, "median")


def test_logdir_ranks_and_aggregate(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "3")
    for rank in range(3):
        monkeypatch.setenv("RANK", str(rank))
        with SummaryWriter(tmp_path / "exp", ranks="all") as writer:
            for step in range(0, 100, 1 + rank):  # ranks log at different steps
                writer.add_scalar("loss", rank * 10.0 + step, step)
    logdir = read(tmp_path)
    assert sorted(logdir.ranks("exp")) == [0, 1, 2]
    assert logdir.ranks("exp")[2].name == "exp/rank-00002"
    mean, ranks = logdir.aggregate("exp", "loss")
    assert mean.step.tolist() == list(range(100))
    steps = np.arange(100)
    present = [steps % (1 + rank) == 0 for rank in range(3)]
    np.testing.assert_array_equal(ranks, np.sum(present, axis=0))
    totals = sum(np.where(present[rank], rank * 10.0 + steps, 0.0) for rank in range(3))
    np.testing.assert_allclose(mean.value, totals / ranks)
    assert logdir.aggregate("exp", "loss", "max")[0].value[6] == 26.0  # step 6: every rank logged it
    with pytest.raises(KeyError, match="run 'nope' has no rank streams; runs with some: \\['exp'\\]"):
        logdir.ranks("nope")
