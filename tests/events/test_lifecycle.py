"""Exit-time and garbage-collection paths: late logging, orphaned files, multiprocessing children."""

from __future__ import annotations

import glob
import multiprocessing
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader

from lightboard import SummaryWriter
from lightboard.file_writer import FileWriter, _close_quietly

pytestmark = pytest.mark.timeout(60)


def steps_of(run: pathlib.Path, tag: str) -> list[int]:
    """Steps of ``tag`` in every event file of ``run``."""
    return [
        event.step
        for path in sorted(glob.glob(str(run / "events.out.tfevents.*")))
        for event in LegacyEventFileLoader(path).Load()
        for value in event.summary.value
        if value.tag == tag
    ]


def test_logging_from_an_atexit_hook_that_runs_after_lightboards(tmp_path: pathlib.Path) -> None:
    script = textwrap.dedent(
        f"""
        import atexit
        writer = None
        def last_words():
            writer.add_scalar("final", 1.0, 99)
            writer.close()
        atexit.register(last_words)  # registered first, so it runs after lightboard's own hook
        from lightboard import SummaryWriter
        writer = SummaryWriter({str(tmp_path)!r})
        writer.add_scalar("loss", 0.5, 1)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert steps_of(tmp_path, "loss") == [1]
    assert steps_of(tmp_path, "final") == [99]


def test_a_finalizer_never_blocks_on_a_busy_file(tmp_path: pathlib.Path) -> None:
    writer = FileWriter(tmp_path)
    file = writer._file
    file.add(b"")  # something queued
    with file._io_lock:  # as if the writer thread were writing it when the garbage collector ran
        started = time.monotonic()
        _close_quietly(file)
        assert time.monotonic() - started < 0.5
        assert not file.closed
    deadline = time.monotonic() + 30
    while not file.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert file.closed  # the writer thread closed the orphan


def _child_without_parent_writer(logdir: str) -> None:
    writer = SummaryWriter(logdir)
    for step in range(5):
        writer.add_scalar("x", 1.0, step)
    # no close(): multiprocessing children leave through os._exit


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_multiprocessing_child_whose_parent_never_had_a_writer(tmp_path: pathlib.Path, method: str) -> None:
    context = multiprocessing.get_context(method)
    process = context.Process(target=_child_without_parent_writer, args=(str(tmp_path),))
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert steps_of(tmp_path, "x") == [0, 1, 2, 3, 4]
