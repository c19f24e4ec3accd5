"""Smoke test of the alerts benchmark: ``benchmarks/alerts.py --quick`` times every configuration and check()."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.quick import is_number, run_quick


@pytest.mark.timeout(180)
def test_quick_run_times_every_configuration(tmp_path: Path) -> None:
    stdout, payload = run_quick("alerts.py", tmp_path / "alerts.json", 170)
    assert "Alerts (--quick)" in stdout and "add_scalar with the default checks <= 1.1x alerts=False" in stdout
    assert set(payload["writer"]) == {"alerts=False", "default (NaN / inf)", "three rules", "Stalled(600)"}
    for result in payload["writer"].values():
        assert is_number(result["best_us"]) and result["best_us"] > 0
        assert len(result["samples"]) == payload["repeats"]
    assert is_number(payload["ratio"]) and payload["ratio"] > 0
    for rules in ("default", "three rules"):
        assert payload["check"][rules]["alerts"] == 0  # the benchmark's values never fire
        assert payload["check"][rules]["seconds"] > 0
