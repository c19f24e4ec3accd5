"""The series the alert tests log, and a fixture of it written by tensorboardX and by lightboard."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable

import pytest

SERIES: dict[str, list[tuple[int, float]]] = {
    # loss: falls from 1.0 to 0.145, jumps to 40 at step 60, NaN at step 90
    "train/loss": [(step, 1.0 / (1 + step / 10) if step < 60 else 40.0) for step in range(90)]
    + [(90, math.nan), (91, 40.0)],
    # accuracy: improves until step 40, then flat
    "val/acc": [(step, min(step, 40) / 100) for step in range(0, 200, 10)],
    # lr: decays below 1e-4 at step 14
    "lr": [(step, 0.1 * 0.6**step) for step in range(20)],
}
"""The points every writer logs: ``{tag: [(step, value)]}``."""


def write_series(writer: object) -> None:
    """Log :data:`SERIES` with any ``SummaryWriter``, point by point, and close it."""
    for tag, points in SERIES.items():
        for step, value in points:
            writer.add_scalar(tag, value, step)  # type: ignore[attr-defined]
    writer.close()  # type: ignore[attr-defined]


def tensorboardx_run(directory: pathlib.Path) -> None:
    """:data:`SERIES` written by tensorboardX."""
    from tensorboardX import SummaryWriter

    write_series(SummaryWriter(str(directory)))


def lightboard_run(directory: pathlib.Path) -> None:
    """:data:`SERIES` written by lightboard with ``alerts=False`` (nothing recorded: the rules must find it all)."""
    from lightboard import SummaryWriter

    write_series(SummaryWriter(directory, alerts=False))


WRITERS: dict[str, Callable[[pathlib.Path], None]] = {"tensorboardX": tensorboardx_run, "lightboard": lightboard_run}


@pytest.fixture(scope="module", params=sorted(WRITERS))
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A logdir with one run ``run`` holding :data:`SERIES`, written by each writer in turn."""
    root = tmp_path_factory.mktemp(request.param)
    WRITERS[request.param](root / "run")
    return root
