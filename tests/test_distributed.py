"""Writers in distributed jobs: the rank comes from torch.distributed or the launcher's variables; only rank 0
writes by default, or every rank writes its own stream of the run, which the reader puts back together."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lightboard import SummaryWriter, read
from lightboard.distributed import LAUNCHER_VARIABLES, Rank, process_rank
from lightboard.reader.ranks import group

LAUNCHERS = [variable for pair in LAUNCHER_VARIABLES for variable in pair]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in LAUNCHERS:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, Rank(0, 1)),
        ({"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1"}, Rank(3, 8)),
        ({"OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "4"}, Rank(2, 4)),
        ({"PMI_RANK": "1", "PMI_SIZE": "2"}, Rank(1, 2)),
        ({"SLURM_PROCID": "5", "SLURM_NTASKS": "6"}, Rank(5, 6)),
        ({"LOCAL_RANK": "1"}, Rank(1, 2)),
    ],
)
def test_rank_from_launcher_variables(clean_env: pytest.MonkeyPatch, variables: dict, expected: Rank) -> None:
    for name, value in variables.items():
        clean_env.setenv(name, value)
    assert process_rank() == expected


def test_a_bad_rank_variable_is_named(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RANK", "zero")
    with pytest.raises(ValueError, match="environment variable RANK must be a non-negative integer"):
        process_rank()


def test_only_rank_zero_writes_by_default(clean_env: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    clean_env.setenv("RANK", "2")
    clean_env.setenv("WORLD_SIZE", "4")
    with pytest.warns(UserWarning, match="rank 2 of 4 writes nothing"), SummaryWriter(tmp_path / "run") as writer:
        writer.add_scalar("x", 1.0, 0)
    assert writer.rank == Rank(2, 4)
    assert not (tmp_path / "run").exists()
    with SummaryWriter(tmp_path / "run", ranks="all") as writer:
        writer.add_scalar("x", 1.0, 0)
    assert writer.get_logdir() == str(tmp_path / "run" / "rank-00002")
    assert read(tmp_path / "run").runs == ["rank-00002"]
    with SummaryWriter(tmp_path / "mine", ranks=None) as writer:  # ranks ignored: written where told
        writer.add_scalar("x", 1.0, 0)
    assert read(tmp_path / "mine").runs == ["."]
    with pytest.raises(ValueError, match=r"ranks must be one of \('zero', 'all', None\), got 'some'"):
        SummaryWriter(tmp_path / "run", ranks="some")


JOB = textwrap.dedent(
    """
    import sys
    import torch
    import torch.distributed as dist
    from lightboard import SummaryWriter

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    with SummaryWriter(sys.argv[1], ranks="all", flush_secs=1) as writer:
        assert writer.rank == (rank, 4), writer.rank
        for step in range(10_000):
            writer.add_scalar("metric", rank * 100_000 + step, step)
            if step % 1_000 == 0:
                total = torch.tensor([float(rank)])
                dist.all_reduce(total)
                writer.add_scalar("reduced", total.item(), step)
    dist.barrier()
    dist.destroy_process_group()
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(240)
def test_a_torch_distributed_job_of_four_ranks(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch.distributed")
    run = tmp_path / "job"
    port = str(free_port())
    base = {key: value for key, value in os.environ.items() if key not in LAUNCHERS}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", JOB, str(run)],
            env={**base, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port, "RANK": str(rank), "WORLD_SIZE": "4"},
        )
        for rank in range(4)
    ]
    assert [process.wait(timeout=220) for process in processes] == [0, 0, 0, 0]

    logdir = read(run)
    streams = group(logdir.runs)
    assert streams == {".": {rank: f"rank-{rank:05d}" for rank in range(4)}}
    steps = np.arange(10_000)
    per_rank = {rank: logdir.scalars(name, "metric") for rank, name in streams["."].items()}
    for rank, points in per_rank.items():  # nothing lost, nothing interleaved
        np.testing.assert_array_equal(points.step, steps)
        np.testing.assert_array_equal(points.value, rank * 100_000 + steps)
        np.testing.assert_array_equal(logdir.scalars(f"rank-{rank:05d}", "reduced").value, np.full(10, 6.0))
    assert {rank: stream.name for rank, stream in logdir.ranks(".").items()} == streams["."]
    for how, expected in (("mean", 150_000.0 + steps), ("min", steps * 1.0), ("max", 300_000.0 + steps)):
        combined, ranks = logdir.aggregate(".", "metric", how)
        np.testing.assert_array_equal(combined.step, steps)
        np.testing.assert_array_equal(combined.value, expected)
        np.testing.assert_array_equal(ranks, np.full(10_000, 4))


WORKER = textwrap.dedent(
    """
    import sys
    from lightboard import SummaryWriter
    index = int(sys.argv[2])
    shared = SummaryWriter(sys.argv[1] + "/shared", ranks=None)  # every process into one directory
    with shared, SummaryWriter(sys.argv[1] + "/job", ranks="all") as own:
        for step in range(500):
            shared.add_scalar(f"process{index:02d}", float(step), step)
            own.add_scalar("x", index * 1_000.0 + step, step)
    """
)


@pytest.mark.timeout(240)
def test_sixty_four_processes_into_one_logdir(tmp_path: pathlib.Path) -> None:
    base = {key: value for key, value in os.environ.items() if key not in LAUNCHERS}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), str(index)],
            env={**base, "RANK": str(index), "WORLD_SIZE": "64"},
        )
        for index in range(64)
    ]
    assert all(process.wait(timeout=220) == 0 for process in processes)
    shared = sorted(os.listdir(tmp_path / "shared"))
    assert len(shared) == 64 and len(set(shared)) == 64  # one file each: no two writers shared a name
    logdir = read(tmp_path)
    for index in range(64):
        np.testing.assert_array_equal(logdir.scalars("shared", f"process{index:02d}").step, np.arange(500))
        own = logdir.scalars(f"job/rank-{index:05d}", "x")
        np.testing.assert_array_equal(own.value, index * 1_000.0 + np.arange(500))
    assert len(group(logdir.runs)["job"]) == 64
