"""Forked children: each process writes its own file; nothing is lost, duplicated, torn or deadlocked.

The parent keeps logging (main thread and a background thread) while it forks, so forks land while the
writer thread holds its locks, mid-write, or mid-schedule. Children exit through ``os._exit`` (after
``close()``), through multiprocessing's exit path (with and without ``close()``), or by falling off the
end of a script (``atexit``).
"""

from __future__ import annotations

import multiprocessing
import os
import pathlib
import signal
import threading
import time
import traceback

import pytest

from lightboard import SummaryWriter
from tests.events.robustness_support import (
    event_files,
    only_event_file,
    run_python,
    scalar_tags,
    scalars,
    strict_events,
    tensorboard_events,
)

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork"),
]


def pid_of(path: str) -> int:
    """The pid field of an event file name (``...<host>.<pid>.<counter><suffix>``, no suffix here)."""
    return int(os.path.basename(path).split(".")[-2])


def wait_child(pid: int, timeout: float = 20) -> int:
    """Wait for forked ``pid``; on timeout SIGKILL it and fail the test (a deadlock). Returns its exit code."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"forked child {pid} hung (deadlock?) and was killed")


def in_child(body: object, *args: object) -> None:
    """Run ``body(*args)`` in a freshly forked child and leave with ``os._exit`` (never return into pytest)."""
    code = 1
    try:
        body(*args)  # type: ignore[operator]
        code = 0
    except BaseException:  # noqa: BLE001 - the exit code and stderr report it to the parent
        os.write(2, traceback.format_exc().encode())
    finally:
        os._exit(code)


class Background:
    """A thread logging scalars ``tag`` at consecutive steps to ``writer`` as fast as it can."""

    def __init__(self, writer: SummaryWriter, tag: str = "bg") -> None:
        self.writer, self.tag, self.steps = writer, tag, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.writer.add_scalar(self.tag, self.steps, self.steps)
                self.steps += 1
                if self.steps % 64 == 0:
                    self.writer.flush()
        except BaseException as error:  # noqa: BLE001 - checked by stop()
            self.error = error

    def stop(self) -> int:
        """Stop logging; return the number of steps logged."""
        self._stop.set()
        self._thread.join(20)
        assert not self._thread.is_alive(), "background logger hung"
        assert self.error is None, self.error
        return self.steps


def steps_of(events: list, tag: str) -> list[int]:
    """The steps of the scalars ``tag`` in ``events``."""
    return [step for step, _ in scalars(events, tag)]


def child_logs_and_closes(writer: SummaryWriter, count: int, new_writer_dir: str | None) -> None:
    """In a child: log ``count`` scalars ``child`` with the inherited (or a new) writer, then close it."""
    if new_writer_dir is not None:
        writer = SummaryWriter(new_writer_dir)
    for step in range(count):
        writer.add_scalar("child", step, step)
    writer.close()


def test_fork_storm_while_the_parent_writes(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, max_queue=5, flush_secs=0.001)
    parent_path = writer.file_writer.path
    background = Background(writer)
    children: dict[int, pathlib.Path] = {}
    main_step = 0
    try:
        for index in range(20):
            for _ in range(200):
                writer.add_scalar("main", main_step, main_step)
                main_step += 1
            new_dir = str(tmp_path / f"own{index}") if index % 4 == 3 else None
            pid = os.fork()
            if pid == 0:
                in_child(child_logs_and_closes, writer, 50, new_dir)
            children[pid] = pathlib.Path(new_dir) if new_dir else tmp_path
            if index % 5 == 0:
                writer.flush()
        codes = {pid: wait_child(pid) for pid in children}
    finally:
        bg_steps = background.stop()
        writer.close()
    assert codes == dict.fromkeys(children, 0)

    parent_events = strict_events(parent_path)
    assert scalar_tags(parent_events) == {"main", "bg"}
    assert steps_of(parent_events, "main") == list(range(main_step))
    assert steps_of(parent_events, "bg") == list(range(bg_steps))
    assert pid_of(parent_path) == os.getpid()

    child_files = {}
    for pid, logdir in children.items():
        files = [path for path in event_files(logdir) if pid_of(path) == pid]
        assert len(files) == 1, f"child {pid}: {files}"
        events = strict_events(files[0])
        assert scalar_tags(events) == {"child"}, f"child {pid} file has foreign events"
        assert steps_of(events, "child") == list(range(50))
        child_files[pid] = files[0]
    expected_files = {parent_path, *child_files.values()}
    found = set(event_files(tmp_path))
    for index in range(20):
        found |= set(event_files(tmp_path / f"own{index}"))
    assert found == expected_files
    assert len(tensorboard_events(parent_path)) == len(parent_events)


def test_fork_child_that_logs_nothing_creates_no_file(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, max_queue=10**6)
    for step in range(100):
        writer.add_scalar("main", step, step)
    pid = os.fork()
    if pid == 0:
        in_child(writer.close)  # closing an inherited, untouched writer must write nothing
    assert wait_child(pid) == 0
    writer.close()
    path = only_event_file(tmp_path)
    assert pid_of(path) == os.getpid()
    assert steps_of(strict_events(path), "main") == list(range(100))


def _mp_child(writer: SummaryWriter, mode: str, logdir: str) -> None:
    """multiprocessing target: log with the inherited writer, a new one, or not at all; close or not."""
    if mode == "new_writer_no_close":
        writer = SummaryWriter(logdir)
    if mode != "silent":
        for step in range(40):
            writer.add_scalar("child", step, step)
    if mode == "close":
        writer.close()


@pytest.mark.parametrize("mode", ["close", "no_close", "new_writer_no_close", "silent"])
def test_multiprocessing_fork_children(tmp_path: pathlib.Path, mode: str) -> None:
    context = multiprocessing.get_context("fork")
    writer = SummaryWriter(tmp_path, max_queue=5, flush_secs=0.001)
    parent_path = writer.file_writer.path
    background = Background(writer)
    processes = []
    main_step = 0
    try:
        for index in range(5):
            for _ in range(100):
                writer.add_scalar("main", main_step, main_step)
                main_step += 1
            child_dir = str(tmp_path / f"child{index}")
            process = context.Process(target=_mp_child, args=(writer, mode, child_dir))
            process.start()
            processes.append((process, child_dir))
        for process, _ in processes:
            process.join(20)
            if process.is_alive():
                process.kill()
                pytest.fail(f"multiprocessing child {process.pid} hung")
    finally:
        bg_steps = background.stop()
        writer.close()
    assert [process.exitcode for process, _ in processes] == [0] * 5

    parent_events = strict_events(parent_path)
    assert steps_of(parent_events, "main") == list(range(main_step))
    assert steps_of(parent_events, "bg") == list(range(bg_steps))
    assert scalar_tags(parent_events) == {"main", "bg"}
    all_files = set(event_files(tmp_path))
    for process, child_dir in processes:
        own = [path for path in event_files(tmp_path) if pid_of(path) == process.pid]
        if mode == "new_writer_no_close":
            own = event_files(child_dir)
            assert len(own) == 1 and pid_of(own[0]) == process.pid
        if mode == "silent":
            assert own == []
            continue
        assert len(own) == 1, f"child {process.pid}: {own}"
        events = strict_events(own[0])
        assert scalar_tags(events) == {"child"}
        assert steps_of(events, "child") == list(range(40))
        all_files.discard(own[0])
    assert all_files == {parent_path}


_FORK_SCRIPT = """
import os, sys
from lightboard import SummaryWriter

writer = SummaryWriter(sys.argv[1], max_queue=10**6, flush_secs=120)
for step in range(100):
    writer.add_scalar("parent", step, step)
pid = os.fork()
if pid == 0:
    for step in range(30):
        writer.add_scalar("child", step, step)
    sys.exit(0)  # no close(): the child's atexit hook must write its file
for step in range(100, 200):
    writer.add_scalar("parent", step, step)
_, status = os.waitpid(pid, 0)
print(pid, os.waitstatus_to_exitcode(status))
"""


def test_forked_child_of_a_script_exits_normally_without_close(tmp_path: pathlib.Path) -> None:
    """Events the parent had queued (not yet written) at the fork stay the parent's, never the child's."""
    result = run_python(_FORK_SCRIPT, str(tmp_path), timeout=30)
    assert result.returncode == 0, result.stderr
    child_pid, child_code = map(int, result.stdout.split())
    assert child_code == 0
    files = event_files(tmp_path)
    assert len(files) == 2
    (child_path,) = [path for path in files if pid_of(path) == child_pid]
    (parent_path,) = [path for path in files if path != child_path]
    parent_events, child_events = strict_events(parent_path), strict_events(child_path)
    assert scalar_tags(parent_events) == {"parent"} and steps_of(parent_events, "parent") == list(range(200))
    assert scalar_tags(child_events) == {"child"} and steps_of(child_events, "child") == list(range(30))


def test_nested_forks(tmp_path: pathlib.Path) -> None:
    """A grandchild forked from a child that has already written gets a third, separate file."""
    writer = SummaryWriter(tmp_path, max_queue=2)
    writer.add_scalar("gen", 0, 0)

    def child() -> None:
        writer.add_scalar("gen", 1, 1)
        writer.flush()
        grandchild = os.fork()
        if grandchild == 0:
            in_child(lambda: (writer.add_scalar("gen", 2, 2), writer.close()))
        writer.add_scalar("gen", 1, 2)
        assert wait_child(grandchild) == 0
        writer.close()

    pid = os.fork()
    if pid == 0:
        in_child(child)
    assert wait_child(pid) == 0
    writer.close()
    files = event_files(tmp_path)
    assert len(files) == 3
    contents = sorted(scalars(strict_events(path), "gen") for path in files)
    assert contents == [[(0, 0.0)], [(1, 1.0), (2, 1.0)], [(2, 2.0)]]
    assert len({pid_of(path) for path in files}) == 3


def test_fork_is_safe_even_if_the_writer_thread_is_mid_write(tmp_path: pathlib.Path) -> None:
    """Large events keep the writer thread inside os.write most of the time while the main thread forks."""
    writer = SummaryWriter(tmp_path, max_queue=1, flush_secs=0.0)
    blob = "z" * 200_000
    pids = []
    for step in range(12):
        writer.add_text("big", blob, step)
        pid = os.fork()
        if pid == 0:
            in_child(lambda step=step: (writer.add_scalar("child", step, step), writer.flush()))
        pids.append(pid)
    for pid in pids:
        assert wait_child(pid) == 0
    writer.close()
    parent = [path for path in event_files(tmp_path) if pid_of(path) == os.getpid()]
    assert len(parent) == 1
    events = strict_events(parent[0])
    assert [event.step for event in events[1:]] == list(range(12))
    for pid in pids:
        (path,) = [path for path in event_files(tmp_path) if pid_of(path) == pid]
        assert scalar_tags(strict_events(path)) == {"child"}
