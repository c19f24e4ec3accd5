"""Smoke test of the S3 benchmark: ``benchmarks/storage.py --quick`` measures both writers and both readers on
moto's server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "storage.py"


@pytest.mark.timeout(180)
def test_quick_run_measures_both_writers(tmp_path: Path) -> None:
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    out = tmp_path / "storage.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(out)], capture_output=True, text=True, timeout=170
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Logging to S3 (--quick)" in done.stdout and "[PASS] bytes uploaded" in done.stdout
    payload = json.loads(out.read_text(encoding="utf-8"))
    results = payload["results"]
    ours, theirs = results["lightboard"], results["tensorboardX"]
    assert ours["uploaded"] == ours["stored"] > 0
    assert theirs["stored"] > 0 and theirs["uploaded"] > 5 * theirs["stored"]  # the whole file at every flush
    assert ours["seconds"] > 0 and theirs["seconds"] > 0
    assert "Reading it back from S3" in done.stdout
    for reader in ("lightboard", "TensorBoard"):  # both read every point back (a count short is an error)
        assert payload["reads"][reader]["points"] == payload["steps"], payload["reads"]
