"""GlobalSummaryWriter: every process and thread logs into one event file, steps numbered per tag.

Events are read back with TensorBoard's own ``EventFileLoader``. Child functions are module-level so
that ``spawn`` and ``forkserver`` children can import them.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import pickle
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lightboard import SummaryWriter, global_writer
from lightboard.global_writer import GlobalSummaryWriter

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]
METHODS = [method for method in ("fork", "spawn", "forkserver") if method in multiprocessing.get_all_start_methods()]
PROCESSES, CALLS = 4, 100


# -- reading back --------------------------------------------------------------------------------


def event_files(root: Path) -> list[str]:
    return sorted(glob.glob(os.path.join(glob.escape(str(root)), "**", "events.out.tfevents.*"), recursive=True))


def events(logdir: Path) -> list[Any]:
    """Every event of the single event file under ``logdir`` (fails if there are several), by TensorBoard's loader."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    files = event_files(logdir)
    assert len(files) == 1, f"expected one event file, found {files}"
    return list(EventFileLoader(files[0]).Load())


def points(logdir: Path, tag: str) -> list[tuple[int, Any]]:
    """``(step, value)`` of ``tag``: floats for scalars, the value itself otherwise, in file order."""
    found = []
    for event in events(logdir):
        for value in event.summary.value:
            if value.tag == tag:
                if value.HasField("tensor") and value.tensor.float_val:
                    found.append((event.step, value.tensor.float_val[0]))
                elif value.WhichOneof("value") == "simple_value":
                    found.append((event.step, value.simple_value))
                else:
                    found.append((event.step, value))
    return found


def check_all_arrived(logdir: Path, tag: str, expected: list[float]) -> list[tuple[int, Any]]:
    """Steps exactly 0..len-1 with no duplicates, and exactly the expected values."""
    found = points(logdir, tag)
    steps = [step for step, _ in found]
    assert sorted(steps) == list(range(len(expected))), f"steps are not 0..{len(expected) - 1}"
    assert sorted(value for _, value in found) == sorted(expected)
    return found


def check_each_producer_in_order(found: list[tuple[int, Any]]) -> None:
    """Values are ``producer * 1000 + call``: each producer's calls got increasing steps."""
    by_producer: dict[int, list[tuple[int, int]]] = {}
    for step, value in found:
        producer, call = divmod(int(value), 1000)
        by_producer.setdefault(producer, []).append((step, call))
    for producer, pairs in by_producer.items():
        assert [call for _, call in sorted(pairs)] == sorted(call for _, call in pairs), f"producer {producer}"


def expected_values(producers: int = PROCESSES, calls: int = CALLS) -> list[float]:
    return [float(producer * 1000 + call) for producer in range(producers) for call in range(calls)]


# -- children (module level: spawn imports them) -------------------------------------------------


def produce(writer: GlobalSummaryWriter, producer: int, calls: int = CALLS, tag: str = "shared") -> None:
    for call in range(calls):
        writer.add_scalar(tag, producer * 1000 + call)


def produce_and_vanish(writer: GlobalSummaryWriter, producer: int) -> None:
    produce(writer, producer)
    os._exit(0)  # no flush, no close, no exit handlers


def produce_kinds(writer: GlobalSummaryWriter) -> None:
    for index in range(3):
        writer.add_text("same", f"child text {index}")
    for index in range(2):
        writer.add_scalar("same", index)
    writer.add_histogram("hist", np.arange(1_000_000, dtype=np.float64))  # bigger than the socket buffer
    writer.add_histogram("hist", [1.0, 2.0, 3.0], bins=[0.0, 1.5, 4.0])


def report_errors(writer: GlobalSummaryWriter, queue: Any) -> None:
    attempts = [
        lambda: writer.add_scalar("bad", "not a number"),
        lambda: writer.add_scalar(3, 1.0),
        lambda: writer.add_scalar("bad", [1.0, 2.0]),
        lambda: writer.add_text("bad", 12),
        lambda: writer.add_histogram("bad", []),
    ]
    for attempt in attempts:
        try:
            attempt()
            queue.put(None)
        except Exception as error:  # noqa: BLE001 - sent to the parent to check
            queue.put(f"{type(error).__name__}: {error}")
    writer.add_scalar("bad", 5.0)


def flush_then_signal(writer: GlobalSummaryWriter, flushed: Any, release: Any) -> None:
    produce(writer, 0, 5, "flushed")
    writer.flush()
    flushed.set()
    release.wait(30)


def use_global(writer: GlobalSummaryWriter) -> None:
    found = GlobalSummaryWriter.getSummaryWriter()
    if found is not writer:
        raise SystemExit(3)
    found.add_scalar("global", 7.0)


def try_file_writer(writer: GlobalSummaryWriter) -> None:
    try:
        writer.file_writer  # noqa: B018 - the access is the test
    except RuntimeError:
        os._exit(0)
    os._exit(1)


def run_processes(method: str, target: Any, argument_lists: list[tuple[Any, ...]]) -> None:
    context = multiprocessing.get_context(method)
    processes = [context.Process(target=target, args=arguments) for arguments in argument_lists]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        if process.exitcode is None:
            process.kill()
            pytest.fail(f"{method} child hung")
        assert process.exitcode == 0, f"{method} child exited with {process.exitcode}"


# -- processes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_processes_share_one_file_and_one_step_counter(tmp_path: Path, method: str) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    run_processes(method, produce, [(writer, producer) for producer in range(PROCESSES)])
    writer.close()
    check_each_producer_in_order(check_all_arrived(tmp_path, "shared", expected_values()))


def test_threads(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    threads = [threading.Thread(target=produce, args=(writer, producer)) for producer in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    check_each_producer_in_order(check_all_arrived(tmp_path, "shared", expected_values()))


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_owner_threads_and_children_at_once(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    threads = [threading.Thread(target=produce, args=(writer, producer)) for producer in (0, 1)]
    for thread in threads:
        thread.start()
    run_processes("fork", produce, [(writer, 2), (writer, 3)])
    for thread in threads:
        thread.join()
    writer.close()
    check_each_producer_in_order(check_all_arrived(tmp_path, "shared", expected_values()))


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_children_that_vanish_after_logging_lose_nothing(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    run_processes("fork", produce_and_vanish, [(writer, producer) for producer in range(PROCESSES)])
    writer.close()
    check_all_arrived(tmp_path, "shared", expected_values())


def test_pool_tasks_with_the_writer_as_argument(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    method = "forkserver" if "forkserver" in METHODS else "spawn"
    with multiprocessing.get_context(method).Pool(2) as pool:  # leaving the block terminates the workers
        pool.starmap(produce, [(writer, producer, 25) for producer in range(8)])
    writer.close()
    check_each_producer_in_order(check_all_arrived(tmp_path, "shared", expected_values(8, 25)))


EXIT_SCRIPT = """
import multiprocessing, sys
from lightboard.global_writer import GlobalSummaryWriter

def child(writer, producer):
    for call in range(50):
        writer.add_scalar("shared", producer * 1000 + call)

if __name__ == "__main__":
    writer = GlobalSummaryWriter(sys.argv[1])
    context = multiprocessing.get_context(sys.argv[2])
    for producer in range(3):
        context.Process(target=child, args=(writer, producer)).start()
    writer.add_scalar("shared", 3000)
    # leaves without join or close: multiprocessing joins the children, then the writer writes what came
"""


@pytest.mark.parametrize("method", [method for method in ("fork", "spawn") if method in METHODS])
def test_owner_exit_without_close_waits_for_children(tmp_path: Path, method: str) -> None:
    import subprocess

    script = tmp_path / "owner.py"
    script.write_text(EXIT_SCRIPT)
    logdir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, str(script), str(logdir), method], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    expected = [*expected_values(3, 50), 3000.0]
    check_all_arrived(logdir, "shared", expected)


# -- kinds, flush, errors ------------------------------------------------------------------------


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_kinds_count_steps_separately(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    writer.add_text("same", "owner text")
    run_processes("fork", produce_kinds, [(writer,)])
    writer.add_scalar("same", 9.0)
    writer.close()
    texts = points(tmp_path, "same/text_summary")
    assert [step for step, _ in texts] == [0, 1, 2, 3]
    assert [value.tensor.string_val[0].decode() for _, value in texts] == [
        "owner text",
        *(f"child text {index}" for index in range(3)),
    ]
    assert points(tmp_path, "same") == [(0, 0.0), (1, 1.0), (2, 9.0)]
    histograms = points(tmp_path, "hist")
    assert [step for step, _ in histograms] == [0, 1]
    from tensorboard.util import tensor_util

    buckets = [tensor_util.make_ndarray(value.tensor) for _, value in histograms]
    assert buckets[0][:, 2].sum() == 1_000_000
    assert buckets[1][:, 2].tolist() == [1.0, 2.0]


@pytest.mark.skipif(not hasattr(SummaryWriter, "add_image"), reason="SummaryWriter.add_image not there yet")
def test_images(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    image = np.zeros((3, 4, 5), np.uint8)
    writer.add_image("img", image)
    clone = pickle.loads(pickle.dumps(writer))  # a handle that sends over the socket, as in a child
    image[:] = 255  # changed after the call: the record keeps the logged pixels
    clone.add_image("img", np.ones((4, 5, 3)), dataformats="HWC")
    with pytest.raises(ValueError, match="img"):
        clone.add_image("img", np.zeros((2, 2, 2, 2, 2)))
    writer.close()
    assert [step for step, _ in points(tmp_path, "img")] == [0, 1]


@pytest.mark.skipif(not hasattr(SummaryWriter, "add_audio"), reason="SummaryWriter.add_audio not there yet")
def test_audio(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    clone = pickle.loads(pickle.dumps(writer))
    writer.add_audio("snd", np.zeros(100), sample_rate=8000)
    clone.add_audio("snd", np.zeros(50), sample_rate=16000)
    writer.close()
    assert [step for step, _ in points(tmp_path, "snd")] == [0, 1]


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_child_flush_returns_once_the_owner_wrote(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path, flush_secs=3600, max_queue=1000)
    context = multiprocessing.get_context("fork")
    flushed, release = context.Event(), context.Event()
    child = context.Process(target=flush_then_signal, args=(writer, flushed, release))
    child.start()
    try:
        assert flushed.wait(30), "the child's flush did not return"
        assert [step for step, _ in points(tmp_path, "flushed")] == [0, 1, 2, 3, 4]  # no flush by the owner
    finally:
        release.set()
        child.join(30)
        writer.close()


def test_owner_flush_writes_what_arrived(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path, flush_secs=3600, max_queue=1000)
    clone = pickle.loads(pickle.dumps(writer))
    produce(clone, 1, 20)
    writer.flush()
    assert len(points(tmp_path, "shared")) == 20
    writer.close()


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_errors_are_raised_where_the_call_is_made(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    run_processes("fork", report_errors, [(writer, queue)])
    reported = [queue.get(timeout=10) for _ in range(5)]
    assert reported[0].startswith("TypeError: add_scalar: scalar_value for tag 'bad'")
    assert reported[1].startswith("TypeError: add_scalar: tag must be a str")
    assert reported[2].startswith("ValueError: add_scalar: scalar_value for tag 'bad' must be a single number")
    assert reported[3].startswith("TypeError: add_text: text_string for tag 'bad' must be a str")
    assert reported[4].startswith("ValueError: add_histogram: values for tag 'bad' is empty")
    with pytest.raises(TypeError, match="add_scalar: scalar_value for tag 'bad'"):
        writer.add_scalar("bad", object())
    writer.add_scalar("bad", 6.0)
    writer.close()
    assert sorted(points(tmp_path, "bad")) == [(0, 5.0), (1, 6.0)] or sorted(points(tmp_path, "bad")) == [
        (0, 6.0),
        (1, 5.0),
    ]


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_children_after_close_neither_hang_nor_raise(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    writer.close()
    started = time.monotonic()
    run_processes("fork", produce, [(writer, 0, 10)])
    assert time.monotonic() - started < 20
    handle = pickle.loads(pickle.dumps(writer))  # the same in this process, where the log can be checked
    handle.add_scalar("shared", 1.0)
    handle.add_scalar("shared", 2.0)
    handle.flush()
    errors = [record for record in caplog.records if "cannot reach the process that created" in record.message]
    assert len(errors) == 1  # once per process
    assert points(tmp_path, "shared") == []


# -- API -----------------------------------------------------------------------------------------


def test_get_summary_writer_is_a_quiet_singleton_passed_to_spawned_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(global_writer, "_writer", None)
    writer = GlobalSummaryWriter.getSummaryWriter()
    try:
        assert GlobalSummaryWriter.getSummaryWriter() is writer
        assert capsys.readouterr().out == ""
        method = "spawn" if "spawn" in METHODS else METHODS[0]
        run_processes(method, use_global, [(writer,)])
    finally:
        writer.close()
    files = event_files(tmp_path)
    assert len(files) == 1 and Path(files[0]).parent == Path(writer.logdir).resolve()
    assert points(Path(writer.logdir), "global") == [(0, 7.0)]


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_file_writer_only_in_the_owner(tmp_path: Path) -> None:
    with GlobalSummaryWriter(tmp_path) as writer:
        assert writer.file_writer.get_logdir() == str(tmp_path)
        run_processes("fork", try_file_writer, [(writer,)])


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_write_to_disk_false(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path / "run", write_to_disk=False)
    writer.add_scalar("x", 1.0)
    run_processes("fork", produce, [(writer, 0, 10)])
    pickle.loads(pickle.dumps(writer)).add_scalar("x", 2.0)
    with pytest.raises(TypeError):
        writer.add_scalar("x", "bad")
    writer.close()
    assert list(tmp_path.iterdir()) == []


def test_constructor_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="coalesce_process=False"):
        GlobalSummaryWriter(tmp_path / "a", coalesce_process=False)
    with pytest.raises(TypeError, match="unexpected keyword"):
        GlobalSummaryWriter(tmp_path / "b", no_such_option=1)
    with GlobalSummaryWriter(log_dir=tmp_path / "c", filename_suffix=".sfx", flush_secs=5) as writer:
        writer.add_scalar("x", 1.0, walltime=123.5)
    (event,) = [event for event in events(tmp_path / "c") if event.summary.value]
    assert event.wall_time == 123.5 and event_files(tmp_path / "c")[0].endswith(".sfx")


def test_close_twice_and_log_after_close(tmp_path: Path) -> None:
    writer = GlobalSummaryWriter(tmp_path)
    writer.add_scalar("x", 1.0)
    writer.close()
    writer.close()
    writer.add_scalar("x", 2.0)  # as SummaryWriter: a new event file, the step counter goes on
    writer.close()
    steps = []
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    for path in event_files(tmp_path):
        steps += [event.step for event in EventFileLoader(path).Load() if event.summary.value]
    assert sorted(steps) == [0, 1]


def test_dropping_the_last_reference_stops_the_server(tmp_path: Path) -> None:
    import gc

    writer = GlobalSummaryWriter(tmp_path)
    handle = pickle.loads(pickle.dumps(writer))
    handle.add_scalar("x", 1.0)
    handle.flush()
    del writer
    gc.collect()
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("lightboard-global")]
    assert points(tmp_path, "x") == [(0, 1.0)]


# -- a URL logdir --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_processes_log_into_one_url(method: str) -> None:
    """The owner writes segments to the store (fsspec's memory:// here: only the owner's process sees it, so
    everything read back went through the owner), children and threads send it their events."""
    pytest.importorskip("fsspec")
    from lightboard import read

    url = f"memory://global-{method}-{os.getpid()}/exp"
    writer = GlobalSummaryWriter(url)
    run_processes(method, produce, [(writer, producer) for producer in range(PROCESSES)])
    produce(writer, PROCESSES)
    writer.close()
    loaded = read(url).scalars(".", "shared")
    assert loaded.step.tolist() == list(range((PROCESSES + 1) * CALLS))
    assert sorted(loaded.value.tolist()) == expected_values(PROCESSES + 1)
    assert all(path.startswith(f"{url}/events.out.tfevents.") for path in read(url).run(".").files())


# -- a stuck owner, and an owner flushing while children keep sending ------------------------------

OWNER_SCRIPT = """
import pickle, sys, time
from lightboard.global_writer import GlobalSummaryWriter
writer = GlobalSummaryWriter(sys.argv[1])
print(pickle.dumps(writer).hex(), flush=True)
time.sleep(120)
"""


def _expect_timeout(handle: GlobalSummaryWriter, address: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first call of ``handle`` (another process's writer) raises TimeoutError naming ``address`` within ~1 s."""
    from lightboard import global_client

    monkeypatch.setattr(global_client, "REPLY_TIMEOUT_S", 1.0)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"did not accept the connection at .* within 1 s") as raised:
        handle.add_scalar("stuck", 1.0)
    assert repr(address) in str(raised.value)
    assert time.monotonic() - started < 10
    with pytest.raises(TimeoutError):  # the next call tries again, and says so again
        handle.add_scalar("stuck", 2.0)


def test_first_connection_to_an_owner_that_never_accepts_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listening socket nobody accepts on: the kernel takes the connection, the authentication never comes."""
    import socket

    family = socket.AF_UNIX if sys.platform.startswith("linux") else socket.AF_INET
    with socket.socket(family) as server:
        server.bind(f"\0lightboard-test-{os.getpid()}" if family == socket.AF_UNIX else ("127.0.0.1", 0))
        server.listen(8)
        address = server.getsockname()
        if isinstance(address, bytes):
            address = address.decode()
        handle = global_writer._attach(address, os.urandom(32), str(tmp_path), os.getpid() + 1, False)
        _expect_timeout(handle, address, monkeypatch)


def test_first_connection_to_a_stopped_owner_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner is another process, stopped (SIGSTOP) before this process's first call."""
    import signal
    import subprocess

    owner = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        handle = pickle.loads(bytes.fromhex(owner.stdout.readline().strip()))
        owner.send_signal(signal.SIGSTOP)
        _expect_timeout(handle, handle._client.address, monkeypatch)
        owner.send_signal(signal.SIGCONT)  # awake, it takes the connection: the next call goes through
        monkeypatch.setattr("lightboard.global_client.REPLY_TIMEOUT_S", 30.0)
        handle.add_scalar("stuck", 3.0)
        handle.flush()
    finally:
        owner.send_signal(signal.SIGCONT)
        owner.kill()
        owner.wait()


def send_until(writer: GlobalSummaryWriter, producer: int, sent: Any, stop: Any) -> None:
    """Send scalars as fast as possible until ``stop`` is set (at most 60 s), counting them in ``sent``."""
    deadline = time.monotonic() + 60
    count = 0
    while not stop.is_set() and time.monotonic() < deadline:
        writer.add_scalar("busy", producer * 1_000_000 + count)
        count += 1
        sent.value = count
    writer.close()


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork")
def test_owner_flush_is_bounded_while_children_keep_sending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner writes a record in 0.2 ms, children send far faster and never stop: flush() still returns, with
    every record sent before it began written."""
    from lightboard import global_server

    write = global_server._KINDS["scalar"]

    def slow(*args: Any) -> None:
        time.sleep(0.0002)
        write(*args)

    monkeypatch.setitem(global_server._KINDS, "scalar", slow)
    writer = GlobalSummaryWriter(tmp_path, flush_secs=3600, max_queue=100_000)
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    counters = [context.Value("q", 0) for _ in range(2)]
    children = [
        context.Process(target=send_until, args=(writer, index, counter, stop))
        for index, counter in enumerate(counters)
    ]
    for child in children:
        child.start()
    try:
        while sum(counter.value for counter in counters) < 1_000:  # the owner is behind: its sockets fill
            time.sleep(0.01)
        sent_before = sum(counter.value for counter in counters)
        started = time.monotonic()
        writer.flush()
        took = time.monotonic() - started
        written = len(points(tmp_path, "busy"))
        assert all(child.is_alive() for child in children) and not stop.is_set()  # they were sending throughout
        assert took < 20, f"flush took {took:.1f} s"
        assert written >= sent_before
    finally:
        stop.set()
        for child in children:
            child.join(30)
        writer.close()
