"""Smoke test of the benchmark suite: ``benchmarks/run.py --quick`` measures every writer on every operation (the
reading, serving, storage and alerts sections have smoke tests of their own, so they are left out here)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.benchmarks.quick import is_number, run_quick

WRITERS = ("lightboard", "tensorboardX", "torch")
OPERATIONS = {
    "add_scalar_float",
    "add_scalar_tensor",
    "add_histogram",
    "add_text",
    "add_image",
    "add_images",
    "add_video",
    "add_audio",
    "add_pr_curve",
    "add_graph_resnet50",
    "import",
}


@pytest.mark.timeout(320)  # ~40 s on an idle 2-core machine, ~80 s on a loaded one
def test_quick_run_measures_every_operation(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    only = [argument for operation in sorted(OPERATIONS) for argument in ("--only", operation)]
    stdout, payload = run_quick("run.py", out, 300, *only)
    assert "tensorboardX/lightboard" in stdout  # the table was printed
    assert payload["quick"] is True

    results = payload["results"]
    assert OPERATIONS <= set(results), sorted(results)
    assert set(payload["benchmarks"]) == set(results)
    for operation, row in results.items():
        for writer in WRITERS:
            value = row[writer]["value"]
            if value is None and writer != "lightboard":  # a peer may be left out, but never silently
                assert row[writer]["extra"]["error"], (operation, writer, row[writer])
                continue
            assert is_number(value), (operation, writer, row[writer])
            assert math.isfinite(value), (operation, writer, value)
            if row[writer]["calls"]:  # call loops also report the caller-visible time
                assert is_number(row[writer]["caller_us"]), (operation, writer, row[writer])
        own = row["lightboard"]
        assert own["value"] > 0, (operation, own)
        if own["calls"]:
            assert math.isfinite(own["caller_us"]) and own["caller_us"] > 0, (operation, own)

    assert payload["targets"], "the issue's targets were not evaluated"
    for writer in WRITERS:
        assert isinstance(results["import"][writer]["extra"]["torch_imported"], bool)
