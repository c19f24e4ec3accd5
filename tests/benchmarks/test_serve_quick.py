"""Smoke test of the viewer benchmark: ``benchmarks/serve.py --quick`` times every measurement on small logdirs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.benchmarks.quick import run_quick
from tests.serve.browser import chromium_or_skip


@pytest.mark.timeout(180)
def test_quick_run_times_the_viewer_and_tensorboard(tmp_path: Path) -> None:
    chromium_or_skip()
    out = tmp_path / "serve.json"
    stdout, payload = run_quick("serve.py", out, 170)
    assert "Serving scalars (--quick)" in stdout and "time to first chart" in stdout
    results = payload["results"]
    assert set(results) == {"first_chart", "tensorboard", "smoothing_redraw"}
    for name, result in results.items():
        assert "error" not in result, (name, result)
        assert result["samples"] and all(math.isfinite(sample) and sample > 0 for sample in result["samples"])
        assert result["best"] == min(result["samples"])
