"""Importing lightboard is cheap: no torch, numpy or protobuf for ``import lightboard``, no torch for the writer."""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
RUNS = 7
BOUND_S = 0.1
HEAVY = ("torch", "numpy", "google.protobuf")

# Times one import statement in a fresh interpreter (the CPU time it takes: the work an import does, which a
# busy machine does not inflate as it does wall-clock time) and lists the heavy modules loaded before and after it.
PROBE = r"""
import json
import sys
import time

heavy = {heavy!r}


def loaded():
    return sorted(name for name in sys.modules if any(name == h or name.startswith(h + ".") for h in heavy))


before = loaded()
start = time.process_time()
{statement}
elapsed = time.process_time() - start
print(json.dumps({{"elapsed": elapsed, "before": before, "after": loaded()}}))
"""


def probe(statement: str) -> dict:
    """Run ``statement`` in a fresh interpreter with lightboard's ``src`` first on the path; its timing and modules."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]))
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY, statement=statement)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def heavy_roots(modules: list[str]) -> set[str]:
    """Which of ``HEAVY`` the module names belong to."""
    return {h for h in HEAVY for name in modules if name == h or name.startswith(h + ".")}


@pytest.mark.parametrize(
    ("statement", "forbidden"),
    [
        ("import lightboard", {"torch", "numpy", "google.protobuf"}),
        ("from lightboard import SummaryWriter", {"torch"}),
    ],
)
def test_import_is_fast_and_light(statement: str, forbidden: set[str]) -> None:
    """Median import CPU time over several fresh interpreters is under 0.1 s and nothing forbidden loads."""
    if "torch" in forbidden:
        assert importlib.util.find_spec("torch") is not None, (
            "torch is not installed here (requirements-dev.txt installs it), so this would prove nothing"
        )
    results = [probe(statement) for _ in range(RUNS)]
    preloaded = heavy_roots(results[0]["before"]) & forbidden
    assert not preloaded, f"{sorted(preloaded)} already loaded at interpreter start-up, before {statement!r}"
    for result in results:
        loaded = heavy_roots(result["after"]) & forbidden
        assert not loaded, f"{statement!r} imported {sorted(loaded)}: {result['after']}"
    times = sorted(result["elapsed"] for result in results)
    median = statistics.median(times)
    assert median < BOUND_S, f"{statement!r}: median {median * 1000:.1f} ms of CPU over {RUNS} runs ({times})"
