"""Bad disks: a removed log directory, read-only directories, a full disk; errors surface, nothing hangs.

"Disk full" is simulated portably with ``RLIMIT_FSIZE`` in a child process (writes past the limit fail
with EFBIG; SIGXFSZ is ignored), and, where the test may mount file systems (root on Linux), with a real
ENOSPC from a tiny tmpfs. Read-only directories are made by dropping root's privileges in a child.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from lightboard import EventWriteError, FileWriter, SummaryWriter
from tests.events.robustness_support import (
    event_files,
    only_event_file,
    open_fds_to,
    read_records,
    run_python,
    scalar_tags,
    scalars,
    strict_events,
    tensorboard_events,
    value_of,
)

pytestmark = pytest.mark.timeout(60)



def log(writer: SummaryWriter, steps: range, tag: str = "loss") -> None:
    """Log ``value_of(step)`` under ``tag`` for every step in ``steps``."""
    for step in steps:
        writer.add_scalar(tag, value_of(step), step)


def expected(steps: range | list[int]) -> list[tuple[int, float]]:
    """What :func:`log` wrote for ``steps``."""
    return [(step, value_of(step)) for step in steps]


def wait_until(predicate: Callable[[], bool], timeout: float = 30) -> None:
    """Poll ``predicate`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {predicate.__doc__ or predicate}")
        time.sleep(0.002)


def writer_thread_alive() -> bool:
    """Whether lightboard's writer thread is running in this process."""
    return any(thread.name == "lightboard-writer" and thread.is_alive() for thread in threading.enumerate())


# -- (a) the log directory is removed while a writer is open ----------------------------------------


def test_removed_logdir_fails_the_next_flush_then_writes_a_new_file(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "run"
    writer = SummaryWriter(logdir, max_queue=10**6)
    try:
        log(writer, range(10))
        writer.flush()
        shutil.rmtree(logdir)
        log(writer, range(10, 20))
        with pytest.raises(EventWriteError, match="deleted") as info:
            writer.flush()
        assert isinstance(info.value, OSError)
        log(writer, range(20, 30))
        writer.flush()  # the writer keeps working: a new file in the re-created directory
        path = only_event_file(logdir)
        assert scalars(strict_events(path)) == expected(range(10, 30))
    finally:
        writer.close()
    assert scalars(strict_events(path)) == expected(range(10, 30))


def test_removed_logdir_fails_close_then_a_new_writer_file_works(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "run"
    writer = SummaryWriter(logdir)
    log(writer, range(5))
    writer.flush()
    shutil.rmtree(logdir)
    log(writer, range(5, 8))
    with pytest.raises(EventWriteError):
        writer.close()
    writer.close()  # closed for good, and closing again stays harmless
    log(writer, range(100, 103))  # tensorboardX: adding after close starts a new file
    writer.close()
    assert scalars(strict_events(only_event_file(logdir))) == expected(range(100, 103))


def test_removed_logdir_detected_by_the_writer_thread_surfaces_at_add(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "run"
    writer = SummaryWriter(logdir, max_queue=1, flush_secs=0.001)
    accepted: list[int] = []
    try:
        log(writer, range(3))
        writer.flush()
        shutil.rmtree(logdir)
        error = None
        deadline = time.monotonic() + 10
        step = 3
        while error is None and time.monotonic() < deadline:
            try:
                writer.add_scalar("loss", value_of(step), step)
                accepted.append(step)
            except EventWriteError as caught:
                error = caught
            step += 1
            time.sleep(0.001)
        assert error is not None, "the writer thread's failure never reached the caller"
        assert writer_thread_alive()
        log(writer, range(step, step + 5))
        accepted += range(step, step + 5)
        writer.flush()
    finally:
        writer.close()
    logged = [s for path in event_files(logdir) for s, _ in scalars(strict_events(path))]
    assert set(accepted) <= set(logged), "an event whose add() returned normally was lost"
    assert len(logged) == len(set(logged)), "an event was written twice"


def test_the_event_of_an_add_that_reports_an_earlier_error_is_kept(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "run"
    writer = SummaryWriter(logdir, max_queue=1, flush_secs=0.001)
    old_path = writer.file_writer.path
    try:
        writer.flush()
        shutil.rmtree(logdir)
        writer.add_scalar("loss", 0.0, 0)  # the writer thread writes it to the deleted file, fails, lets go of it
        # the thread closes the deleted file, then records the error: wait for both
        wait_until(lambda: not open_fds_to(old_path) and bool(writer.file_writer._file._errors))
        with pytest.raises(EventWriteError):
            writer.add_scalar("loss", 0.25, 1)
        writer.flush()
    finally:
        writer.close()
    steps = [s for path in event_files(logdir) for s, _ in scalars(strict_events(path))]
    assert steps == [0, 1]


def test_events_survive_a_failed_attempt_to_recreate_the_file(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "run"
    writer = SummaryWriter(logdir, max_queue=10**6)
    try:
        writer.flush()
        shutil.rmtree(logdir)
        log(writer, range(0, 5))
        with pytest.raises(EventWriteError):
            writer.flush()  # the file was deleted: these 5 events are kept for a retry
        logdir.write_bytes(b"")  # something else now occupies the path: the directory cannot be re-created
        log(writer, range(5, 10))
        with pytest.raises(EventWriteError):
            writer.flush()
        logdir.unlink()
        log(writer, range(10, 15))
        writer.flush()
    finally:
        with contextlib.suppress(OSError):
            writer.close()
    assert scalars(strict_events(only_event_file(logdir))) == expected(range(15))


# -- (b) read-only directories ----------------------------------------------------------------------

_READ_ONLY_CHILD = r"""
import json, os, sys, time
import multiprocessing.util  # imported before dropping privileges: the interpreter may not be readable after
import lightboard.events.file, lightboard.file_writer, lightboard.writer
from lightboard import FileWriter, SummaryWriter

base = sys.argv[1]
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
results = {}

def attempt(name, make):
    start = time.monotonic()
    try:
        make()
        results[name] = ["no error", time.monotonic() - start]
    except OSError as error:
        results[name] = [type(error).__name__, time.monotonic() - start, error.errno]

readonly = os.path.join(base, "readonly")
attempt("summary_writer", lambda: SummaryWriter(readonly))
attempt("file_writer", lambda: FileWriter(readonly))
attempt("missing_subdir", lambda: SummaryWriter(os.path.join(readonly, "a", "b")))

# A directory that becomes read-only while a writer is open: the open file keeps working, and only a
# new file (after close) fails; once writable again, the writer recovers.
mine = os.path.join(base, "mine", "run")
writer = SummaryWriter(mine)
writer.add_scalar("loss", 1.0, 1)
os.chmod(mine, 0o555)
writer.add_scalar("loss", 2.0, 2)
writer.flush()
writer.close()
attempt("add_after_close", lambda: writer.add_scalar("loss", 3.0, 3))
os.chmod(mine, 0o755)
writer.add_scalar("loss", 4.0, 4)
writer.close()
results["files"] = sorted(os.listdir(mine))
print(json.dumps(results))
"""


@pytest.fixture
def shared_dir() -> Iterator[pathlib.Path]:
    """A fresh directory that an unprivileged user (uid 65534) can enter and write into."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="lightboard-robustness-"))
    try:
        path.chmod(0o755)
        if os.geteuid() == 0 and any(not parent.stat().st_mode & stat.S_IXOTH for parent in path.parents):
            pytest.skip(f"{path.parent} cannot be entered by other users")
        yield path
    finally:
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        shutil.rmtree(path, ignore_errors=True)


def test_read_only_directories_fail_clearly_and_fast(shared_dir: pathlib.Path) -> None:
    readonly = shared_dir / "readonly"
    readonly.mkdir(mode=0o555)
    readonly.chmod(0o555)
    mine = shared_dir / "mine"
    mine.mkdir()
    if os.geteuid() == 0:
        os.chown(mine, 65534, 65534)
    start = time.monotonic()
    result = run_python(_READ_ONLY_CHILD, str(shared_dir), timeout=30)
    assert time.monotonic() - start < 20
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    for name in ("summary_writer", "file_writer", "missing_subdir", "add_after_close"):
        kind, seconds, code = outcome[name]
        assert kind == "PermissionError" and code == errno.EACCES, (name, outcome[name])
        assert seconds < 5
    assert os.listdir(readonly) == []
    files = [name for name in outcome["files"] if name.startswith("events.out.tfevents.")]
    assert len(files) == 2
    contents = sorted(scalars(strict_events(mine / "run" / name)) for name in files)
    assert contents == [[(1, 1.0), (2, 2.0)], [(4, 4.0)]]


def test_logdir_that_is_a_file_fails_at_construction(tmp_path: pathlib.Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a directory")
    with pytest.raises(OSError):
        SummaryWriter(blocker)
    with pytest.raises(OSError):
        FileWriter(blocker / "below")
    assert blocker.read_bytes() == b"not a directory"


# -- (c) a full disk ----------------------------------------------------------------------------------

_DISK_FULL_CHILD = r"""
import json, os, resource, signal, sys, time
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from lightboard import EventWriteError, SummaryWriter

logdir, limit, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
threaded = mode == "thread"
writer = SummaryWriter(logdir, max_queue=20 if threaded else 10**6, flush_secs=0.005 if threaded else 120)
report = {"flushed": 0, "errors": [], "accepted": []}
step = 0
deadline = time.monotonic() + 10
while step < 5000 and len(report["errors"]) < 3 and time.monotonic() < deadline:
    try:
        writer.add_scalar("loss", (step % 4096) * 0.25, step)
        report["accepted"].append(step)
    except EventWriteError as error:
        report["errors"].append([error.errno, str(error), "add"])
    step += 1
    if threaded:
        time.sleep(0.0002)
    elif step % 50 == 0:
        try:
            writer.flush()
            report["flushed"] = step
        except EventWriteError as error:
            report["errors"].append([error.errno, str(error), "flush"])
report["logged"] = step
if mode == "recover":
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    writer.flush()
    report["flushed"] = step
if mode in ("close", "recover"):
    try:
        writer.close()
        report["close"] = "ok"
    except EventWriteError as error:
        report["close"] = [error.errno, str(error)]
print(json.dumps(report))
# modes "exit" and "thread" leave with the writer open: the exit hook's close must fail quietly, not hang
"""

LIMIT = 20_001


def run_disk_full_child(logdir: pathlib.Path, mode: str) -> dict:
    """Run the RLIMIT_FSIZE child in ``mode``; check it exited by itself, promptly; return its report."""
    start = time.monotonic()
    result = run_python(_DISK_FULL_CHILD, str(logdir), str(LIMIT), mode, timeout=40)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 30
    report = json.loads(result.stdout)
    assert report["errors"], "the full disk was never reported"
    assert all(code == errno.EFBIG for code, *_ in report["errors"]), report["errors"]
    return report


@pytest.mark.parametrize("mode", ["close", "exit"])
def test_disk_full_fails_flush_and_close_and_leaves_a_clean_file(tmp_path: pathlib.Path, mode: str) -> None:
    report = run_disk_full_child(tmp_path, mode)
    assert [where for *_, where in report["errors"]] == ["flush"] * 3
    if mode == "close":
        assert report["close"][0] == errno.EFBIG
    path = only_event_file(tmp_path)
    assert os.path.getsize(path) <= LIMIT
    events = strict_events(path)  # every record whole: the failed batches were truncated away
    assert scalars(events) == expected(range(report["flushed"]))
    assert len(tensorboard_events(path)) == len(events)


def test_disk_full_found_by_the_writer_thread_surfaces_at_add(tmp_path: pathlib.Path) -> None:
    report = run_disk_full_child(tmp_path, "thread")
    assert {where for *_, where in report["errors"]} == {"add"}
    path = only_event_file(tmp_path)
    assert os.path.getsize(path) <= LIMIT
    events = strict_events(path)
    logged = scalars(events)
    assert logged == expected(range(len(logged)))
    assert 0 < len(logged) < report["logged"]
    assert len(tensorboard_events(path)) == len(events)


def test_disk_full_then_space_again_every_event_once(tmp_path: pathlib.Path) -> None:
    report = run_disk_full_child(tmp_path, "recover")
    assert report["close"] == "ok"
    path = only_event_file(tmp_path)
    events = strict_events(path)
    assert scalars(events) == expected(range(report["logged"]))
    assert len(tensorboard_events(path)) == len(events)


_FULL_AT_CONSTRUCTION_CHILD = r"""
import json, os, resource, signal, sys, time
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from lightboard import EventWriteError, SummaryWriter

resource.setrlimit(resource.RLIMIT_FSIZE, (10, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
errors = []
for _ in range(3):
    start = time.monotonic()
    try:
        SummaryWriter(sys.argv[1])
        errors.append(None)
    except EventWriteError as error:
        errors.append([error.errno, time.monotonic() - start])
links = ["/proc/self/fd/" + fd for fd in os.listdir("/proc/self/fd")]
fds = [os.readlink(link) for link in links if os.path.exists(link)]
print(json.dumps({"errors": errors, "event_fds": [path for path in fds if "tfevents" in path]}))
"""


def construct_on_a_full_disk(logdir: pathlib.Path) -> dict:
    """Try three writers where not even the first record fits; return the child's report."""
    result = run_python(_FULL_AT_CONSTRUCTION_CHILD, str(logdir), timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_disk_full_at_construction_raises(tmp_path: pathlib.Path) -> None:
    report = construct_on_a_full_disk(tmp_path)
    assert [code for code, _ in report["errors"]] == [errno.EFBIG] * 3
    assert all(seconds < 5 for _, seconds in report["errors"])
    for path in event_files(tmp_path):
        assert os.path.getsize(path) == 0  # nothing half-written


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_disk_full_at_construction_leaks_no_descriptor(tmp_path: pathlib.Path) -> None:
    assert construct_on_a_full_disk(tmp_path)["event_fds"] == []


@pytest.fixture
def mount_tmpfs(tmp_path: pathlib.Path) -> Iterator[Callable[..., pathlib.Path]]:
    """Mount tiny tmpfs file systems under ``tmp_path`` (skips the test where mounting is not allowed)."""
    mounted: list[pathlib.Path] = []
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root on Linux")

    def mount(size: str, read_only: bool = False) -> pathlib.Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True, timeout=10, check=False
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode(errors='replace').strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        if subprocess.run(["umount", str(point)], capture_output=True, timeout=10, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=10, check=False)


def fill_until_enospc(writer: SummaryWriter, limit_steps: int = 20_000) -> tuple[int, int]:
    """Log and flush every 50 steps until a flush fails with ENOSPC; return (steps flushed, steps logged)."""
    flushed = 0
    for step in range(limit_steps):
        writer.add_scalar("loss", value_of(step), step)
        if (step + 1) % 50 == 0:
            try:
                writer.flush()
            except EventWriteError as error:
                assert error.errno == errno.ENOSPC
                return flushed, step + 1
            flushed = step + 1
    pytest.fail("the tmpfs never filled up")


def test_real_enospc_on_a_tiny_tmpfs(mount_tmpfs: Callable[..., pathlib.Path]) -> None:
    point = mount_tmpfs("64k")
    writer = SummaryWriter(point / "run", max_queue=10**6)
    flushed, _ = fill_until_enospc(writer)
    with pytest.raises(EventWriteError) as info:
        writer.close()
    assert info.value.errno == errno.ENOSPC
    path = only_event_file(point / "run")
    events = strict_events(path)
    assert scalars(events) == expected(range(flushed))
    assert len(tensorboard_events(path)) == len(events)


def test_real_enospc_then_space_freed_every_event_once(mount_tmpfs: Callable[..., pathlib.Path]) -> None:
    point = mount_tmpfs("128k")
    ballast = point / "ballast"
    ballast.write_bytes(b"\0" * 64 * 1024)
    writer = SummaryWriter(point / "run", max_queue=10**6)
    try:
        _, logged = fill_until_enospc(writer)
        ballast.unlink()
        writer.flush()  # the condition cleared: the kept events go out now
    finally:
        writer.close()
    assert scalars(strict_events(only_event_file(point / "run"))) == expected(range(logged))


def test_read_only_file_system(mount_tmpfs: Callable[..., pathlib.Path]) -> None:
    point = mount_tmpfs("64k", read_only=True)
    for logdir in (point, point / "a" / "b"):
        with pytest.raises(OSError) as info:
            SummaryWriter(logdir)
        assert info.value.errno == errno.EROFS


# -- (d) the writer thread survives every error --------------------------------------------------------


def test_writer_thread_keeps_serving_other_files_after_an_error(tmp_path: pathlib.Path) -> None:
    broken = SummaryWriter(tmp_path / "broken", max_queue=1, flush_secs=0.001)
    healthy = SummaryWriter(tmp_path / "healthy", max_queue=10**6, flush_secs=0.05)
    old_path = broken.file_writer.path
    try:
        broken.flush()
        shutil.rmtree(tmp_path / "broken")
        broken.add_scalar("loss", 0.0, 0)
        wait_until(lambda: not open_fds_to(old_path))  # the thread found the file gone
        assert writer_thread_alive()
        log(healthy, range(20))  # written by the thread alone (no flush) within flush_secs
        path = only_event_file(tmp_path / "healthy")
        wait_until(lambda: len(scalars(strict_events(path))) == 20)
        assert scalars(strict_events(path)) == expected(range(20))
        with pytest.raises(EventWriteError):
            broken.flush()
        broken.add_scalar("loss", 1.0, 1)
        broken.flush()
        assert writer_thread_alive()
    finally:
        healthy.close()
        broken.close()
    steps = [s for p in event_files(tmp_path / "broken") for s, _ in scalars(strict_events(p))]
    assert steps == [0, 1]


def _explode(_: object) -> bytes:
    """A deferred event whose encoding fails on the writer thread."""
    raise ZeroDivisionError("bad deferred event")


def test_a_bad_deferred_event_does_not_stop_the_others(tmp_path: pathlib.Path) -> None:
    writer = FileWriter(tmp_path, max_queue=10**6, flush_secs=0.01)
    summary_writer = SummaryWriter(tmp_path / "sw", max_queue=10**6)
    try:
        log(summary_writer, range(3))
        summary_writer.file_writer.queue((_explode,))
        log(summary_writer, range(3, 6))
        with pytest.raises(ZeroDivisionError):
            summary_writer.flush()
        summary_writer.flush()  # reported once, then clean
        assert scalars(strict_events(summary_writer.file_writer.path)) == expected(range(6))

        writer.queue((_explode,))  # this time (most likely) on the writer thread: reported at the next call
        time.sleep(0.1)
        with pytest.raises(ZeroDivisionError):
            writer.flush()
        assert writer_thread_alive()
        log(summary_writer, range(6, 9))
        summary_writer.flush()
        assert scalars(strict_events(summary_writer.file_writer.path)) == expected(range(9))
    finally:
        writer.close()
        summary_writer.close()
    assert len(read_records(only_event_file(tmp_path)).payloads) == 1
    assert scalar_tags(strict_events(only_event_file(tmp_path / "sw"))) == {"loss"}
