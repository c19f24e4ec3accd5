"""Shared by the benchmark smoke tests: run a script of ``benchmarks/`` with ``--quick --json`` and read its numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run_quick(script: str, out: Path, timeout: float, *arguments: str) -> tuple[str, dict[str, Any]]:
    """``benchmarks/<script> --quick [arguments] --json out``: (its stdout, the numbers it dumped). The run must
    succeed within ``timeout`` seconds (a guard against a hang, not a timing)."""
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", *arguments, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(out.read_text(encoding="utf-8"))


def is_number(value: object) -> bool:
    """A real int or float (not a bool, not None)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
