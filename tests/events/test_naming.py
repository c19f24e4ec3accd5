"""Event file names: ``events.out.tfevents.<10 digits>.<host>.<pid>.<counter><suffix>``, never shared."""

from __future__ import annotations

import itertools
import os
import pathlib
import re
import socket
import subprocess
import sys
import threading
import time
import types

import pytest

from lightboard import FileWriter, SummaryWriter
from lightboard.events import naming
from tests.events.robustness_support import event_files, only_event_file, scalar_tags, scalars, strict_events

pytestmark = pytest.mark.timeout(60)

FIXED_SECS = 1_700_000_000


def name_pattern(suffix: str = "", pid: int | None = None) -> re.Pattern[str]:
    """The expected base name, with groups ``secs`` and ``counter``."""
    return re.compile(
        r"events\.out\.tfevents\.(?P<secs>\d{10})\."
        + re.escape(socket.gethostname())
        + r"\."
        + str(os.getpid() if pid is None else pid)
        + r"\.(?P<counter>\d+)"
        + re.escape(suffix)
    )


def parse_name(path: str, suffix: str = "", pid: int | None = None) -> re.Match[str]:
    """Match ``path``'s base name against :func:`name_pattern` in full (fails the test otherwise)."""
    match = name_pattern(suffix, pid).fullmatch(os.path.basename(path))
    assert match is not None, f"unexpected event file name {os.path.basename(path)!r}"
    return match


def freeze_name_clock(monkeypatch: pytest.MonkeyPatch, secs: float = FIXED_SECS + 0.5) -> None:
    """Make the names lightboard generates carry ``secs`` (only naming's view of the clock changes)."""
    monkeypatch.setattr(naming, "time", types.SimpleNamespace(time=lambda: secs))


def test_name_pattern(tmp_path: pathlib.Path) -> None:
    before = int(time.time())
    with SummaryWriter(tmp_path) as writer:
        path = writer.file_writer.path
    after = int(time.time())
    assert os.path.dirname(path) == str(tmp_path)
    assert only_event_file(tmp_path) == path
    assert before <= int(parse_name(path)["secs"]) <= after


@pytest.mark.parametrize("suffix", ["", ".v2", "-rank0", "_a b", ".λ", ".profile-empty", "..x..", ".tfevents"])
def test_filename_suffix_is_appended_verbatim(tmp_path: pathlib.Path, suffix: str) -> None:
    with SummaryWriter(tmp_path, filename_suffix=suffix) as writer:
        writer.add_scalar("loss", 1.0, 1)
        writer.add_scalars("multi", {"a": 2.0}, 1)
        paths = [w.path for w in writer.all_writers.values()]
    with FileWriter(tmp_path / "fw", filename_suffix=suffix) as file_writer:
        paths.append(file_writer.path)
    assert len(paths) == 3
    for path in paths:
        assert os.path.exists(path)
        parse_name(path, suffix)
        assert len(strict_events(path)) >= 1
    assert scalars(strict_events(paths[0])) == [(1, 1.0)]


def test_two_writers_in_the_same_second_real_clock(tmp_path: pathlib.Path) -> None:
    for _ in range(10):  # retry if the two constructions straddle a second boundary
        first, second = SummaryWriter(tmp_path / "run"), SummaryWriter(tmp_path / "run")
        a, b = first.file_writer.path, second.file_writer.path
        if parse_name(a)["secs"] == parse_name(b)["secs"]:
            break
        first.close()
        second.close()
        for path in (a, b):
            os.unlink(path)
    else:
        pytest.fail("could not open two writers within one second")
    assert a != b
    for step in range(100):
        first.add_scalar("first", step, step)
        second.add_scalar("second", -step, step)
    first.close()
    second.close()
    assert sorted(event_files(tmp_path / "run")) == sorted([a, b])
    assert scalars(strict_events(a)) == [(step, float(step)) for step in range(100)]
    assert scalars(strict_events(b)) == [(step, float(-step)) for step in range(100)]
    assert scalar_tags(strict_events(a)) == {"first"} and scalar_tags(strict_events(b)) == {"second"}


def test_writers_in_the_same_second_frozen_clock(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_name_clock(monkeypatch)
    writers = [SummaryWriter(tmp_path) for _ in range(5)] + [FileWriter(tmp_path) for _ in range(3)]
    paths = [w.file_writer.path if isinstance(w, SummaryWriter) else w.path for w in writers]
    assert len(set(paths)) == 8
    for path in paths:
        assert parse_name(path)["secs"] == str(FIXED_SECS)
    for index, writer in enumerate(writers[:5]):
        writer.add_scalar(f"w{index}", index, index)
    for writer in writers:
        writer.close()
    for index, path in enumerate(paths[:5]):
        assert scalars(strict_events(path)) == [(index, float(index))]
        assert scalar_tags(strict_events(path)) == {f"w{index}"}


def test_an_existing_file_of_the_same_name_is_never_overwritten(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E.g. a file left by a process of the same pid on the same host (containers): skip to a free name."""
    freeze_name_clock(monkeypatch)
    monkeypatch.setattr(naming, "_counter", itertools.count())
    taken = [tmp_path / naming.event_file_name(".x", now=FIXED_SECS) for _ in range(3)]
    for path in taken:
        path.write_bytes(b"somebody else's file")
    monkeypatch.setattr(naming, "_counter", itertools.count())
    with SummaryWriter(tmp_path, filename_suffix=".x") as writer:
        writer.add_scalar("mine", 1.0, 1)
        path = writer.file_writer.path
    assert path not in {str(p) for p in taken}
    assert int(parse_name(path, ".x")["counter"]) == 3
    for other in taken:
        assert other.read_bytes() == b"somebody else's file"
    assert scalars(strict_events(path)) == [(1, 1.0)]


def test_64_writers_in_threads_at_once(tmp_path: pathlib.Path) -> None:
    count, steps = 64, 50
    barrier = threading.Barrier(count)
    paths: dict[int, str] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(10)
            writer = SummaryWriter(tmp_path)
            paths[index] = writer.file_writer.path
            for step in range(steps):
                writer.add_scalar(f"t{index}", index + step, step)
            writer.close()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(paths) == count and len(set(paths.values())) == count
    assert sorted(event_files(tmp_path)) == sorted(paths.values())
    for index, path in paths.items():
        events = strict_events(path)
        assert scalar_tags(events) == {f"t{index}"}
        assert scalars(events) == [(step, float(index + step)) for step in range(steps)]


_PROCESS_SCRIPT = """
import os, sys, time
from lightboard import SummaryWriter
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
with SummaryWriter(sys.argv[1]) as writer:
    for step in range(20):
        writer.add_scalar("pid%d" % os.getpid(), step, step)
    print(writer.file_writer.path)
"""


def test_processes_opening_files_in_one_directory_at_once(tmp_path: pathlib.Path) -> None:
    start = time.time() + 0.5
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_SCRIPT, str(tmp_path), repr(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    paths = {}
    for child in children:
        out, err = child.communicate(timeout=30)
        assert child.returncode == 0, err
        paths[child.pid] = out.strip()
    assert sorted(event_files(tmp_path)) == sorted(paths.values())
    for pid, path in paths.items():
        parse_name(path, pid=pid)
        assert scalars(strict_events(path), f"pid{pid}") == [(step, float(step)) for step in range(20)]
