"""Conformance: ``SummaryWriter(purge_step=...)`` resumes a run the way both TensorBoard loaders expect.

Scenario (tensorboard-format.md §7.4): writer 1 logs ``loss`` and ``other`` at steps 0..99 and closes;
writer 2 opens the same run directory and logs ``loss`` again.

* run ``purged``: writer 2 has ``purge_step=50`` and logs ``loss`` at 50..59. Every loader must show
  ``loss`` at exactly 0..59 (writer 1's points below 50, writer 2's from 50). The Python loader purges
  every tag at the SessionLog START, so ``other`` keeps 0..49; RustBoard only trims series that get
  new data, so ``other`` keeps 0..99.
* run ``resumed``: writer 2 has no ``purge_step`` and logs ``loss`` at 100..109: nothing is purged
  (110 ``loss`` points, 100 ``other`` points) by any loader.

The writers run in a fresh interpreter, so the event files' names (``...<pid>.<counter>``) use counters
0..3 and sort in creation order whatever other tests did in this process (see
:func:`test_event_files_sort_in_creation_order_past_counter_9` for why that matters).
"""

from __future__ import annotations

import glob
import json
import math
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from tensorboard.backend.event_processing import (
    event_accumulator,
    event_file_loader,
    plugin_event_accumulator,
    plugin_event_multiplexer,
)
from tensorboard.util import tensor_util

from lightboard import SummaryWriter
from tests.tensorboard_server import TensorBoardServer

Point = tuple[float, int, float]
"""``(wall_time, step, value)`` with the value already rounded to float32."""

# Replays the writers described on stdin (JSON) and prints the event files each one created, in order.
WRITER_SCRIPT = r"""
import glob, json, os, sys
from lightboard import SummaryWriter

created = {}
for run, writers in json.load(sys.stdin).items():
    names = []
    for spec in writers:
        before = set(glob.glob(os.path.join(run, "*tfevents*")))
        with SummaryWriter(run, purge_step=spec["purge_step"]) as writer:
            for tag, step, value, walltime in spec["points"]:
                writer.add_scalar(tag, value, step, walltime=walltime)
        new = set(glob.glob(os.path.join(run, "*tfevents*"))) - before
        assert len(new) == 1, new
        names.append(os.path.basename(new.pop()))
    created[run] = names
print(json.dumps(created))
"""


def f32(value: float) -> float:
    """``value`` rounded to float32."""
    return float(np.float32(value))


def first_loss(step: int) -> float:
    """Writer 1's ``loss``."""
    return 0.5 * step + 0.1


def second_loss(step: int) -> float:
    """Writer 2's ``loss``: distinct from writer 1's, so the served points show who wrote them."""
    return 1000.0 + step


def other(step: int) -> float:
    """Writer 1's ``other``."""
    return -0.25 * step


def first_wall(step: int) -> float:
    """Writer 1's wall times."""
    return 1_600_000_000.0 + step


def second_wall(step: int) -> float:
    """Writer 2's wall times (later than all of writer 1's)."""
    return 1_600_001_000.0 + step


def writer_specs(purge_step: int | None, resume_steps: range) -> list[dict[str, Any]]:
    """The two writers of one run: what each logs, as JSON for :data:`WRITER_SCRIPT`."""
    first = []
    for step in range(100):
        first.append(["loss", step, first_loss(step), first_wall(step)])
        first.append(["other", step, other(step), first_wall(step)])
    second = [["loss", step, second_loss(step), second_wall(step)] for step in resume_steps]
    return [{"purge_step": None, "points": first}, {"purge_step": purge_step, "points": second}]


def run_writers(specs: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Run :data:`WRITER_SCRIPT` in a fresh interpreter; returns ``{run dir: [event file names in creation order]}``."""
    result = subprocess.run(
        [sys.executable, "-c", WRITER_SCRIPT],
        input=json.dumps(specs),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"writer subprocess failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


@dataclass
class Scenario:
    """The log directory and the points each loader must show."""

    logdir: str
    python: dict[tuple[str, str], list[Point]]
    rust: dict[tuple[str, str], list[Point]]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Runs ``purged`` and ``resumed``, written once for every loader."""
    root = str(tmp_path_factory.mktemp("purge_step"))
    created = run_writers(
        {
            os.path.join(root, "purged"): writer_specs(50, range(50, 60)),
            os.path.join(root, "resumed"): writer_specs(None, range(100, 110)),
        }
    )
    for run, names in created.items():
        on_disk = sorted(os.path.basename(path) for path in glob.glob(os.path.join(run, "*tfevents*")))
        assert on_disk == names, f"{run}: event files must sort in creation order; created {names}, sorted {on_disk}"

    loss_1 = {step: (first_wall(step), step, f32(first_loss(step))) for step in range(100)}
    loss_2 = {step: (second_wall(step), step, f32(second_loss(step))) for step in range(50, 110)}
    others = [(first_wall(step), step, f32(other(step))) for step in range(100)]
    purged_loss = [loss_1[step] for step in range(50)] + [loss_2[step] for step in range(50, 60)]
    resumed_loss = [loss_1[step] for step in range(100)] + [loss_2[step] for step in range(100, 110)]
    python = {
        ("purged", "loss"): purged_loss,
        ("purged", "other"): others[:50],  # the Python loader purges every tag at the START
        ("resumed", "loss"): resumed_loss,
        ("resumed", "other"): others,
    }
    rust = {**python, ("purged", "other"): others}  # RustBoard only trims series that get new data
    return Scenario(root, python, rust)


def describe(points: list[Point]) -> str:
    """Short summary of a series for assertion messages."""
    steps = [step for _, step, _ in points]
    return f"{len(steps)} points, steps {steps[:3]}...{steps[-3:]}"


# -- the Python loader, used directly --------------------------------------------------------------------


def accumulator_points(kind: str, run_dir: str, tag: str) -> list[Point]:
    """``(wall_time, step, value)`` of ``tag`` from a freshly loaded accumulator of ``kind``."""
    if kind == "plugin_event_accumulator":
        accumulator = plugin_event_accumulator.EventAccumulator(
            run_dir, size_guidance={plugin_event_accumulator.TENSORS: 0}
        )
        accumulator.Reload()
        return [
            (event.wall_time, event.step, float(tensor_util.make_ndarray(event.tensor_proto).item()))
            for event in accumulator.Tensors(tag)
        ]
    legacy = event_accumulator.EventAccumulator(run_dir, size_guidance={event_accumulator.SCALARS: 0})
    legacy.Reload()
    return [(event.wall_time, event.step, event.value) for event in legacy.Scalars(tag)]


@pytest.mark.parametrize("kind", ["plugin_event_accumulator", "event_accumulator"])
@pytest.mark.parametrize("run", ["purged", "resumed"])
def test_python_accumulator(scenario: Scenario, kind: str, run: str) -> None:
    for tag in ("loss", "other"):
        points = accumulator_points(kind, os.path.join(scenario.logdir, run), tag)
        expected = scenario.python[run, tag]
        assert points == expected, f"{kind} {run}/{tag}: got {describe(points)}, expected {describe(expected)}"


def test_python_multiplexer(scenario: Scenario) -> None:
    """The multiplexer TensorBoard's Python server uses, over the whole log directory."""
    mux = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"scalars": 0})
    mux.AddRunsFromDirectory(scenario.logdir)
    mux.Reload()
    assert sorted(mux.Runs()) == ["purged", "resumed"]
    for (run, tag), expected in scenario.python.items():
        points = [
            (event.wall_time, event.step, float(tensor_util.make_ndarray(event.tensor_proto).item()))
            for event in mux.Tensors(run, tag)
        ]
        assert points == expected, f"{run}/{tag}: got {describe(points)}, expected {describe(expected)}"


# -- both loaders through TensorBoard's HTTP API -------------------------------------------------------


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast=true", "load_fast=false"])
def server(request: pytest.FixtureRequest, scenario: Scenario) -> Iterator[TensorBoardServer]:
    """TensorBoard on the scenario's log directory, with each loader in turn, fully loaded."""
    with TensorBoardServer(scenario.logdir, load_fast=request.param) as tensorboard:
        tensorboard.wait_for_tags({"scalars": {"purged": {"loss", "other"}, "resumed": {"loss", "other"}}})
        tensorboard.wait_until_stable(
            ("/data/plugin/scalars/scalars", {"run": run, "tag": tag}) for run, tag in scenario.python
        )
        yield tensorboard


@pytest.mark.parametrize("run", ["purged", "resumed"])
@pytest.mark.parametrize("tag", ["loss", "other"])
def test_http(server: TensorBoardServer, scenario: Scenario, run: str, tag: str) -> None:
    served = server.get_json("/data/plugin/scalars/scalars", run=run, tag=tag)
    points = [(wall_time, step, value) for wall_time, step, value in served]
    expected = (scenario.rust if server.load_fast else scenario.python)[run, tag]
    assert points == expected, f"{run}/{tag}: got {describe(points)}, expected {describe(expected)}"


# -- legacy readers read every scalar exactly ----------------------------------------------------------

EXACT_VALUES = [0.1, -3.75, 1e-45, 3.4e38, 16777217.0, math.nan, math.inf, -math.inf, 0.0, 2.0**-20, -1e-8]


@pytest.fixture(scope="module")
def exact_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, list[Point]]]:
    """A run with awkward values and sub-microsecond wall times; returns it and ``{tag: points}``."""
    run = str(tmp_path_factory.mktemp("exact"))
    expected: dict[str, list[Point]] = {}
    with SummaryWriter(run, alerts=False) as writer:  # scalars only: no alert for the NaN
        for step, value in enumerate(EXACT_VALUES * 20):
            for tag, sign in (("a", 1), ("b/c", -1)):
                walltime = 1_712_345_678.123456789 + step * 0.001001 + (sign < 0) * 1e-7
                writer.add_scalar(tag, sign * value, 10 * step, walltime=walltime)
                expected.setdefault(tag, []).append((walltime, 10 * step, f32(sign * value)))
        writer.add_scalar("a", 7.0, 2**40, walltime=1_712_400_000.5)  # a step beyond int32
        expected["a"].append((1_712_400_000.5, 2**40, 7.0))
    return run, expected


def same_points(got: list[Point], expected: list[Point]) -> bool:
    """Exact equality, NaN equal to NaN."""
    return len(got) == len(expected) and all(
        g[0] == e[0] and g[1] == e[1] and (g[2] == e[2] or (math.isnan(g[2]) and math.isnan(e[2])))
        for g, e in zip(got, expected, strict=True)
    )


def test_legacy_event_accumulator_exact(exact_run: tuple[str, dict[str, list[Point]]]) -> None:
    run, expected = exact_run
    accumulator = event_accumulator.EventAccumulator(run, size_guidance={event_accumulator.SCALARS: 0})
    accumulator.Reload()
    assert sorted(accumulator.Tags()["scalars"]) == sorted(expected)
    for tag, points in expected.items():
        events = accumulator.Scalars(tag)
        got = [(event.wall_time, event.step, event.value) for event in events]
        assert all(type(event.wall_time) is float for event in events)  # float64, not rounded to float32
        assert same_points(got, points), tag


def test_event_file_loader_exact(exact_run: tuple[str, dict[str, list[Point]]]) -> None:
    run, expected = exact_run
    (path,) = glob.glob(os.path.join(run, "*tfevents*"))
    events = list(event_file_loader.EventFileLoader(path).Load())
    assert events[0].file_version == "brain.Event:2"
    assert not any(event.HasField("session_log") for event in events)  # no START without purge_step
    got: dict[str, list[Point]] = {}
    for event in events[1:]:
        for value in event.summary.value:
            # EventFileLoader migrates simple_value to a rank-0 float32 tensor of the scalars plugin.
            assert value.metadata.plugin_data.plugin_name == "scalars"
            array = tensor_util.make_ndarray(value.tensor)
            assert array.dtype == np.float32 and array.shape == ()
            got.setdefault(value.tag, []).append((event.wall_time, event.step, float(array)))
    assert sorted(got) == sorted(expected)
    for tag, points in expected.items():
        assert same_points(got[tag], points), tag


def test_purge_step_file_starts_with_two_session_starts(scenario: Scenario) -> None:
    """§7.6: the resumed file starts with its header, then two SessionLog STARTs at the purge step."""
    run = os.path.join(scenario.logdir, "purged")
    first, second = sorted(glob.glob(os.path.join(run, "*tfevents*")))
    starts = [
        event.step
        for event in event_file_loader.LegacyEventFileLoader(second).Load()
        if event.HasField("session_log") and event.session_log.status == event.session_log.START
    ]
    assert starts == [50, 50]
    assert not any(event.HasField("session_log") for event in event_file_loader.LegacyEventFileLoader(first).Load())


# -- file order --------------------------------------------------------------------------------------------

ROLLOVER_SCRIPT = r"""
import json, os, sys, time
from lightboard import SummaryWriter

root = sys.argv[1]
for i in range(9):  # nine earlier event files in this process (e.g. add_scalars sub-runs): counters 0..8
    SummaryWriter(os.path.join(root, "scratch", str(i))).close()
time.sleep(1.02 - time.time() % 1)  # start of a second: both files below get the same timestamp
run = os.path.join(root, "run")
names = []
for purge_step, steps, offset in ((None, range(100), 0.0), (50, range(50, 60), 1000.0)):  # counters 9, 10
    before = set(os.listdir(run)) if os.path.isdir(run) else set()
    with SummaryWriter(run, purge_step=purge_step) as writer:
        for step in steps:
            writer.add_scalar("loss", offset + step, step, walltime=1e9 + offset + step)
    (new,) = set(os.listdir(run)) - before
    names.append(new)
print(json.dumps(names))
"""


def test_event_files_sort_in_creation_order_past_counter_9(tmp_path: pathlib.Path) -> None:
    """A resume in the same second as the previous file must still sort after it.

    Both loaders read a run's files in lexicographic order (§3.2), and purge_step only works if the
    resumed file is read last. With names ``...<pid>.<counter>`` the counter is compared as a string,
    so the 11th file a process opens (``.10``) sorts before the 10th (``.9``).
    """
    result = subprocess.run(
        [sys.executable, "-c", ROLLOVER_SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"writer subprocess failed:\n{result.stdout}\n{result.stderr}"
    created = json.loads(result.stdout)
    stamps = {name.split(".")[3] for name in created}
    assert len(stamps) == 1, f"precondition: both files must be opened in the same second, got {created}"
    run = os.path.join(str(tmp_path), "run")
    points = accumulator_points("plugin_event_accumulator", run, "loss")
    assert sorted(os.listdir(run)) == created, (
        f"event files sort out of creation order: created {created}, read in order {sorted(os.listdir(run))}; "
        f"the Python loader then shows {describe(points)} for loss instead of 60 (0..59)"
    )
    assert [step for _, step, _ in points] == list(range(60))
