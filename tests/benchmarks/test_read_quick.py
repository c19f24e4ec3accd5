"""Smoke test of the reader benchmarks: ``benchmarks/read.py --quick`` measures every reader on tiny logdirs."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.quick import BENCHMARKS, is_number, run_quick

READERS = {
    "lightboard", "lightboard_threads", "lightboard_pandas", "lightboard_pure_python", "event_accumulator", "tbparse",
    "data_server",
}  # fmt: skip
FAST = {"lightboard", "lightboard_threads", "lightboard_pandas", "data_server"}


def load_module() -> ModuleType:
    """``benchmarks/read.py`` as a module."""
    spec = importlib.util.spec_from_file_location("benchmarks_read", BENCHMARKS / "read.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(120)
def test_quick_run_measures_every_reader(tmp_path: Path) -> None:
    out = tmp_path / "read.json"
    stdout, payload = run_quick("read.py", out, 110)
    assert "time/lb" in stdout and "Targets (issue 5):" in stdout, stdout
    assert payload["quick"] is True
    small, large = payload["logdirs"]  # slow readers on the first only, the others on both

    seen = {(result["reader"], result["logdir"]): result for result in payload["results"]}
    assert set(seen) == {(reader, small) for reader in READERS} | {(reader, large) for reader in FAST}
    for (reader, logdir), result in seen.items():
        if result["error"] is not None:  # a peer may be left out (e.g. no data server binary), never silently
            assert reader not in ("lightboard", "lightboard_pandas", "lightboard_pure_python"), result
            assert result["error"].strip(), result
            continue
        assert result["points"] == payload["logdirs"][logdir]["points"], (reader, logdir, result)
        assert is_number(result["seconds"]) and 0 < result["seconds"] < 60, result
        assert math.isfinite(result["events_per_s"]) and result["events_per_s"] > 0, result
        assert is_number(result["peak_bytes"]) and result["peak_bytes"] >= 0, result

    assert len(payload["targets"]) == 2, payload["targets"]
    for target in payload["targets"]:
        assert is_number(target["measured"]) and target["met"] in (True, False), target


@pytest.mark.timeout(60)
def test_run_py_runs_the_read_section_alone(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    stdout, payload = run_quick("run.py", out, 55, "--only", "read")
    assert payload["results"] == {}  # no writer benchmark ran
    assert {result["reader"] for result in payload["read"]["results"]} == READERS
    assert "tensorboardX/lightboard" not in stdout  # nor was the writers' table printed


def test_a_failing_peer_is_reported_not_raised(tmp_path: Path) -> None:
    bench = load_module()
    logdir, warm_up = str(tmp_path / "logdir"), str(tmp_path / "warm_up")
    bench.write_logdir(logdir, bench.QUICK_SMALL)
    bench.write_logdir(warm_up, bench.WARM_UP)
    broken = bench.Reader("not_registered", "a peer whose interpreter fails", bench.load_lightboard)
    result = bench.measure(broken, bench.QUICK_SMALL, logdir, warm_up, repeats=1)
    assert result.error and result.error.startswith("RuntimeError"), result
    assert result.seconds is None and result.points is None

    own = bench.measure(bench.READERS[0], bench.QUICK_SMALL, logdir, warm_up, repeats=2)
    assert own.error is None and own.points == bench.QUICK_SMALL.points and own.repeats == 2
    assert own.seconds == min(own.samples)
