"""Side-by-side benchmarks of lightboard, tensorboardX and torch.utils.tensorboard ``SummaryWriter``.

Run ``make bench`` (or ``.venv/bin/python benchmarks/run.py``); ``--quick`` is a smoke run, ``--json PATH``
dumps the raw numbers, ``--only NAME`` picks benchmarks. See ``benchmarks/README.md``.

Adding a benchmark of a writer method is one small function: decorate ``op(writer, calls)`` with
:func:`call_benchmark`; it is timed for every writer in :data:`WRITERS` and lands in the table and the
JSON. Benchmarks of another shape (like :class:`ImportBenchmark`) implement :class:`Benchmark` and are
appended to :data:`BENCHMARKS`. Targets from the issues are :class:`Target` rows in :data:`TARGETS`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib
import json
import logging
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any, Protocol

import alerts
import read
import serve
import serve_histograms
import serve_many
import storage

# TensorFlow/TensorBoard C++ logging, and Python warnings of the peers (also inherited by subprocesses).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("PYTHONWARNINGS", "ignore")
warnings.filterwarnings("ignore")

LIGHTBOARD = "lightboard"

# -- writers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriterSpec:
    """One ``SummaryWriter`` implementation under test.

    Attributes:
        name: key in the JSON and column of the table.
        module: module that exports ``SummaryWriter``.
        peer: a library lightboard is compared with (may be timed on fewer calls, see :class:`CallBenchmark`).
    """

    name: str
    module: str
    peer: bool = True

    def load(self) -> type | None:
        """The ``SummaryWriter`` class, or None if the library is not installed."""
        try:
            return importlib.import_module(self.module).SummaryWriter
        except ImportError:
            return None


WRITERS: list[WriterSpec] = [
    WriterSpec(LIGHTBOARD, "lightboard", peer=False),
    WriterSpec("tensorboardX", "tensorboardX"),
    WriterSpec("torch", "torch.utils.tensorboard"),
]
"""Writers in table order; the first is the one the others are divided by."""


# -- results -----------------------------------------------------------------------------------------


@dataclass
class Result:
    """What one benchmark measured for one writer.

    Attributes:
        value: the headline number in the benchmark's unit (call loops: the best repeat; imports: the
            median); None if not measured.
        calls: calls per repeat (0 for benchmarks that are not call loops).
        caller_us: for call loops, µs per call seen by the caller, i.e. before ``close()``, in the repeat
            that gave ``value``.
        samples: the headline number of every repeat.
        caller_samples: ``caller_us`` of every repeat.
        extra: anything else worth keeping (e.g. whether an import loaded torch).
    """

    value: float | None
    calls: int = 0
    caller_us: float | None = None
    samples: list[float] = field(default_factory=list)
    caller_samples: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        """Median of the repeats."""
        return statistics.median(self.samples) if self.samples else None


@dataclass(frozen=True)
class Settings:
    """Run-wide knobs: ``quick`` shrinks everything to a smoke test."""

    quick: bool = False
    repeats: int = 5
    import_runs: int = 5


Sample = dict[str, Any]
"""One repeat's measurement of one writer."""


class Benchmark(Protocol):
    """Anything the runner can measure per writer.

    The runner warms every writer up, then takes the repeats round-robin over the writers (so that drift
    of the machine hits all of them alike) and hands each writer's samples to :meth:`summarize`.
    """

    name: str
    label: str
    unit: str

    def repeats(self, settings: Settings) -> int:
        """How many samples to take of each writer."""
        ...

    def warm_up(self, writer: WriterSpec, cls: type, settings: Settings) -> None:
        """Untimed run of ``writer`` (whose ``SummaryWriter`` is ``cls``): imports, caches, first files."""
        ...

    def sample(self, writer: WriterSpec, cls: type, settings: Settings) -> Sample:
        """One timed repeat."""
        ...

    def summarize(self, samples: list[Sample], settings: Settings) -> Result:
        """The result of one writer from its samples."""
        ...

    def describe(self, settings: Settings) -> str:
        """One line on what is measured, for the output's notes."""
        ...


# -- call-loop benchmarks ----------------------------------------------------------------------------

Op = Callable[[Any, int], None]
"""``op(writer, calls)``: make ``calls`` calls of one writer method."""


@contextlib.contextmanager
def fresh_logdir(writer: WriterSpec) -> Iterator[str]:
    """A new temporary log directory, deleted afterwards."""
    path = tempfile.mkdtemp(prefix=f"lightboard-bench-{writer.name}-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def time_op(cls: type, writer: WriterSpec, op: Op, calls: int) -> tuple[float, float]:
    """Run ``op`` on a new writer in a fresh directory; µs per call (before close, through close)."""
    with fresh_logdir(writer) as logdir:
        summary_writer = cls(logdir)
        gc.collect()
        start = time.perf_counter()
        op(summary_writer, calls)
        returned = time.perf_counter()
        summary_writer.close()
        closed = time.perf_counter()
    return (returned - start) / calls * 1e6, (closed - start) / calls * 1e6


@dataclass(frozen=True)
class CallBenchmark:
    """``calls`` calls of one writer method on a fresh writer, timed from the first call through ``close()``.

    Repeated ``settings.repeats`` times after a warm-up; the best repeat is the result. Peers may be timed on
    ``peer_calls`` calls per repeat (µs per call is an average, so it compares directly) to keep the run short.
    """

    name: str
    label: str
    op: Op
    calls: int
    peer_calls: int
    quick_calls: int
    unit: str = "µs/call"
    skip: dict[str, str] = field(default_factory=dict)
    """Writers not timed, with the reason (e.g. a peer whose result would not be comparable)."""

    def calls_for(self, writer: WriterSpec, settings: Settings) -> int:
        """Calls per repeat for ``writer``."""
        if settings.quick:
            return self.quick_calls
        return self.peer_calls if writer.peer else self.calls

    def repeats(self, settings: Settings) -> int:
        """``settings.repeats``."""
        return settings.repeats

    def warm_up(self, writer: WriterSpec, cls: type, settings: Settings) -> None:
        """A tenth of a repeat."""
        time_op(cls, writer, self.op, max(1, self.calls_for(writer, settings) // 10))

    def sample(self, writer: WriterSpec, cls: type, settings: Settings) -> Sample:
        """µs per call before and through ``close()``."""
        calls = self.calls_for(writer, settings)
        caller, total = time_op(cls, writer, self.op, calls)
        return {"calls": calls, "caller_us": caller, "total_us": total}

    def summarize(self, samples: list[Sample], settings: Settings) -> Result:
        """The best repeat (least time through ``close()``), and its caller-visible time."""
        best = min(samples, key=lambda sample: sample["total_us"])
        return Result(
            best["total_us"],
            best["calls"],
            best["caller_us"],
            [sample["total_us"] for sample in samples],
            [sample["caller_us"] for sample in samples],
        )

    def describe(self, settings: Settings) -> str:
        """What is timed and on how many calls."""
        own = next(writer for writer in WRITERS if not writer.peer)
        peer = next(writer for writer in WRITERS if writer.peer)
        lb, peer_calls = self.calls_for(own, settings), self.calls_for(peer, settings)
        counts = f"{lb:,} calls" if lb == peer_calls else f"{lb:,} calls for lightboard, {peer_calls:,} for the peers"
        return f"{self.label}: {counts} per repeat, best of {settings.repeats}, µs per call incl. close()"


BENCHMARKS: list[Benchmark] = []
"""Every benchmark, in table order."""


def call_benchmark(
    name: str,
    label: str,
    *,
    calls: int,
    peer_calls: int | None = None,
    quick_calls: int = 1000,
    skip: dict[str, str] | None = None,
) -> Callable[[Op], Op]:
    """Register ``op(writer, calls)`` as a :class:`CallBenchmark` (``skip``: writer name → why it is not timed)."""

    def register(op: Op) -> Op:
        peers = calls if peer_calls is None else peer_calls
        BENCHMARKS.append(CallBenchmark(name, label, op, calls, peers, min(quick_calls, calls), skip=skip or {}))
        return op

    return register


@functools.cache
def scalar_tensor() -> Any:
    """The 0-d torch tensor that the tensor ``add_scalar`` benchmark logs."""
    import torch

    return torch.tensor(0.5)


@functools.cache
def histogram_values() -> Any:
    """10,000 float32 normal samples, fixed seed."""
    import numpy as np

    return np.random.default_rng(0).standard_normal(10_000).astype(np.float32)


TEXT = "**Epoch 3** – loss went down to `0.25`; see [the notes](https://example.com/notes)."


@call_benchmark("add_scalar_float", "add_scalar (float)", calls=200_000, peer_calls=50_000, quick_calls=5_000)
def add_scalar_float(writer: Any, calls: int) -> None:
    """``add_scalar`` of a Python float."""
    add = writer.add_scalar
    for step in range(calls):
        add("train/loss", 0.5, step)


@call_benchmark("add_scalar_tensor", "add_scalar (0-d tensor)", calls=200_000, peer_calls=50_000, quick_calls=5_000)
def add_scalar_tensor(writer: Any, calls: int) -> None:
    """``add_scalar`` of a 0-d CPU torch tensor."""
    add, value = writer.add_scalar, scalar_tensor()
    for step in range(calls):
        add("train/loss", value, step)


def add_histogram(writer: Any, calls: int) -> None:
    """``add_histogram`` of 10,000 float32 values with the default bins."""
    add, values = writer.add_histogram, histogram_values()
    for step in range(calls):
        add("weights", values, step)


@functools.cache
def np_sort_us() -> float:
    """This machine's ``np.sort`` of the histogram's 10,000 float32 values, µs (best of 7 × 200).

    tensorboardX's ``add_histogram`` sorts (``np.histogram`` with explicit edges); lightboard's counts without
    sorting, so the speed-up depends on how fast numpy sorts on this CPU (a vectorised sort or not).
    """
    import numpy as np

    values = histogram_values()
    return min(timeit.repeat(lambda: np.sort(values), number=200, repeat=7)) / 200 * 1e6


@dataclass(frozen=True)
class HistogramBenchmark(CallBenchmark):
    """:class:`CallBenchmark` that also reports this machine's ``np.sort`` time of the values (:func:`np_sort_us`)."""

    def summarize(self, samples: list[Sample], settings: Settings) -> Result:
        """As :meth:`CallBenchmark.summarize`, with ``extra["np_sort_us"]``."""
        result = super().summarize(samples, settings)
        result.extra["np_sort_us"] = np_sort_us()
        return result

    def describe(self, settings: Settings) -> str:
        """As :meth:`CallBenchmark.describe`, with the ``np.sort`` time of the values here."""
        return (
            f"{super().describe(settings)}; np.sort of these 10k float32 takes {np_sort_us():.1f} µs on this "
            "machine (tensorboardX sorts them, lightboard counts in one pass)"
        )


BENCHMARKS.append(HistogramBenchmark("add_histogram", "add_histogram (10k f32)", add_histogram, 2_000, 500, 20))


@call_benchmark("add_text", "add_text (markdown)", calls=20_000, quick_calls=500)
def add_text(writer: Any, calls: int) -> None:
    """``add_text`` of a short Markdown string."""
    add = writer.add_text
    for step in range(calls):
        add("notes", TEXT, step)


@functools.cache
def image_tensor() -> Any:
    """A 3×64×64 float32 torch image in [0, 1] (CHW, as tensorboardX users pass), fixed seed."""
    import torch

    return torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(0))


@functools.cache
def image_batch() -> Any:
    """16 float32 torch images 3×64×64 in [0, 1] (NCHW), fixed seed."""
    import torch

    return torch.rand(16, 3, 64, 64, generator=torch.Generator().manual_seed(1))


@functools.cache
def video_tensor() -> Any:
    """8 videos of 16 frames, 3×32×32 float32 in [0, 1] (NTCHW), fixed seed."""
    import torch

    return torch.rand(8, 16, 3, 32, 32, generator=torch.Generator().manual_seed(2))


@call_benchmark("add_image", "add_image (3×64×64 f32)", calls=5_000, peer_calls=500, quick_calls=50)
def add_image(writer: Any, calls: int) -> None:
    """``add_image`` of a 64×64 RGB float CHW tensor (PNG encoded)."""
    add, image = writer.add_image, image_tensor()
    for step in range(calls):
        add("image", image, step)


@call_benchmark("add_images", "add_images (16×3×64×64 f32)", calls=500, peer_calls=50, quick_calls=5)
def add_images(writer: Any, calls: int) -> None:
    """``add_images`` of 16 images, one 8×2 grid PNG."""
    add, batch = writer.add_images, image_batch()
    for step in range(calls):
        add("images", batch, step)


@call_benchmark(
    "add_video",
    "add_video (8×16×3×32×32 f32)",
    calls=100,
    peer_calls=10,
    quick_calls=2,
    skip={"torch": "torch.utils.tensorboard imports moviepy.editor, which moviepy 2 removed: it writes no GIF"},
)
def add_video(writer: Any, calls: int) -> None:
    """``add_video`` of 8 videos of 16 frames 32×32 RGB at 4 fps, tiled into one animated GIF."""
    add, video = writer.add_video, video_tensor()
    for step in range(calls):
        add("video", video, step)


@functools.cache
def resnet50() -> Any:
    """ResNet-50 (torchvision's layout, 25.6 M parameters; see models.py) and a 1×3×224×224 input."""
    import torch
    from models import ResNet50

    torch.manual_seed(0)
    return ResNet50(), torch.randn(1, 3, 224, 224)


@call_benchmark("add_graph_resnet50", "add_graph (ResNet-50)", calls=3, quick_calls=1)
def add_graph_resnet50(writer: Any, calls: int) -> None:
    """``add_graph`` of a ResNet-50 (trace + GraphDef + run metadata); tensorboardX delegates to torch's."""
    model, x = resnet50()
    for _ in range(calls):
        writer.add_graph(model, x)


@functools.cache
def audio_clip() -> Any:
    """1 s of mono float32 audio at 16 kHz: a 440 Hz tone at half scale."""
    import numpy as np

    return (0.5 * np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000)).astype(np.float32)


@call_benchmark("add_audio", "add_audio (1 s, 16 kHz mono)", calls=2_000, peer_calls=200, quick_calls=20)
def add_audio(writer: Any, calls: int) -> None:
    """``add_audio`` of one second of 16 kHz mono float32 samples."""
    add, clip = writer.add_audio, audio_clip()
    for step in range(calls):
        add("speech", clip, step, sample_rate=16_000)


@functools.cache
def pr_inputs() -> Any:
    """10,000 0/1 labels and float32 predictions, fixed seed."""
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.integers(0, 2, 10_000), rng.random(10_000).astype(np.float32)


@call_benchmark("add_pr_curve", "add_pr_curve (10k points)", calls=2_000, peer_calls=500, quick_calls=20)
def add_pr_curve(writer: Any, calls: int) -> None:
    """``add_pr_curve`` of 10,000 points with the default 127 thresholds."""
    add, (labels, predictions) = writer.add_pr_curve, pr_inputs()
    for step in range(calls):
        add("pr", labels, predictions, step)


# -- import benchmark --------------------------------------------------------------------------------

IMPORT_CODE = """\
import json, sys, time
t = time.perf_counter()
from {module} import SummaryWriter
elapsed = time.perf_counter() - t
print(json.dumps({{"seconds": elapsed, "torch": "torch" in sys.modules}}))
"""


@dataclass(frozen=True)
class ImportBenchmark:
    """Wall time of ``from X import SummaryWriter`` in a fresh interpreter (median of several)."""

    name: str = "import"
    label: str = "import SummaryWriter"
    unit: str = "s"

    def run_once(self, writer: WriterSpec) -> dict[str, Any]:
        """One fresh interpreter (run in a temporary directory, so nothing local shadows the libraries)."""
        with fresh_logdir(writer) as cwd:
            done = subprocess.run(
                [sys.executable, "-c", IMPORT_CODE.format(module=writer.module)],
                cwd=cwd,
                capture_output=True,
                text=True,
                check=True,
            )
        return json.loads(done.stdout.strip().splitlines()[-1])

    def repeats(self, settings: Settings) -> int:
        """``settings.import_runs``."""
        return settings.import_runs

    def warm_up(self, writer: WriterSpec, cls: type, settings: Settings) -> None:
        """One untimed run (bytecode caches, page cache)."""
        self.run_once(writer)

    def sample(self, writer: WriterSpec, cls: type, settings: Settings) -> Sample:
        """Seconds of one import in a fresh interpreter, and whether it loaded torch."""
        return self.run_once(writer)

    def summarize(self, samples: list[Sample], settings: Settings) -> Result:
        """The median."""
        seconds = [sample["seconds"] for sample in samples]
        torch_loaded = any(sample["torch"] for sample in samples)
        return Result(statistics.median(seconds), samples=seconds, extra={"torch_imported": torch_loaded})

    def describe(self, settings: Settings) -> str:
        """What is timed."""
        return (
            f"{self.label}: fresh `python -c` per run, median of {settings.import_runs} (after one untimed run); "
            "'+torch' marks libraries whose import loads torch"
        )


BENCHMARKS.append(ImportBenchmark())


# -- targets -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A goal from an issue: lightboard's number, or a peer's number divided by it, against a bound."""

    text: str
    benchmark: str
    bound: float
    versus: str | None = None
    """Peer whose value is divided by lightboard's (a speed-up, must be >= bound); None: lightboard's own
    value must be <= bound."""
    caller_visible: bool = False
    """Check lightboard's caller-visible time (before ``close()``) instead of its total."""

    def check(self, results: dict[str, dict[str, Result]]) -> tuple[float | None, bool | None]:
        """The measured figure and whether it meets the bound (None when it could not be measured)."""
        row = results.get(self.benchmark, {})
        own = row.get(LIGHTBOARD)
        if own is None or own.value is None:
            return None, None
        if self.versus is None:
            value = own.caller_us if self.caller_visible else own.value
            return (None, None) if value is None else (value, value <= self.bound)
        peer = row.get(self.versus)
        if peer is None or peer.value is None or own.value <= 0:
            return None, None
        ratio = peer.value / own.value
        return ratio, ratio >= self.bound


TARGETS: list[Target] = [
    Target("add_scalar (float) >= 20x faster than tensorboardX", "add_scalar_float", 20, "tensorboardX"),
    Target("add_scalar (float) <= 2 µs per call", "add_scalar_float", 2.0),
    Target("add_scalar (0-d tensor) >= 20x faster than tensorboardX", "add_scalar_tensor", 20, "tensorboardX"),
    Target("add_scalar (0-d tensor) <= 2 µs per call", "add_scalar_tensor", 2.0),
    Target("add_histogram (10k float32) >= 6x faster than tensorboardX", "add_histogram", 6, "tensorboardX"),
    Target("import <= 0.1 s", "import", 0.1),
    Target("add_image (3×64×64) caller-visible <= 30 µs", "add_image", 30.0, caller_visible=True),
    Target("add_image (3×64×64) >= 2x faster than tensorboardX", "add_image", 2, "tensorboardX"),
]


# -- running and reporting ---------------------------------------------------------------------------


def quiet_peers() -> None:
    """Silence the log chatter of tensorboard, tensorboardX and torch."""
    for name in ("tensorboard", "tensorboardX", "torch", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)


def run(benchmarks: list[Benchmark], settings: Settings, progress: bool = True) -> dict[str, dict[str, Result]]:
    """Measure every benchmark for every installed writer: ``{benchmark: {writer: Result}}``."""
    quiet_peers()
    classes = {writer.name: writer.load() for writer in WRITERS}
    present = [writer for writer in WRITERS if classes[writer.name] is not None]
    results: dict[str, dict[str, Result]] = {}
    for bench in benchmarks:
        if progress:
            print(f"  {bench.label} ...", end="", flush=True, file=sys.stderr)
        errors: dict[str, str] = dict(getattr(bench, "skip", {}))
        for writer in (writer for writer in present if writer.name not in errors):
            try:
                bench.warm_up(writer, classes[writer.name], settings)
            except Exception as error:  # a peer that cannot do this (e.g. a missing optional dependency)
                if not writer.peer:
                    raise
                errors[writer.name] = f"{type(error).__name__}: {error}"
        working = [writer for writer in present if writer.name not in errors]
        samples: dict[str, list[Sample]] = {writer.name: [] for writer in working}
        for _ in range(bench.repeats(settings)):
            for writer in working:
                samples[writer.name].append(bench.sample(writer, classes[writer.name], settings))
        row = results[bench.name] = {}
        for writer in WRITERS:
            if classes[writer.name] is None:
                row[writer.name] = Result(None, extra={"error": f"{writer.module} is not installed"})
            elif writer.name in errors:
                row[writer.name] = Result(None, extra={"error": errors[writer.name]})
            else:
                row[writer.name] = bench.summarize(samples[writer.name], settings)
        if progress:
            shown = ", ".join(f"{name} {fmt(result.value)}" for name, result in row.items())
            print(f" {shown} ({bench.unit})", file=sys.stderr)
    return results


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (no exponent for everyday magnitudes), or n/a."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if value >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}" if value >= 1e-3 else f"{value:.2e}"


def ratio(peer: Result | None, own: Result | None) -> str:
    """``peer / own`` as ``12.3x``."""
    if peer is None or own is None or peer.value is None or own.value is None or own.value <= 0:
        return "n/a"
    return f"{fmt(peer.value / own.value)}x"


def table(benchmarks: list[Benchmark], results: dict[str, dict[str, Result]]) -> str:
    """The results as an aligned text (and Markdown) table."""
    peers = [writer.name for writer in WRITERS[1:]]
    header = ["operation", "unit", *(writer.name for writer in WRITERS), *(f"{peer}/lightboard" for peer in peers)]
    rows = [header]
    for bench in benchmarks:
        row = results.get(bench.name)
        if row is None:
            continue
        own = row.get(LIGHTBOARD)

        def cell(result: Result | None) -> str:
            text = fmt(None if result is None else result.value)
            return text + (" +torch" if result is not None and result.extra.get("torch_imported") else "")

        rows.append(
            [
                bench.label,
                bench.unit,
                *(cell(row.get(writer.name)) for writer in WRITERS),
                *(ratio(row.get(peer), own) for peer in peers),
            ]
        )
        if any(result.caller_us is not None for result in row.values()):
            caller = {name: Result(result.caller_us) for name, result in row.items()}
            rows.append(
                [
                    "  ↳ caller-visible (before close)",
                    bench.unit,
                    *(cell(caller.get(writer.name)) for writer in WRITERS),
                    *(ratio(caller.get(peer), caller.get(LIGHTBOARD)) for peer in peers),
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [cells[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    separator = "|:" + "-" * (widths[0] + 1) + "|" + "|".join("-" * (width + 1) + ":" for width in widths[1:]) + "|"
    return "\n".join([line(rows[0]), separator, *(line(row) for row in rows[1:])])


def target_report(results: dict[str, dict[str, Result]]) -> tuple[list[str], list[dict[str, Any]]]:
    """PASS/MISS lines for :data:`TARGETS` (those whose benchmark ran) and their JSON form."""
    lines, records = [], []
    for target in TARGETS:
        if target.benchmark not in results:
            continue
        measured, met = target.check(results)
        verdict = "n/a " if met is None else ("PASS" if met else "MISS")
        shown = "n/a" if measured is None else (f"{fmt(measured)}x" if target.versus else fmt(measured))
        lines.append(f"  [{verdict}] {target.text}  (measured: {shown})")
        records.append({"target": target.text, "measured": measured, "met": met})
    return lines, records


def versions() -> dict[str, str]:
    """Interpreter, machine and library versions."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count()),
    }
    for package in ("lightboard", "tensorboardX", "torch", "tensorboard", "protobuf", "numpy"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = "not installed"
    return info


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a much smaller run (smoke test)")
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers to PATH")
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help="run only this benchmark (repeatable): "
        + ", ".join(bench.name for bench in BENCHMARKS)
        + ", read (the readers' section, see read.py), serve (the viewer's, serve.py), histograms (the viewer's "
        "histograms and distributions, serve_histograms.py), storage (S3, storage.py), "
        "alerts (the alerts' cost, alerts.py), many (the viewer with many runs and tags, serve_many.py)",
    )
    args = parser.parse_args(argv)
    settings = Settings(quick=True, repeats=1, import_runs=1) if args.quick else Settings()
    chosen = [bench for bench in BENCHMARKS if not args.only or bench.name in args.only]
    sections = {"read", "serve", "histograms", "storage", "alerts", "many"}
    unknown = set(args.only or ()) - {bench.name for bench in BENCHMARKS} - sections
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    info = versions()
    print(
        f"lightboard benchmarks{' (--quick)' if settings.quick else ''}: Python {info['python']} on "
        f"{info['platform']}, {info['cpus']} CPUs; tensorboardX {info['tensorboardX']}, torch {info['torch']}, "
        f"tensorboard {info['tensorboard']}, protobuf {info['protobuf']}, numpy {info['numpy']}",
        flush=True,
    )
    started = time.perf_counter()
    results = run(chosen, settings)
    elapsed = time.perf_counter() - started

    lines, records = target_report(results)
    if chosen:
        print()
        print(table(chosen, results))
        print()
        print("Notes:")
        for bench in chosen:
            print(f"  - {bench.describe(settings)}")
        print("  - ratios > 1 mean lightboard is faster; each writer logs into its own fresh temporary directory")
        print()
        print("Targets:")
        print("\n".join(lines))
        print(f"\n(ran in {elapsed:.0f} s)")
    reading = read.section(quick=settings.quick) if not args.only or "read" in args.only else None
    serving = serve.section(quick=settings.quick) if not args.only or "serve" in args.only else None
    histograms = serve_histograms.section(quick=settings.quick) if not args.only or "histograms" in args.only else None
    uploading = storage.section(quick=settings.quick) if not args.only or "storage" in args.only else None
    alerting = alerts.section(quick=settings.quick) if not args.only or "alerts" in args.only else None
    crowding = serve_many.section(quick=settings.quick) if not args.only or "many" in args.only else None

    if args.json:
        payload = {
            "quick": settings.quick,
            "settings": asdict(settings),
            "versions": info,
            "writers": [asdict(writer) for writer in WRITERS],
            "benchmarks": {
                bench.name: {"label": bench.label, "unit": bench.unit, "description": bench.describe(settings)}
                for bench in chosen
            },
            "results": {
                name: {writer: {**asdict(result), "median": result.median} for writer, result in row.items()}
                for name, row in results.items()
            },
            "targets": records,
            "seconds": elapsed,
            "read": reading,
            "serve": serving,
            "histograms": histograms,
            "storage": uploading,
            "alerts": alerting,
            "many": crowding,
        }
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
