"""Memory: reading scalars into numpy costs at most 24 bytes per point at peak (compiled scan)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lightboard import SummaryWriter
from lightboard.reader import scan

MEASURE = """
import sys
import lightboard.reader as reader

def status(field):  # VmHWM, unlike ru_maxrss, is not inherited from the parent across fork and exec
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field + ":"))

def rss():
    return status("VmRSS")

reader.read(sys.argv[2]).scalars(".", "warm")  # first-use imports are not per-point memory
before = rss()
assert status("VmHWM") - before < 4 << 20  # the peak so far is the baseline (or near it)
logdir = reader.read(sys.argv[1])
points = sum(len(run.scalars(tag).step) for run in logdir for tag in run.scalar_tags())
peak = status("VmHWM")
print(points, (peak - before) / points, (rss() - before) / points)
"""


@pytest.mark.skipif(not scan.USING_EXTENSION, reason="the bound is the compiled scan's; the twin is for portability")
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
def test_at_most_24_bytes_per_scalar_point(tmp_path: Path) -> None:
    values = np.random.default_rng(0).normal(size=40_000).tolist()
    for run in range(5):
        with SummaryWriter(str(tmp_path / f"run{run}"), max_queue=100_000) as writer:
            for step, value in enumerate(values):
                for tag in range(5):
                    writer.add_scalar(f"tag{tag}", value, step)
    with SummaryWriter(str(tmp_path.parent / "warm-up")) as writer:
        writer.add_scalar("warm", 1.0, 0)
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path), str(tmp_path.parent / "warm-up")],
        capture_output=True, text=True, check=True,
    )
    points, peak_per_point, kept_per_point = result.stdout.split()
    assert int(points) == 1_000_000
    assert float(peak_per_point) <= 24.0, result.stdout
    assert float(kept_per_point) <= 24.0, result.stdout
