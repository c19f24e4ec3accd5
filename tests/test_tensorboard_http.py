"""Conformance: the real TensorBoard, with both loaders, serves exactly what lightboard logged.

One log directory is written once per module; TensorBoard is started on it twice (module-scoped,
parametrized fixture): ``--load_fast=true`` (the Rust data server, "RustBoard") and ``--load_fast=false``
(the Python multiplexer). Every assertion goes through TensorBoard's HTTP API, the same one its web
page uses.

Expected values are computed independently here: float32 rounding with numpy, histogram buckets with
``numpy.histogram`` and tensorboardX's layout rules, then each loader's documented conversion of the
legacy ``HistogramProto`` (tensorboard-format.md §9; RustBoard keeps every stored bucket, the Python
loader trims empty buckets at both ends). The same histograms and text are also written with
tensorboardX into a sibling run, and TensorBoard must serve both runs identically.
"""

from __future__ import annotations

import math
import os
import urllib.error
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from lightboard import SummaryWriter
from tests.tensorboard_server import TensorBoardServer

RUN = "train"
TBX_RUN = "tensorboardX"
WALL0 = 1_700_000_000.0
N_STEPS = 300  # below TensorBoard's 1000-point scalar reservoir and downsampling: every point must come back

SPECIAL_VALUES = [
    0.5,
    math.nan,
    math.inf,
    -math.inf,
    -2.25,
    3.0e38,  # near float32's largest finite value
    1e-45,  # float32 subnormal
    1e39,  # beyond float32: stored as +inf (the C cast protobuf applies)
    -1e39,
    16777217.0,  # 2**24 + 1: float32 rounds it to 2**24
    0.1,
    -0.0,
]

MARKDOWN = [
    "# Heading\n\nSome **bold** text, `inline code` and *emphasis*.\n\n- first item\n- second item\n\n"
    "unicode: naïve ✓ 東京",
    "## Second step\n\n1. one\n2. two\n\n> quoted",
]


def wall(step: int) -> float:
    """Wall time of a point: exact in float64 and distinct per step, so it can be compared exactly."""
    return WALL0 + step * 0.125


def f32(value: float) -> float:
    """``value`` rounded to float32 (overflow gives ±inf, like a C cast)."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def tb_json(value: float) -> float | str:
    """How TensorBoard's JSON encodes a float: NaN and ±inf become strings (``json_util.Cleanse``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


# -- histograms, computed independently --------------------------------------------------------------


def tensorflow_edges() -> np.ndarray:
    """TensorBoard's default bucket edges: ``±1e-12 · 1.1**k`` below 1e20, and 0."""
    positive = []
    value = 1e-12
    while value < 1e20:
        positive.append(value)
        value *= 1.1
    edges = np.array(positive)
    return np.concatenate([-edges[::-1], [0.0], edges])


@dataclass
class Histogram:
    """A legacy ``HistogramProto`` as tensorboardX lays it out: right edges and their counts."""

    min: float
    max: float
    limits: list[float]
    counts: list[float]
    num: int = 0


def expected_histogram(values: np.ndarray, bins: Any, max_bins: int | None = None) -> Histogram:
    """Bin ``values`` with numpy and lay the result out as tensorboardX does.

    Adjacent bins are merged in groups of ``len // max_bins`` when ``max_bins`` is exceeded; empty
    bins at both ends are dropped, except one empty bin left of the first non-empty one, whose right
    edge preserves the leftmost edge.
    """
    values = np.asarray(values, dtype=float).ravel()
    counts, edges = np.histogram(values, bins=tensorflow_edges() if bins == "tensorflow" else bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        starts = np.arange(0, len(counts), group)
        counts = np.add.reduceat(counts, starts)
        edges = np.append(edges[starts], edges[-1])
    nonzero = np.flatnonzero(counts)
    first, last = int(nonzero[0]), int(nonzero[-1])
    return Histogram(
        min=float(values.min()),
        max=float(values.max()),
        limits=edges[first : last + 2].tolist(),
        counts=[0.0, *counts[first : last + 1].tolist()],
        num=len(values),
    )


def served_buckets(histogram: Histogram, load_fast: bool) -> list[list[float]]:
    """The ``[left, right, count]`` triples each loader derives from a legacy histogram.

    Both use ``min`` as the first left edge and ``max`` as the last right edge. The Python loader first
    drops empty buckets at both ends and converts to float32 (``data_compat._migrate_histogram_value``);
    RustBoard keeps every bucket, in float64 (``data_compat.rs`` ``into_tensor``).
    """
    limits, counts = histogram.limits, histogram.counts
    if load_fast:
        inner = limits[:-1]
        lefts, rights = [histogram.min, *inner], [*inner, histogram.max]
        return [[lo, hi, float(c)] for lo, hi, c in zip(lefts, rights, counts, strict=True)]
    nonzero = [i for i, c in enumerate(counts) if c > 0]
    start, end = nonzero[0], nonzero[-1]
    inner = limits[start:end]
    return [
        [f32(lo), f32(hi), f32(c)]
        for lo, hi, c in zip([histogram.min, *inner], [*inner, histogram.max], counts[start : end + 1], strict=True)
    ]


# -- the log directory ---------------------------------------------------------------------------------


@dataclass
class Logged:
    """What was logged, as ``{(run, tag): [...]}``."""

    logdir: str
    scalars: dict[tuple[str, str], list[tuple[float, int, float]]] = field(default_factory=dict)
    histograms: dict[str, list[tuple[float, int, Histogram]]] = field(default_factory=dict)
    histogram_values: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    texts: dict[str, list[tuple[float, int, str]]] = field(default_factory=dict)

    def scalar(self, run: str, tag: str, step: int, value: float) -> None:
        """Record a scalar point as TensorBoard must serve it."""
        self.scalars.setdefault((run, tag), []).append((wall(step), step, f32(value)))


def histogram_calls() -> Iterator[tuple[str, int, np.ndarray, dict[str, Any]]]:
    """``(tag, step, values, add_histogram kwargs)`` for every histogram logged."""
    rng = np.random.default_rng(1234)
    for step in range(3):
        normal = rng.normal(0.0, 1.0 + step, 1000)
        normal[:3] = [0.0, -1e-13, 1e-13]  # around zero, inside the default edges' finest buckets
        yield "hist/default", step, normal, {}
        yield "hist/auto", step, rng.normal(step, 1.0, 500), {"bins": "auto"}
        yield "hist/int", step, rng.uniform(-3.0, 3.0, 200).astype(np.float32), {"bins": 20}
        yield "hist/max_bins", step, rng.exponential(1.0, 400) + step, {"bins": 100, "max_bins": 30}
        edges = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0]
        yield "hist/edges", step, np.clip(rng.normal(0.5, 1.0, 300), -2.0, 4.0), {"bins": edges}
        yield "hist/constant", step, np.full(7, 2.5 + step), {}


RAW = {  # add_histogram_raw: empty buckets at both ends and inside
    "min": -0.5,
    "max": 2.5,
    "num": 6,
    "sum": 5.0,
    "sum_squares": 9.5,
    "bucket_limits": [-1.0, 0.0, 1.0, 2.0, 3.0, 4.0],
    "bucket_counts": [0.0, 1.0, 2.0, 0.0, 3.0, 0.0],
}


def write_logdir(root: str) -> Logged:
    """Log everything with lightboard (run ``train``) and the histograms and text also with tensorboardX."""
    logged = Logged(root)
    with SummaryWriter(os.path.join(root, RUN), flush_secs=1, alerts=False) as writer:  # as tensorboardX: no alerts
        for step in range(N_STEPS):
            value = math.cos(step / 7) * math.exp(-step / 100)
            writer.add_scalar("loss", value, step, walltime=wall(step))
            logged.scalar(RUN, "loss", step, value)
        for step in range(0, N_STEPS, 3):
            value = -1.5 * step - 0.1
            writer.add_scalar("metrics/negative", np.float64(value), step, walltime=wall(step))
            logged.scalar(RUN, "metrics/negative", step, value)
        for step, value in enumerate(SPECIAL_VALUES):
            writer.add_scalar("special", value, step, walltime=wall(step))
            logged.scalar(RUN, "special", step, value)
        for step in range(5):
            writer.add_scalar("acc top-1", step / 4, step, walltime=wall(step))  # cleaned to acc_top-1
            logged.scalar(RUN, "acc_top-1", step, step / 4)
        for step in range(10):
            writer.add_scalar("new_style", step / 3, step, walltime=wall(step), new_style=True)
            logged.scalar(RUN, "new_style", step, step / 3)
        for step in range(50):
            pair = {"train": 1.0 / (step + 1), "val": -0.5 * step}
            writer.add_scalars("losses", pair, step, walltime=wall(step))
            for key, value in pair.items():
                logged.scalar(f"{RUN}/losses/{key}", "losses", step, value)
        for tag, step, values, kwargs in histogram_calls():
            writer.add_histogram(tag, values, step, walltime=wall(step), **kwargs)
            histogram = expected_histogram(values, kwargs.get("bins", "tensorflow"), kwargs.get("max_bins"))
            logged.histograms.setdefault(tag, []).append((wall(step), step, histogram))
            logged.histogram_values[tag, step] = values
        for step in range(2):
            writer.add_histogram_raw("hist/raw", **RAW, global_step=step, walltime=wall(step))
            raw = Histogram(RAW["min"], RAW["max"], RAW["bucket_limits"], RAW["bucket_counts"], RAW["num"])
            logged.histograms.setdefault("hist/raw", []).append((wall(step), step, raw))
        for step, text in enumerate(MARKDOWN):
            writer.add_text("notes", text, step, walltime=wall(step))
            logged.texts.setdefault("notes/text_summary", []).append((wall(step), step, text))

    from tensorboardX import SummaryWriter as TensorboardXWriter

    reference = TensorboardXWriter(os.path.join(root, TBX_RUN))
    try:
        for tag, step, values, kwargs in histogram_calls():
            reference.add_histogram(tag, values, step, walltime=wall(step), **kwargs)
        for step in range(2):
            reference.add_histogram_raw("hist/raw", **RAW, global_step=step, walltime=wall(step))
        for step, text in enumerate(MARKDOWN):
            reference.add_text("notes", text, step, walltime=wall(step))
    finally:
        reference.close()
    return logged


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Logged:
    """The log directory, written once for both loaders."""
    return write_logdir(str(tmp_path_factory.mktemp("tensorboard_http")))


def scalar_runs(logged: Logged) -> dict[str, set[str]]:
    """``{run: {scalar tags}}`` that was logged."""
    runs: dict[str, set[str]] = {}
    for run, tag in logged.scalars:
        runs.setdefault(run, set()).add(tag)
    return runs


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast=true", "load_fast=false"])
def server(request: pytest.FixtureRequest, logged: Logged) -> Iterator[TensorBoardServer]:
    """TensorBoard on the log directory, with each loader in turn, once it has loaded everything."""
    with TensorBoardServer(logged.logdir, load_fast=request.param) as tensorboard:
        tensorboard.wait_for_tags(
            {
                "scalars": scalar_runs(logged),
                "histograms": {RUN: set(logged.histograms), TBX_RUN: set(logged.histograms)},
                "text": {RUN: set(logged.texts), TBX_RUN: set(logged.texts)},
            }
        )
        requests: list[tuple[str, dict[str, str]]] = [
            ("/data/plugin/scalars/scalars", {"run": run, "tag": tag}) for run, tag in logged.scalars
        ]
        requests += [
            ("/data/plugin/histograms/histograms", {"run": run, "tag": tag})
            for tag in logged.histograms
            for run in (RUN, TBX_RUN)
        ]
        requests += [("/data/plugin/text/text", {"run": RUN, "tag": tag}) for tag in logged.texts]
        tensorboard.wait_until_stable(requests)
        yield tensorboard


# -- tests -----------------------------------------------------------------------------------------------


def test_loader_is_the_requested_one(server: TensorBoardServer) -> None:
    provider = server.get_json("/data/environment")["debug"]["data_provider"]
    if server.load_fast:
        assert provider.startswith("GrpcDataProvider(")
        assert "rustboard_core" in server.log()
    else:
        assert provider.startswith("MultiplexerDataProvider(")
        assert "rustboard_core" not in server.log()


def test_runs(server: TensorBoardServer, logged: Logged) -> None:
    expected = {RUN, TBX_RUN, f"{RUN}/losses/train", f"{RUN}/losses/val"}
    runs = server.get_json("/data/runs")
    assert sorted(runs) == sorted(expected)


def test_scalar_tags(server: TensorBoardServer, logged: Logged) -> None:
    tags = server.get_json("/data/plugin/scalars/tags")
    assert {run: set(run_tags) for run, run_tags in tags.items()} == scalar_runs(logged)
    for run_tags in tags.values():
        for tag, info in run_tags.items():
            # The Python loader's read-time migration sets the display name to the tag; RustBoard leaves it empty.
            assert info["displayName"] in ("", tag)
            assert info["description"] == ""


@pytest.mark.parametrize(
    ("run", "tag"),
    [
        (RUN, "loss"),
        (RUN, "metrics/negative"),
        (RUN, "special"),
        (RUN, "acc_top-1"),
        (RUN, "new_style"),
        (f"{RUN}/losses/train", "losses"),
        (f"{RUN}/losses/val", "losses"),
    ],
)
def test_scalars_exact(server: TensorBoardServer, logged: Logged, run: str, tag: str) -> None:
    points = server.get_json("/data/plugin/scalars/scalars", run=run, tag=tag)
    expected = [[wall_time, step, tb_json(value)] for wall_time, step, value in logged.scalars[run, tag]]
    assert len(points) == len(expected)
    assert points == expected


def test_special_values_encoding(server: TensorBoardServer) -> None:
    """NaN and ±inf come back as the JSON strings TensorBoard uses; the rest as float32 numbers."""
    values = [value for _, _, value in server.get_json("/data/plugin/scalars/scalars", run=RUN, tag="special")]
    assert values == [
        0.5,
        "NaN",
        "Infinity",
        "-Infinity",
        -2.25,
        f32(3.0e38),
        f32(1e-45),
        "Infinity",
        "-Infinity",
        16777216.0,
        f32(0.1),
        0.0,
    ]
    assert math.copysign(1.0, values[-1]) == -1.0  # -0.0 keeps its sign


def test_unknown_tag_is_not_found(server: TensorBoardServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as error:
        server.get("/data/plugin/scalars/scalars", run=RUN, tag="no-such-tag")
    assert error.value.code in (400, 404)


def test_histogram_tags(server: TensorBoardServer, logged: Logged) -> None:
    tags = server.get_json("/data/plugin/histograms/tags")
    assert {run: set(run_tags) for run, run_tags in tags.items()} == {
        RUN: set(logged.histograms),
        TBX_RUN: set(logged.histograms),
    }


@pytest.mark.parametrize(
    "tag", ["hist/default", "hist/auto", "hist/int", "hist/max_bins", "hist/edges", "hist/constant", "hist/raw"]
)
def test_histograms_exact(server: TensorBoardServer, logged: Logged, tag: str) -> None:
    served = server.get_json("/data/plugin/histograms/histograms", run=RUN, tag=tag)
    expected = [
        [wall_time, step, served_buckets(histogram, server.load_fast)]
        for wall_time, step, histogram in logged.histograms[tag]
    ]
    assert [entry[:2] for entry in served] == [entry[:2] for entry in expected]
    for (_, step, buckets), (_, _, want) in zip(served, expected, strict=True):
        assert len(buckets) == len(want), f"step {step}: {len(buckets)} buckets, expected {len(want)}"
        assert buckets == want, f"step {step}"
    for _, step, buckets in served:
        counts = sum(count for _, _, count in buckets)
        if tag == "hist/raw":
            assert counts == sum(RAW["bucket_counts"])
        else:
            assert counts == len(logged.histogram_values[tag, step])


@pytest.mark.parametrize(("tag", "bins"), [("hist/int", 20), ("hist/edges", [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0])])
def test_histogram_edges_match_numpy(server: TensorBoardServer, logged: Logged, tag: str, bins: int | Sequence) -> None:
    """With explicit bins, every inner edge served is one of numpy's edges, and the counts are numpy's."""
    for _, step, buckets in server.get_json("/data/plugin/histograms/histograms", run=RUN, tag=tag):
        values = logged.histogram_values[tag, step].astype(float)  # add_histogram bins in float64
        counts, edges = np.histogram(values, bins=bins)
        convert = (lambda x: x) if server.load_fast else f32
        nonzero = np.flatnonzero(counts)
        first, last = int(nonzero[0]), int(nonzero[-1])
        served_inner = [right for _, right, _ in buckets[:-1]]
        served_counts = [count for _, _, count in buckets]
        if server.load_fast:  # RustBoard keeps the empty bucket left of the first non-empty one
            assert served_counts[0] == 0
            served_inner, served_counts = served_inner[1:], served_counts[1:]
        assert served_inner == [convert(edge) for edge in edges[first + 1 : last + 1]]
        assert served_counts == [float(count) for count in counts[first : last + 1]]
        assert buckets[-1][1] == convert(float(values.max()))


@pytest.mark.parametrize(
    "tag", ["hist/default", "hist/auto", "hist/int", "hist/max_bins", "hist/edges", "hist/constant", "hist/raw"]
)
def test_histograms_match_tensorboardx(server: TensorBoardServer, tag: str) -> None:
    ours = server.get_json("/data/plugin/histograms/histograms", run=RUN, tag=tag)
    theirs = server.get_json("/data/plugin/histograms/histograms", run=TBX_RUN, tag=tag)
    assert ours == theirs


def test_text(server: TensorBoardServer, logged: Logged) -> None:
    tags = server.get_json("/data/plugin/text/tags")
    assert {run: set(run_tags) for run, run_tags in tags.items()} == {
        RUN: set(logged.texts),
        TBX_RUN: set(logged.texts),
    }
    entries = server.get_json("/data/plugin/text/text", run=RUN, tag="notes/text_summary")
    assert [(entry["wall_time"], entry["step"]) for entry in entries] == [
        (wall_time, step) for wall_time, step, _ in logged.texts["notes/text_summary"]
    ]
    first, second = (entry["text"] for entry in entries)
    for fragment in (
        "<h1>Heading</h1>",
        "<strong>bold</strong>",
        "<code>inline code</code>",
        "<em>emphasis</em>",
        "<li>first item</li>",
        "<li>second item</li>",
        "unicode: naïve ✓ 東京",
    ):
        assert fragment in first
    assert first.startswith("<table>")  # a shape-[1] string tensor renders as a one-cell table
    for fragment in ("<h2>Second step</h2>", "<ol>", "<li>one</li>", "<blockquote>"):
        assert fragment in second


def test_text_matches_tensorboardx(server: TensorBoardServer) -> None:
    ours = server.get_json("/data/plugin/text/text", run=RUN, tag="notes/text_summary")
    theirs = server.get_json("/data/plugin/text/text", run=TBX_RUN, tag="notes/text_summary")
    assert ours == theirs
