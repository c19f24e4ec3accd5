"""SIGKILL a logging process at random moments: what ``flush()`` promised is on disk, and every file loads.

The child reports, on a pipe, each step count *after* ``flush()`` returned (a write of a few bytes to a
pipe is atomic). After the kill, the event file must parse with both checksums verified, contain every
reported step exactly once and in order, and load with TensorBoard's own ``EventFileLoader``.

A torn *final* record is tolerated (and only as the very last bytes): lightboard hands each batch to the
kernel in a single ``os.write``, but Linux checks for a fatal signal between the pages of a large write,
so SIGKILL can cut a multi-page write short. TensorBoard's loader skips such a tail.
"""

from __future__ import annotations

import pathlib
import random
import signal
import subprocess
import sys

import pytest
from tensorboard.compat.proto.event_pb2 import Event

from tests.events.robustness_support import FILE_VERSION, event_files, read_records, scalars, tensorboard_events

pytestmark = pytest.mark.timeout(120)

_LOGGING_CHILD = r"""
import os, sys, time
from lightboard import SummaryWriter

logdir = sys.argv[1]
every, max_queue, flush_secs, blob = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
writer = SummaryWriter(logdir, max_queue=max_queue, flush_secs=flush_secs)
text = "x" * blob
pause = every * 2e-5 + (every * 1e-4 if blob else 0.0)  # keeps files small enough for TensorBoard's slow reader
os.write(1, b"ready\n")
step = 0
while True:
    writer.add_scalar("loss", (step % 4096) * 0.25, step)
    if blob and step % 16 == 0:
        writer.add_text("blob", text + str(step), step)
    step += 1
    if step % every == 0:
        writer.flush()
        os.write(1, b"%d\n" % step)
        time.sleep(pause)
"""

# (flush every K steps, max_queue, flush_secs, size of a text event every 16 steps or 0)
_CONFIGS = [
    (1, 10, 120.0, 0),  # flush after every step
    (7, 10, 120.0, 0),  # the default queue, short flush intervals
    (50, 1, 0.001, 0),  # the writer thread writes all the time, racing flush()
    (500, 10**6, 120.0, 0),  # only flush() (and back-pressure) write
    (100, 10**6, 0.01, 0),  # flush_secs deadlines
    (10, 3, 120.0, 9000),  # multi-page records and writes
]


def last_flushed(output: bytes) -> int:
    """The last step count the child reported after a ``flush()`` returned (0 if none)."""
    lines = output.split(b"\n")[:-1]  # a line without its newline was cut short: ignore it
    counts = [int(line) for line in lines if line.isdigit()]
    assert counts == sorted(counts)
    return counts[-1] if counts else 0


def check_killed_file(path: str, flushed: int, blob: int) -> bool:
    """Check one event file of a killed child; return whether it ended in a torn record."""
    records = read_records(path)  # raises on any checksum mismatch
    events = [Event.FromString(payload) for payload in records.payloads]
    assert events and events[0].file_version == FILE_VERSION, f"{path}: no file_version record"
    logged = scalars(events, "loss")
    assert [step for step, _ in logged] == list(range(len(logged))), f"{path}: steps missing or repeated"
    assert all(value == (step % 4096) * 0.25 for step, value in logged)
    assert len(logged) >= flushed, f"{path}: flush() returned after step {flushed} but only {len(logged)} on disk"
    if blob:
        texts = [e.step for e in events if e.summary.value and e.summary.value[0].tag.startswith("blob")]
        assert texts == list(range(0, 16 * len(texts), 16))
        assert len(texts) >= (flushed + 15) // 16
    loaded = tensorboard_events(path)
    assert len(loaded) == len(events), f"{path}: TensorBoard read {len(loaded)} events, the strict reader {len(events)}"
    return bool(records.tail)


def kill_at_random(logdir: pathlib.Path, config: tuple[int, int, float, int], delay: float) -> int:
    """Start the logging child, SIGKILL it ``delay`` seconds after its writer exists; return its last flushed step."""
    every, max_queue, flush_secs, blob = config
    child = subprocess.Popen(
        [sys.executable, "-c", _LOGGING_CHILD, str(logdir), str(every), str(max_queue), str(flush_secs), str(blob)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    try:
        ready = child.stdout.readline()
        if ready != b"ready\n":
            child.kill()
            _, err = child.communicate(timeout=10)
            pytest.fail(f"child did not start: {ready!r} {err.decode(errors='replace')}")
        try:
            out, err = child.communicate(timeout=delay)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            out, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == -signal.SIGKILL, f"child ended by itself ({child.returncode}): {err.decode()}"
    return last_flushed(out)


def test_sigkill_at_random_moments(tmp_path: pathlib.Path) -> None:
    rng = random.Random(20240229)
    torn = 0
    flushed_total = 0
    for attempt in range(30):
        config = _CONFIGS[attempt % len(_CONFIGS)]
        logdir = tmp_path / f"kill{attempt}"
        flushed = kill_at_random(logdir, config, rng.uniform(0.0, 0.1))
        flushed_total += flushed
        files = event_files(logdir)
        assert len(files) == 1, files
        torn += check_killed_file(files[0], flushed, config[3])
    assert flushed_total > 0, "no kill came after a flush: the test checked nothing"
    # Torn tails are legitimate only after SIGKILL cut a multi-page write; report how many were seen.
    print(f"{torn} of 30 killed files ended in a torn record")


_REOPENING_CHILD = r"""
import os, sys
from lightboard import SummaryWriter

logdir = sys.argv[1]
os.write(1, b"ready\n")
run = 0
while True:
    with SummaryWriter(logdir, filename_suffix=".run%06d" % run) as writer:
        for step in range(50):
            writer.add_scalar("loss", step, step)
    os.write(1, b"%d\n" % run)
    run += 1
"""


def test_sigkill_while_opening_and_closing_files(tmp_path: pathlib.Path) -> None:
    """Kills that land in file creation, the first record, the last write or fsync of ``close()``."""
    rng = random.Random(7)
    for attempt in range(8):
        logdir = tmp_path / f"kill{attempt}"
        child = subprocess.Popen(
            [sys.executable, "-c", _REOPENING_CHILD, str(logdir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        assert child.stdout.readline() == b"ready\n"
        try:
            out, err = child.communicate(timeout=rng.uniform(0.0, 0.15))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            out, err = child.communicate(timeout=10)
        assert child.returncode == -signal.SIGKILL, err.decode()
        closed_runs = int(out.split(b"\n")[-2]) + 1 if out.count(b"\n") else 0
        files = event_files(logdir)
        assert len(files) in (closed_runs, closed_runs + 1)
        for path in files:
            run = int(path.rsplit(".run", 1)[1])
            loaded = tensorboard_events(path)
            records = read_records(path)
            if run < closed_runs:
                assert records.tail == b"" and len(records.payloads) == 51, path
                assert [step for step, _ in scalars([Event.FromString(p) for p in records.payloads])] == list(range(50))
            else:  # the file being written at the kill: anything from empty to complete, but no corruption
                assert run == closed_runs and len(records.payloads) <= 51
            assert len(loaded) == len(records.payloads)


def test_os_exit_right_after_flush_loses_nothing(tmp_path: pathlib.Path) -> None:
    """``os._exit`` skips every exit hook: what ``flush()`` wrote must already be in the file."""
    code = (
        "import os, sys\nfrom lightboard import SummaryWriter\n"
        "w = SummaryWriter(sys.argv[1])\n"
        "for step in range(1234): w.add_scalar('loss', (step % 4096) * 0.25, step)\n"
        "w.flush()\nos._exit(0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    (path,) = event_files(tmp_path)
    assert not check_killed_file(path, 1234, 0)
    assert len(read_records(path).payloads) == 1 + 1234
