"""Smoke test of the many-runs viewer benchmark: ``benchmarks/serve_many.py --quick`` measures both logdirs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.benchmarks.quick import run_quick
from tests.serve.browser import chromium_or_skip


@pytest.mark.timeout(240)
def test_quick_run_times_many_runs_and_many_tags(tmp_path: Path) -> None:
    chromium_or_skip()
    out = tmp_path / "many.json"
    stdout, payload = run_quick("serve_many.py", out, 230)
    assert "Serving many runs and many tags (--quick)" in stdout and "Targets (issue 13)" in stdout
    results = payload["results"]
    assert len(results) == 2
    for name, result in results.items():
        for key in ("first_chart", "tensorboard"):
            assert "error" not in result[key], (name, result[key])
            assert all(math.isfinite(sample) and sample > 0 for sample in result[key]["samples"])
        assert result["memory_mb"] > 10 and result["tensorboard_memory_mb"] > 10
