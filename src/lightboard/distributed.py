"""Which process of a distributed job this is: its rank and the world size.

``torch.distributed`` answers when the program initialised it (looked up in ``sys.modules``: torch is never
imported here); otherwise the variables launchers set: ``RANK`` / ``WORLD_SIZE`` (torchrun, torch.distributed
launchers, DeepSpeed), ``OMPI_COMM_WORLD_RANK`` / ``OMPI_COMM_WORLD_SIZE`` (Open MPI), ``PMI_RANK`` /
``PMI_SIZE`` (MPICH, Intel MPI), ``SLURM_PROCID`` / ``SLURM_NTASKS`` (srun), then ``LOCAL_RANK`` /
``LOCAL_WORLD_SIZE`` alone. A process with none of them is rank 0 of 1.
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

LAUNCHER_VARIABLES = (
    ("RANK", "WORLD_SIZE"),
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
    ("PMI_RANK", "PMI_SIZE"),
    ("SLURM_PROCID", "SLURM_NTASKS"),
    ("LOCAL_RANK", "LOCAL_WORLD_SIZE"),
)
"""(rank variable, world size variable) pairs, in the order they are looked at."""


class Rank(NamedTuple):
    """This process's place in a distributed job."""

    rank: int
    world_size: int


def process_rank() -> Rank:
    """This process's rank and the job's world size (see the module docstring for where they come from).

    Raises:
        ValueError: a launcher variable holds something other than a non-negative integer (named).
    """
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        return Rank(dist.get_rank(), dist.get_world_size())
    for rank_variable, size_variable in LAUNCHER_VARIABLES:
        if rank_variable in os.environ:
            rank = _count(rank_variable)
            size = _count(size_variable) if size_variable in os.environ else rank + 1
            return Rank(rank, max(size, rank + 1))
    return Rank(0, 1)


def _count(variable: str) -> int:
    text = os.environ[variable]
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"environment variable {variable} must be a non-negative integer (a rank), got {text!r}")
    return value
