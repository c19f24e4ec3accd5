"""Smoke test of the S3 benchmark: ``benchmarks/storage.py --quick`` measures both writers and both readers on
moto's server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.quick import run_quick


@pytest.mark.timeout(180)
def test_quick_run_measures_both_writers(tmp_path: Path) -> None:
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    out = tmp_path / "storage.json"
    stdout, payload = run_quick("storage.py", out, 170)
    assert "Logging to S3 (--quick)" in stdout and "[PASS] bytes uploaded" in stdout
    results = payload["results"]
    ours, theirs = results["lightboard"], results["tensorboardX"]
    assert ours["uploaded"] == ours["stored"] > 0
    assert theirs["stored"] > 0 and theirs["uploaded"] > 5 * theirs["stored"]  # the whole file at every flush
    assert ours["seconds"] > 0 and theirs["seconds"] > 0
    assert "Reading it back from S3" in stdout
    for reader in ("lightboard", "TensorBoard"):  # both read every point back (a count short is an error)
        assert payload["reads"][reader]["points"] == payload["steps"], payload["reads"]
    assert "First read of a run of 100 segments" in stdout
    segments = payload["segments"]
    for way in ("one at a time", "10 connections", "now"):  # every point, one GET per segment (+ listings)
        assert segments["reads"][way]["points"] == segments["count"] == 100, segments
        assert 100 <= segments["reads"][way]["requests"] <= 104, segments
    assert segments["reads"]["one at a time"]["in_flight"] == 1
    assert segments["reads"]["10 connections"]["in_flight"] <= 10 < segments["reads"]["now"]["in_flight"]
