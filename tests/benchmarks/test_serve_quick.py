"""Smoke test of the viewer benchmark: ``benchmarks/serve.py --quick`` times every measurement on small logdirs."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serve.browser import chromium_or_skip

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "serve.py"


@pytest.mark.timeout(180)
def test_quick_run_times_the_viewer_and_tensorboard(tmp_path: Path) -> None:
    chromium_or_skip()
    out = tmp_path / "serve.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Serving scalars (--quick)" in done.stdout and "time to first chart" in done.stdout
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert set(results) == {"first_chart", "tensorboard", "smoothing_redraw"}
    for name, result in results.items():
        assert "error" not in result, (name, result)
        assert result["samples"] and all(math.isfinite(sample) and sample > 0 for sample in result["samples"])
        assert result["best"] == min(result["samples"])
