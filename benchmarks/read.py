"""Side-by-side benchmarks of reading scalars: ``lightboard.read`` against the readers it replaces.

The peers are TensorBoard's ``EventAccumulator``, tbparse's ``SummaryReader`` and TensorBoard's data server
(RustBoard, the ``tensorboard_data_server`` binary). Run ``.venv/bin/python benchmarks/read.py`` (``--quick``:
smoke run on tiny logdirs; ``--json PATH``: the raw numbers); ``make bench`` runs it as the ``read`` section of
``benchmarks/run.py``.

Two logdirs are written once per run by lightboard's ``SummaryWriter`` into a temporary directory: 5 runs ×
10 tags × 20,000 steps (1M points) and 20 runs × 5 tags × 50,000 steps (5M points). Their files are read once
before measuring (warm page cache). Each measurement is a fresh interpreter that first reads a tiny logdir
(imports, first-call setup), then reads the logdir under test: the time of that read, its CPU time, and its
peak resident memory over the memory before it (the peak is reset through ``/proc/self/clear_refs``).

Adding a reader is one :class:`Reader` row in :data:`READERS` whose ``load(logdir)`` returns the number of
scalar points it read.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import queue
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

LIGHTBOARD = "lightboard"
DATA_SERVER = "data_server"
TIMEOUT_S = 300
"""Longest a single measurement may take."""


# -- logdirs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """A logdir of ``runs`` runs, each with ``tags`` scalar tags logged at steps ``0 .. steps - 1``."""

    name: str
    runs: int
    tags: int
    steps: int

    @property
    def points(self) -> int:
        """Scalar points in the logdir."""
        return self.runs * self.tags * self.steps

    def describe(self) -> str:
        """E.g. ``5 runs × 10 tags × 20,000 steps``."""
        return f"{self.runs} runs × {self.tags} tags × {self.steps:,} steps"


SMALL = Shape("1M", 5, 10, 20_000)
LARGE = Shape("5M", 20, 5, 50_000)
QUICK_SMALL = Shape("tiny-a", 2, 3, 500)
QUICK_LARGE = Shape("tiny-b", 3, 2, 1_000)
WARM_UP = Shape("warm-up", 1, 2, 10)


def write_logdir(path: str, shape: Shape) -> None:
    """Write ``shape`` into ``path`` with lightboard's ``SummaryWriter`` (run ``run00``, ``run01``, ...)."""
    from lightboard import SummaryWriter

    tags = [f"metrics/tag{index}" for index in range(shape.tags)]
    for run in range(shape.runs):
        writer = SummaryWriter(os.path.join(path, f"run{run:02d}"), max_queue=100_000)
        add = writer.add_scalar
        for step in range(shape.steps):
            value = 1.0 / (step + 1)
            for tag in tags:
                add(tag, value, step)
        writer.close()


def warm_page_cache(path: str) -> None:
    """Read every file under ``path`` once, so that the measured reads come from the page cache."""
    for directory, _, names in os.walk(path):
        for name in names:
            with open(os.path.join(directory, name), "rb") as file:
                while file.read(16 << 20):
                    pass


# -- the readers (each runs in a fresh interpreter, see :func:`child`) ------------------------------------


def load_lightboard(logdir: str) -> int:
    """``lightboard.read`` into numpy: every scalar series' arrays of every run."""
    import lightboard

    read = lightboard.read(logdir)
    return sum(len(run.scalars(tag)) for run in read for tag in run.scalar_tags())


def load_lightboard_threads(logdir: str) -> int:
    """``lightboard.read(logdir, threads=os.cpu_count())``: runs read at once (as ``lightboard serve`` does)."""
    import lightboard

    read = lightboard.read(logdir, threads=os.cpu_count() or 1)
    return sum(len(run.scalars(tag)) for run in read for tag in run.scalar_tags())


def load_lightboard_pandas(logdir: str) -> int:
    """``lightboard.read(...).scalars_frame()``: one tidy pandas DataFrame of every scalar."""
    import lightboard

    return len(lightboard.read(logdir).scalars_frame())


def load_event_accumulator(logdir: str) -> int:
    """One ``EventAccumulator`` per run keeping every scalar, ``Reload()``, then ``Scalars(tag)`` of every tag."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    loaded = []
    for name in sorted(os.listdir(logdir)):
        accumulator = EventAccumulator(os.path.join(logdir, name), size_guidance={"scalars": 0})
        accumulator.Reload()
        loaded.extend(accumulator.Scalars(tag) for tag in accumulator.Tags()["scalars"])
    return sum(len(events) for events in loaded)


def load_tbparse(logdir: str) -> int:
    """tbparse ``SummaryReader(logdir, extra_columns={"dir_name", "wall_time"}).scalars`` (a pandas DataFrame)."""
    from tbparse import SummaryReader

    return len(SummaryReader(logdir, extra_columns={"dir_name", "wall_time"}).scalars)


@dataclass(frozen=True)
class Reader:
    """One way of reading a logdir's scalars.

    Attributes:
        name: key in the JSON.
        label: row label of the table.
        load: ``load(logdir) -> points read``, run in a fresh interpreter; None for the data server, which is
            measured by :func:`measure_data_server`.
        peer: a library lightboard is compared with.
        slow: measured once, and on the small logdir only unless ``--full`` (a full run stays within minutes).
        env: environment variables of its interpreter.
    """

    name: str
    label: str
    load: Callable[[str], int] | None
    peer: bool = True
    slow: bool = False
    env: dict[str, str] = field(default_factory=dict)


READERS: list[Reader] = [
    Reader(LIGHTBOARD, "lightboard.read → numpy", load_lightboard, peer=False),
    Reader("lightboard_threads", "lightboard.read(threads=cores) → numpy", load_lightboard_threads, peer=False),
    Reader("lightboard_pandas", "lightboard.read → scalars_frame()", load_lightboard_pandas, peer=False),
    Reader(
        "lightboard_pure_python",
        "lightboard.read → numpy, pure Python",
        load_lightboard,
        peer=False,
        slow=True,
        env={"LIGHTBOARD_PURE_PYTHON": "1"},
    ),
    Reader("event_accumulator", "EventAccumulator", load_event_accumulator, slow=True),
    Reader("tbparse", "tbparse SummaryReader", load_tbparse, slow=True),
    Reader(DATA_SERVER, "TensorBoard data server", None),
]
"""Readers in table order; the first is the one the others are compared with."""


def reader_named(name: str) -> Reader:
    """The :class:`Reader` called ``name``."""
    return next(reader for reader in READERS if reader.name == name)


# -- memory --------------------------------------------------------------------------------------------


def proc_status(pid: int | str, key: str) -> int | None:
    """A ``VmRSS`` / ``VmHWM`` line of ``/proc/PID/status`` in bytes, or None where there is no /proc."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak resident memory (``VmHWM``) to its current one; False where Linux cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def max_rss() -> int:
    """``ru_maxrss`` of this process in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def child(name: str, logdir: str, warm_up: str) -> dict[str, Any]:
    """Measure reader ``name`` on ``logdir`` in this (fresh) interpreter, after an untimed read of ``warm_up``."""
    load = reader_named(name).load
    assert load is not None, name
    load(warm_up)
    gc.collect()
    exact = reset_peak_rss()
    before = proc_status("self", "VmRSS") if exact else max_rss()
    started, cpu = time.perf_counter(), time.process_time()
    points = load(logdir)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = proc_status("self", "VmHWM") if exact else max_rss()
    return {"points": points, "seconds": seconds, "cpu_seconds": cpu, "peak_bytes": peak - (before or 0)}


# -- measuring -------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    """What one reader did on one logdir (the best of its repeats: least time).

    ``peak_bytes`` is the peak resident memory of the reading process over its memory before the read (the
    data server: over its memory after loading the tiny warm-up logdir). ``error`` says why there are no
    numbers; ``note`` qualifies them.
    """

    reader: str
    logdir: str
    points: int | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_bytes: int | None = None
    repeats: int = 0
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    @property
    def events_per_s(self) -> float | None:
        """Scalar points read per second."""
        return self.points / self.seconds if self.points and self.seconds else None

    @property
    def bytes_per_point(self) -> float | None:
        """Peak memory over the points read."""
        return self.peak_bytes / self.points if self.points and self.peak_bytes is not None else None


CHILD_ENV = {"PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3", "OPENBLAS_NUM_THREADS": "1"}
"""Quiet peers; no idle OpenBLAS worker thread (its spinning would count as the reader's CPU time)."""


def measure_in_child(reader: Reader, logdir: str, warm_up: str) -> dict[str, Any]:
    """One measurement of ``reader`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", reader.name, logdir, warm_up],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env={**os.environ, **CHILD_ENV, **reader.env},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


LOAD_DONE = re.compile(r"Finished load cycle \(([\d.]+)(s|ms|µs|us|ns)\)")
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}


@contextlib.contextmanager
def data_server(logdir: str, workdir: str) -> Iterator[tuple[subprocess.Popen, queue.Queue, str]]:
    """The data server loading ``logdir`` once, keeping every scalar; yields (process, its stderr lines, port file)."""
    from tensorboard_data_server import server_binary

    binary = server_binary()
    if not binary:
        raise RuntimeError("tensorboard_data_server has no binary for this platform")
    port_file = os.path.join(workdir, "port")
    with contextlib.suppress(FileNotFoundError):
        os.remove(port_file)
    command = [binary, "--logdir", logdir, "--reload", "once", "--port", "0", "--port-file", port_file]
    command += ["--samples-per-plugin", "scalars=all", "--verbose", "--die-after-stdin"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    try:
        yield process, lines, port_file
    finally:
        process.kill()
        process.wait()


def wait_for_load(lines: queue.Queue) -> float:
    """Seconds of the data server's load cycle, as it logs them."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        found = LOAD_DONE.search(line)
        if found:
            return float(found.group(1)) * UNITS[found.group(2)]


def cpu_seconds_of(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (from /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_points(port_file: str) -> int:
    """Scalar points the data server holds, asked for over gRPC (all of them, no downsampling)."""
    import grpc
    from tensorboard.data.proto import data_provider_pb2 as api
    from tensorboard.data.proto import data_provider_pb2_grpc as api_grpc

    with open(port_file, encoding="ascii") as file:
        port = int(file.read())
    with grpc.insecure_channel(f"localhost:{port}", options=[("grpc.max_receive_message_length", -1)]) as channel:
        request = api.ReadScalarsRequest(
            plugin_filter=api.PluginFilter(plugin_name="scalars"), downsample=api.Downsample(num_points=2**31 - 1)
        )
        response = api_grpc.TensorBoardDataProviderStub(channel).ReadScalars(request, timeout=TIMEOUT_S)
    return sum(len(tag.data.step) for run in response.runs for tag in run.tags)


def measure_data_server(logdir: str, warm_up: str, count: bool) -> dict[str, Any]:
    """Load time, CPU time and peak memory of the data server on ``logdir``; ``count``: also the points it holds."""
    with tempfile.TemporaryDirectory(prefix="lightboard-bench-server-") as workdir:
        with data_server(warm_up, workdir) as (process, lines, _):
            wait_for_load(lines)
            before = proc_status(process.pid, "VmHWM")
        with data_server(logdir, workdir) as (process, lines, port_file):
            seconds = wait_for_load(lines)
            peak, cpu = proc_status(process.pid, "VmHWM"), cpu_seconds_of(process.pid)
            points = served_points(port_file) if count else None
    memory = None if peak is None or before is None else peak - before
    return {"points": points, "seconds": seconds, "cpu_seconds": cpu, "peak_bytes": memory}


def measure(reader: Reader, shape: Shape, logdir: str, warm_up: str, repeats: int) -> Measurement:
    """The best of ``repeats`` measurements of ``reader`` on ``logdir``; an error is recorded, not raised."""
    result = Measurement(reader.name, shape.name)
    samples = []
    try:
        for repeat in range(repeats):
            if reader.load is None:
                sample = measure_data_server(logdir, warm_up, count=repeat == 0)
            else:
                sample = measure_in_child(reader, logdir, warm_up)
            samples.append(sample)
    except Exception as error:  # a peer that is missing or cannot run here is reported, not fatal
        if not reader.peer:
            raise
        result.error = f"{type(error).__name__}: {error}"
        return result
    best = min(samples, key=lambda sample: sample["seconds"])
    result.seconds, result.cpu_seconds, result.peak_bytes = best["seconds"], best["cpu_seconds"], best["peak_bytes"]
    result.points = samples[0]["points"]
    result.repeats, result.samples = repeats, [sample["seconds"] for sample in samples]
    if reader.name == DATA_SERVER:
        result.note = "its own 'Finished load cycle' time; --samples-per-plugin scalars=all (default keeps 1,000)"
        if result.points is None:
            result.points = shape.points
    return result


# -- reporting -------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, or n/a."""
    if value is None:
        return "n/a"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def lightboard_result(results: list[Measurement], logdir: str) -> Measurement | None:
    """lightboard's numpy read of ``logdir``."""
    return next((r for r in results if r.reader == LIGHTBOARD and r.logdir == logdir and r.seconds), None)


def table(results: list[Measurement]) -> str:
    """The measurements as an aligned text (and Markdown) table, with time and memory ratios to lightboard."""
    header = ["reader", "logdir", "points", "s", "M events/s", "CPU s", "peak MB", "B/point", "time/lb", "mem/lb"]
    rows = [header]
    for result in results:
        own = lightboard_result(results, result.logdir)
        label = reader_named(result.reader).label
        if result.error:
            rows.append([label, result.logdir, *["n/a"] * (len(header) - 2)])
            continue
        speed = result.seconds / own.seconds if own and own.seconds and result.seconds else None
        own_memory, memory = own and own.bytes_per_point, result.bytes_per_point
        memory = memory / own_memory if own_memory and memory is not None else None
        rows.append(
            [
                label,
                result.logdir,
                f"{result.points:,}",
                fmt(result.seconds),
                fmt((result.events_per_s or 0) / 1e6),
                fmt(result.cpu_seconds),
                fmt(None if result.peak_bytes is None else result.peak_bytes / 2**20),
                fmt(result.bytes_per_point),
                "n/a" if speed is None else f"{fmt(speed)}x",
                "n/a" if memory is None else f"{fmt(memory)}x",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [cells[0].ljust(widths[0]), cells[1].ljust(widths[1])]
        padded += [cell.rjust(width) for cell, width in zip(cells[2:], widths[2:], strict=True)]
        return "| " + " | ".join(padded) + " |"

    separator = "|" + "|".join(":" + "-" * (width + 1) for width in widths[:2])
    separator += "|" + "|".join("-" * (width + 1) + ":" for width in widths[2:]) + "|"
    return "\n".join([line(rows[0]), separator, *(line(row) for row in rows[1:])])


def targets(results: list[Measurement], logdir: str) -> list[dict[str, Any]]:
    """The issue's two targets for lightboard's numpy read of ``logdir``: measured figure and whether it is met."""
    own = lightboard_result(results, logdir)
    speed = own.events_per_s if own else None
    memory = own.bytes_per_point if own else None
    return [
        {
            "target": f"lightboard.read → numpy >= 10M scalar events/s ({logdir} logdir, warm page cache)",
            "measured": speed,
            "met": None if speed is None else speed >= 10e6,
            "shown": fmt(None if speed is None else speed / 1e6) + "M/s",
        },
        {
            "target": f"lightboard.read → numpy <= 24 bytes of memory per scalar point ({logdir} logdir)",
            "measured": memory,
            "met": None if memory is None else memory <= 24,
            "shown": fmt(memory) + " B",
        },
    ]


def section(quick: bool = False, full: bool = False, progress: bool = True) -> dict[str, Any]:
    """Write the logdirs, measure every reader, print the table, notes and targets; return the raw numbers.

    ``quick``: tiny logdirs, one repeat (a smoke run of seconds). ``full``: the slow readers on the large
    logdir too (minutes more).
    """
    started = time.perf_counter()
    shapes = [QUICK_SMALL, QUICK_LARGE] if quick else [SMALL, LARGE]
    repeats = 1 if quick else 3
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="lightboard-bench-read-") as root:
        paths = {shape.name: os.path.join(root, shape.name) for shape in [*shapes, WARM_UP]}
        for shape in [*shapes, WARM_UP]:
            write_logdir(paths[shape.name], shape)
        for index, shape in enumerate(shapes):
            warm_page_cache(paths[shape.name])
            for reader in READERS:
                if reader.slow and index > 0 and not full:
                    continue
                if progress:
                    print(f"  read {shape.name}: {reader.label} ...", end="", flush=True, file=sys.stderr)
                result = measure(reader, shape, paths[shape.name], paths[WARM_UP.name], 1 if reader.slow else repeats)
                results.append(result)
                if progress:
                    print(f" {result.error or fmt(result.seconds) + ' s'}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    checks = targets(results, shapes[-1].name)

    print(f"\nReading scalars{' (--quick)' if quick else ''}:\n")
    print(table(results))
    print("\nNotes:")
    for shape in shapes:
        print(f"  - {shape.name} logdir: {shape.describe()} ({shape.points:,} points), written by lightboard")
    print(
        f"  - fresh interpreter per measurement, warm page cache, after an untimed read of a tiny logdir; fast "
        f"readers best of {repeats}, slow ones (pure Python, EventAccumulator, tbparse) one run"
        + ("" if full or quick else f", on the {shapes[0].name} logdir only (--full: on every logdir)")
    )
    print(
        "  - CPU s: user + system time of the reading process (its threads together; OPENBLAS_NUM_THREADS=1); "
        "peak MB: peak resident memory during the read over the memory before it; B/point = that / points"
    )
    print("  - time/lb, mem/lb: this reader over lightboard.read → numpy on the same logdir (> 1: lightboard wins)")
    print("  - scalars_frame() and tbparse build pandas DataFrames; EventAccumulator lists of ScalarEvent tuples")
    for result in results:
        if result.error:
            print(f"  - {reader_named(result.reader).label} ({result.logdir}): not measured: {result.error}")
    server = next((r for r in results if r.reader == DATA_SERVER and not r.error), None)
    if server:
        print(f"  - data server: {server.note}; CPU s > s: it loads runs on several threads")
    print("\nTargets (issue 5):")
    for check in checks:
        verdict = "n/a " if check["met"] is None else ("PASS" if check["met"] else "MISS")
        print(f"  [{verdict}] {check['target']}  (measured: {check['shown']})")
    print(f"\n(read section ran in {elapsed:.0f} s)", flush=True)
    return {
        "quick": quick,
        "full": full,
        "logdirs": {shape.name: {**asdict(shape), "points": shape.points} for shape in shapes},
        "results": [
            {**asdict(result), "events_per_s": result.events_per_s, "bytes_per_point": result.bytes_per_point}
            for result in results
        ],
        "targets": [{key: check[key] for key in ("target", "measured", "met")} for check in checks],
        "seconds": elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny logdirs, one repeat (smoke test)")
    parser.add_argument("--full", action="store_true", help="the slow readers on the large logdir too")
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers to PATH")
    parser.add_argument("--child", nargs=3, metavar=("READER", "LOGDIR", "WARM_UP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    payload = section(quick=args.quick, full=args.full)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
