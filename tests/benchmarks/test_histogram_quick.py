"""Smoke test of the histogram benchmark: ``benchmarks/run.py --quick --only add_histogram`` prints this machine's
``np.sort`` time of the values next to the result (the lead must not depend on it) and dumps it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.quick import is_number, run_quick


@pytest.mark.timeout(200)
def test_histogram_result_comes_with_the_machines_sort_time(tmp_path: Path) -> None:
    stdout, payload = run_quick("run.py", tmp_path / "histogram.json", 180, "--only", "add_histogram")
    assert "np.sort of these 10k float32 takes" in stdout
    row = payload["results"]["add_histogram"]
    assert is_number(row["lightboard"]["value"]) and row["lightboard"]["value"] > 0
    sort_us = row["lightboard"]["extra"]["np_sort_us"]
    assert is_number(sort_us) and sort_us > 0
    assert f"takes {sort_us:.1f} µs" in stdout
    assert "add_histogram (10k float32) >= 6x faster than tensorboardX" in stdout
