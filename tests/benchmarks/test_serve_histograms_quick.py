"""Smoke test of the histograms viewer benchmark: ``benchmarks/serve_histograms.py --quick`` times lightboard's
distributions and histograms dashboards and TensorBoard serving the same tag."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.benchmarks.quick import is_number, run_quick
from tests.serve.browser import chromium_or_skip


@pytest.mark.timeout(300)
def test_quick_run_times_both_dashboards_and_tensorboard(tmp_path: Path) -> None:
    chromium_or_skip()
    out = tmp_path / "histograms.json"
    stdout, payload = run_quick("serve_histograms.py", out, 290)
    assert "Serving histograms (--quick)" in stdout and "TensorBoard / lightboard" in stdout
    results = payload["results"]
    for key in (
        "distributions_first", "distributions_card", "histograms_first", "histograms_card",
        "tensorboard_distributions", "tensorboard_histograms",
    ):  # fmt: skip
        assert "error" not in results[key], (key, results[key])
        assert all(is_number(sample) and math.isfinite(sample) and sample > 0 for sample in results[key]["samples"])
    assert results["shown"] == {"distributions": "300 of 300 steps shown", "histograms": "60 of 300 steps shown"}
    assert 0 < results["tensorboard_steps_served"] < 300
