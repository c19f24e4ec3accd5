"""The durability promises: ``flush()``, ``flush_secs``, the first record, close/reopen, and exit paths.

Every file is read back from disk *while the writer is still open* (unless the test is about closing),
with a strict reader that checks both checksums of every record and allows no partial record.
"""

from __future__ import annotations

import gc
import os
import pathlib
import random
import struct
import threading
import time

import pytest

import lightboard
from lightboard import FileWriter, SummaryWriter
from lightboard.proto.event_pb2 import Event as LbEvent
from lightboard.proto.summary_pb2 import Summary as LbSummary
from tests.events.robustness_support import (
    FILE_VERSION,
    event_files,
    masked_crc,
    only_event_file,
    open_fds_to,
    run_python,
    scalar_tags,
    scalars,
    strict_events,
    tensorboard_events,
    value_of,
)

pytestmark = pytest.mark.timeout(60)



def expected(count: int, start: int = 0) -> list[tuple[int, float]]:
    """``(step, value)`` of ``count`` scalars logged at consecutive steps from ``start``."""
    return [(step, value_of(step)) for step in range(start, start + count)]


class RecordTail:
    """Reads the records appended to a growing event file since the last call (checksums verified)."""

    def __init__(self, path: str) -> None:
        self._stream = open(path, "rb")
        self._buffer = b""

    def new_records(self) -> tuple[int, int]:
        """``(complete records appended since the last call, bytes of a trailing partial record)``."""
        self._buffer += self._stream.read()
        data, offset, count = self._buffer, 0, 0
        while len(data) - offset >= 12:
            length_bytes = data[offset : offset + 8]
            assert struct.unpack_from("<I", data, offset + 8)[0] == masked_crc(length_bytes)
            (length,) = struct.unpack("<Q", length_bytes)
            stop = offset + 12 + length
            if stop + 4 > len(data):
                break
            assert struct.unpack_from("<I", data, stop)[0] == masked_crc(data[offset + 12 : stop])
            offset, count = stop + 4, count + 1
        self._buffer = data[offset:]
        return count, len(self._buffer)

    def close(self) -> None:
        """Close the file."""
        self._stream.close()


# -- flush() ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 9, 10, 11, 1000, 100_000])
def test_flush_puts_exactly_the_logged_scalars_on_disk(tmp_path: pathlib.Path, count: int) -> None:
    writer = SummaryWriter(tmp_path)
    try:
        for step in range(count):
            writer.add_scalar("loss", value_of(step), step)
        writer.flush()
        events = strict_events(only_event_file(tmp_path))
        assert len(events) == count + 1
        assert scalars(events[1:], "loss") == expected(count)
    finally:
        writer.close()


@pytest.mark.parametrize("max_queue", [1, 10**9])
def test_flush_with_extreme_queue_sizes(tmp_path: pathlib.Path, max_queue: int) -> None:
    """max_queue=1 keeps the writer thread racing ``flush``; a huge one leaves all to back-pressure/flush."""
    writer = SummaryWriter(tmp_path, max_queue=max_queue)
    try:
        for step in range(20_000):
            writer.add_scalar("loss", value_of(step), step)
        writer.flush()
        assert scalars(strict_events(only_event_file(tmp_path)), "loss") == expected(20_000)
    finally:
        writer.close()


def test_flush_of_mixed_event_kinds(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, max_queue=3)
    try:
        for step in range(50):
            writer.add_scalar("loss", value_of(step), step)
            writer.add_text("note", f"step {step} " + "x" * (step * 97), step)
            writer.add_histogram("weights", [step, step + 1.5, -2.0], step)
        writer.flush()
        events = strict_events(only_event_file(tmp_path))
        assert len(events) == 1 + 150
        assert scalars(events, "loss") == expected(50)
        assert [e.step for e in events if e.summary.value and e.summary.value[0].tag.startswith("note")] == list(
            range(50)
        )
        assert [e.step for e in events if e.summary.value and e.summary.value[0].tag == "weights"] == list(range(50))
    finally:
        writer.close()


def test_every_flush_leaves_exactly_what_was_logged(tmp_path: pathlib.Path) -> None:
    """Many small batches with the writer thread busy (tiny max_queue and flush_secs) racing each flush."""
    rng = random.Random(1234)
    writer = SummaryWriter(tmp_path, max_queue=3, flush_secs=0.001)
    tail = RecordTail(writer.file_writer.path)
    try:
        assert tail.new_records() == (1, 0)
        step = 0
        for _ in range(300):
            batch = rng.choice([1, 1, 2, 3, 4, 7, 40])
            for _ in range(batch):
                writer.add_scalar("loss", value_of(step), step)
                step += 1
            writer.flush()
            assert tail.new_records() == (batch, 0)
        assert scalars(strict_events(only_event_file(tmp_path)), "loss") == expected(step)
    finally:
        tail.close()
        writer.close()


def test_flush_covers_every_sub_run_of_add_scalars(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path)
    try:
        for step in range(25):
            writer.add_scalars("multi", {"a": value_of(step), "b": value_of(step + 1)}, step)
        writer.flush()
        for key, shift in (("a", 0), ("b", 1)):
            events = strict_events(only_event_file(tmp_path / "multi" / key))
            assert [(s, v) for s, v in scalars(events)] == [(s, value_of(s + shift)) for s in range(25)]
    finally:
        writer.close()


def test_events_reach_disk_within_flush_secs_without_flush(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, flush_secs=1, max_queue=10**6)
    try:
        path = only_event_file(tmp_path)
        start = time.monotonic()
        for step in range(5):
            writer.add_scalar("loss", value_of(step), step)
        deadline = start + 5
        while time.monotonic() < deadline:
            if len(scalars(strict_events(path))) == 5:
                break
            time.sleep(0.02)
        waited = time.monotonic() - start
        assert scalars(strict_events(path), "loss") == expected(5), f"not on disk {waited:.2f}s after logging"
        assert waited < 3.5, f"flush_secs=1 but the events took {waited:.2f}s"
    finally:
        writer.close()


def test_file_writer_flush_secs_without_flush(tmp_path: pathlib.Path) -> None:
    writer = FileWriter(tmp_path, max_queue=10**6, flush_secs=0.2)
    try:
        writer.add_summary(LbSummary(value=[LbSummary.Value(tag="t", simple_value=1.5)]), 3)
        deadline = time.monotonic() + 30  # a bound on the wait only: flush_secs=0.2 needs far less
        while time.monotonic() < deadline and len(strict_events(writer.path)) < 2:
            time.sleep(0.02)
        assert scalars(strict_events(writer.path)) == [(3, 1.5)]
    finally:
        writer.close()


# -- the first record -------------------------------------------------------------------------------


def test_file_version_record_is_on_disk_right_after_construction(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path)
    try:
        events = strict_events(only_event_file(tmp_path))
        assert len(events) == 1
        assert events[0].file_version == FILE_VERSION
        assert tensorboard_events(only_event_file(tmp_path))[0].file_version == FILE_VERSION
    finally:
        writer.close()


def test_purge_step_records_are_on_disk_right_after_construction(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, purge_step=42)
    try:
        events = strict_events(only_event_file(tmp_path))
        assert [e.file_version for e in events] == [FILE_VERSION, "", ""]
        assert [(e.step, e.session_log.status) for e in events[1:]] == [(42, 1), (42, 1)]
    finally:
        writer.close()


# -- close / reopen ---------------------------------------------------------------------------------


def test_close_twice_and_flush_after_close_are_harmless(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path)
    writer.add_scalar("loss", 1.0, 1)
    writer.close()
    writer.close()
    writer.flush()  # tensorboardX ignores flush() on a closed writer
    writer.close()
    assert scalars(strict_events(only_event_file(tmp_path))) == [(1, 1.0)]

    file_writer = FileWriter(tmp_path / "fw")
    file_writer.close()
    file_writer.close()


def test_close_leaves_no_descriptor_open(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path)
    writer.add_scalars("multi", {"a": 1.0, "b": 2.0}, 1)
    paths = [w.path for w in writer.all_writers.values()]
    assert all(open_fds_to(path) for path in paths)
    writer.close()
    assert not any(open_fds_to(path) for path in paths)


def test_add_after_close_opens_a_new_file(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", 1.0, 1)
    first = only_event_file(tmp_path)
    first_bytes = pathlib.Path(first).read_bytes()
    writer.add_scalar("loss", 2.0, 2)
    writer.flush()
    files = event_files(tmp_path)
    assert len(files) == 2 and first in files
    second = next(path for path in files if path != first)
    assert pathlib.Path(first).read_bytes() == first_bytes
    assert scalars(strict_events(second)) == [(2, 2.0)]
    writer.close()
    assert scalars(strict_events(second)) == [(2, 2.0)]


def test_file_writer_reopen(tmp_path: pathlib.Path) -> None:
    writer = FileWriter(tmp_path)
    first = writer.path
    writer.reopen()  # no-op while open
    assert writer.path == first
    writer.add_event(LbEvent(summary=LbSummary(value=[LbSummary.Value(tag="t", simple_value=1.0)])), step=1)
    writer.close()
    writer.reopen()
    second = writer.path
    assert second != first and os.path.dirname(second) == os.path.dirname(first)
    writer.add_event(LbEvent(summary=LbSummary(value=[LbSummary.Value(tag="t", simple_value=2.0)])), step=2)
    writer.flush()
    assert scalars(strict_events(second)) == [(2, 2.0)]
    writer.close()
    assert scalars(strict_events(first)) == [(1, 1.0)]
    assert scalars(strict_events(second)) == [(2, 2.0)]
    assert sorted(event_files(tmp_path)) == sorted([first, second])


# -- writers that are never closed ------------------------------------------------------------------


def test_summary_writer_dropped_without_close_writes_its_events(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, max_queue=10**6, flush_secs=120)
    for step in range(500):
        writer.add_scalar("loss", value_of(step), step)
    writer.add_scalars("multi", {"a": 1.0}, 3)
    main_path = writer.file_writer.path
    sub_path = writer.all_writers[str(tmp_path / "multi" / "a")].path
    del writer
    gc.collect()
    assert scalars(strict_events(main_path), "loss") == expected(500)
    assert scalars(strict_events(sub_path)) == [(3, 1.0)]
    assert not open_fds_to(main_path) and not open_fds_to(sub_path)


def test_file_writer_dropped_without_close_writes_its_events(tmp_path: pathlib.Path) -> None:
    writer = FileWriter(tmp_path, max_queue=10**6, flush_secs=120)
    for step in range(20):
        writer.add_summary(LbSummary(value=[LbSummary.Value(tag="t", simple_value=value_of(step))]), step)
    path = writer.path
    del writer
    gc.collect()
    assert scalars(strict_events(path)) == expected(20)
    assert not open_fds_to(path)


def test_many_dropped_writers_in_threads(tmp_path: pathlib.Path) -> None:
    def log(index: int) -> None:
        writer = SummaryWriter(tmp_path / str(index), max_queue=10**6)
        for step in range(100):
            writer.add_scalar("loss", value_of(step), step)

    threads = [threading.Thread(target=log, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    gc.collect()
    for index in range(16):
        assert scalars(strict_events(only_event_file(tmp_path / str(index)))) == expected(100)


_EXIT_SCRIPT = """
import sys, threading
from lightboard import SummaryWriter

logdir, mode = sys.argv[1], sys.argv[2]
writer = SummaryWriter(logdir, max_queue=10**6, flush_secs=120)
for step in range(1000):
    writer.add_scalar("loss", (step % 4096) * 0.25, step)
writer.add_scalars("multi", {"a": 1.0, "b": 2.0}, 7)
if mode == "raise":
    raise RuntimeError("boom from the training loop")
if mode == "exit":
    sys.exit(3)
if mode == "thread":
    def more():
        for step in range(1000, 2000):
            writer.add_scalar("loss", (step % 4096) * 0.25, step)
    threading.Thread(target=more).start()
if mode == "daemon":
    def forever():
        step = 0
        while True:
            try:
                writer.add_scalar("spin", 0.0, step)
            except Exception:
                return
            step += 1
    threading.Thread(target=forever, daemon=True).start()
"""


@pytest.mark.parametrize(
    ("mode", "returncode", "count"),
    [("normal", 0, 1000), ("raise", 1, 1000), ("exit", 3, 1000), ("thread", 0, 2000), ("daemon", 0, 1000)],
)
def test_writer_left_open_at_interpreter_exit(tmp_path: pathlib.Path, mode: str, returncode: int, count: int) -> None:
    start = time.monotonic()
    result = run_python(_EXIT_SCRIPT, str(tmp_path), mode, timeout=30)
    elapsed = time.monotonic() - start
    assert result.returncode == returncode, result.stderr
    assert elapsed < 15, f"exit took {elapsed:.1f}s (waiting for flush_secs?)"
    assert "could not close" not in result.stderr
    if mode == "raise":
        assert "boom from the training loop" in result.stderr
    events = strict_events(only_event_file(tmp_path))
    assert scalars(events, "loss") == expected(count)
    if mode == "daemon":
        steps = [step for step, _ in scalars(events, "spin")]
        assert steps == list(range(len(steps)))  # whatever the daemon got in, in order, nothing torn
    else:
        assert scalar_tags(events) == {"loss"}
    for key, value in (("a", 1.0), ("b", 2.0)):
        assert scalars(strict_events(only_event_file(tmp_path / "multi" / key))) == [(7, value)]
    assert len(tensorboard_events(only_event_file(tmp_path))) == len(events)


def test_exit_is_prompt_with_a_huge_flush_secs_and_nothing_logged(tmp_path: pathlib.Path) -> None:
    code = "import sys; from lightboard import SummaryWriter; SummaryWriter(sys.argv[1], flush_secs=10**6)"
    start = time.monotonic()
    result = run_python(code, str(tmp_path), timeout=30)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 15
    assert len(strict_events(only_event_file(tmp_path))) == 1


def test_python_of_this_test_run_is_the_one_children_use() -> None:
    """Sanity: the children run by these tests import the same lightboard as the tests themselves."""
    result = run_python("import lightboard; print(lightboard.__file__)", timeout=30)
    assert result.returncode == 0, result.stderr
    assert os.path.realpath(result.stdout.strip()) == os.path.realpath(lightboard.__file__)
