"""``/api/histograms`` and ``/api/distributions`` on files written by tensorboardX, ``torch.utils.tensorboard``
and lightboard: every point as the reader reads it, TensorBoard's own HTTP API agreeing on every step it serves
(it keeps a sample), the nine percentiles equal to TensorBoard's ``compress_histogram``, and the cache of
decoded histograms following a run that grows or is rewritten."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from tensorboard.plugins.distribution.compressor import compress_histogram

from lightboard import SummaryWriter, read
from lightboard.serve.app import create_app
from lightboard.serve.plugins import distributions, histograms
from lightboard.serve.source import LiveLogdir
from tests.tensorboard_server import TensorBoardServer

pytestmark = pytest.mark.timeout(240)

STEPS = 620
"""More than TensorBoard's sample of a histogram tag (``--load_fast=true`` serves 51 of them; the Python loader
500), so it serves a sample and we serve every step."""
WRITERS = ("lightboard", "tensorboardX", "torch")


def values(step: int) -> np.ndarray:
    """What step ``step`` logs: a drifting normal, a constant at step 7 and nothing but zeros at step 11."""
    if step == 7:
        return np.full(50, 2.5)
    if step == 11:
        return np.zeros(40)
    return np.random.default_rng(step).normal(step / 100, 1 + step / 300, 300)


def write(root: pathlib.Path, writer_name: str) -> None:
    if writer_name == "lightboard":
        make = SummaryWriter
    elif writer_name == "tensorboardX":
        from tensorboardX import SummaryWriter as make  # type: ignore[no-redef]
    else:
        from torch.utils.tensorboard import SummaryWriter as make  # type: ignore[no-redef]
    writer = make(str(root / writer_name))
    for step in range(STEPS):
        writer.add_histogram("layer/weights", values(step), step, walltime=1_000.0 + step)
    writer.close()


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("histograms")
    for name in WRITERS:
        write(root, name)
    return root


@pytest.fixture(scope="module")
def client(logdir: pathlib.Path) -> Iterator[TestClient]:
    with TestClient(create_app(LiveLogdir(str(logdir)), reload_interval=0), base_url="http://localhost") as c:
        yield c


@pytest.fixture(scope="module")
def tensorboard(logdir: pathlib.Path) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logdir, load_fast=True) as server:
        server.wait_for_tags({"histograms": {name: {"layer/weights"} for name in WRITERS}})
        yield server


def edges(rows: list) -> np.ndarray:
    """API buckets (null for a non-finite edge) as a float array."""
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float).reshape(-1, 3)


def trimmed(buckets: list) -> np.ndarray:
    """RustBoard's buckets of a legacy histogram (it keeps every stored bucket, empty ones at the ends included)
    without the empty buckets at both ends."""
    rows = np.array(buckets, dtype=float).reshape(-1, 3)
    filled = np.flatnonzero(rows[:, 2])
    return rows[filled[0] : filled[-1] + 1] if len(filled) else rows[:0]


@pytest.mark.parametrize("run", WRITERS)
def test_every_histogram_as_the_reader_reads_it(client: TestClient, logdir: pathlib.Path, run: str) -> None:
    body = client.get("/api/histograms", params={"run": run, "tag": "layer/weights"}).json()
    expected = read(logdir).run(run).histograms("layer/weights")
    assert body["total"] == len(body["points"]) == len(expected) == STEPS
    for point, histogram in zip(body["points"], expected, strict=True):
        assert point["step"] == histogram.step and point["wall_time"] == histogram.wall_time
        np.testing.assert_array_equal(edges(point["buckets"]), histogram.buckets)


@pytest.mark.parametrize("run", WRITERS)
def test_percentiles_are_tensorboards_compressor_on_the_readers_buckets(
    client: TestClient, logdir: pathlib.Path, run: str
) -> None:
    body = client.get("/api/distributions", params={"run": run, "tag": "layer/weights"}).json()
    expected = read(logdir).run(run).histograms("layer/weights")
    assert body["total"] == len(body["points"]) == STEPS
    for point, histogram in zip(body["points"], expected, strict=True):
        assert point["step"] == histogram.step
        reference = compress_histogram(histogram.buckets)
        assert [bp for bp, _ in point["percentiles"]] == [bp for bp, _ in reference]
        np.testing.assert_allclose(
            [v for _, v in point["percentiles"]], [v for _, v in reference], rtol=1e-9, atol=1e-12
        )


@pytest.mark.parametrize("run", WRITERS)
def test_tensorboards_http_api_agrees_on_every_step_it_serves(
    client: TestClient, tensorboard: TensorBoardServer, run: str
) -> None:
    ours = {
        p["step"]: p
        for p in client.get("/api/histograms", params={"run": run, "tag": "layer/weights"}).json()["points"]
    }
    theirs = tensorboard.get_json("/data/plugin/histograms/histograms", run=run, tag="layer/weights")
    assert 0 < len(theirs) < len(ours) == STEPS  # TensorBoard keeps a sample; we serve every step
    for wall_time, step, buckets in theirs:
        assert ours[step]["wall_time"] == pytest.approx(wall_time)
        mine, served = edges(ours[step]["buckets"]), trimmed(buckets)
        # Equal buckets; the outer edges are the histogram's min and max in ours (as TensorBoard's Python loader
        # migrates them), the stored bucket limits around them in RustBoard's.
        np.testing.assert_array_equal(mine[:, 2], served[:, 2])
        np.testing.assert_allclose(mine[1:, 0], served[1:, 0], rtol=1e-6)
        np.testing.assert_allclose(mine[:-1, 1], served[:-1, 1], rtol=1e-6)
        assert served[0, 0] <= mine[0, 0] and mine[-1, 1] <= served[-1, 1] * (1 + 1e-6 * np.sign(served[-1, 1]))

    ours_d = {
        p["step"]: p
        for p in client.get("/api/distributions", params={"run": run, "tag": "layer/weights"}).json()["points"]
    }
    theirs_d = tensorboard.get_json("/data/plugin/distributions/distributions", run=run, tag="layer/weights")
    assert 0 < len(theirs_d) < STEPS
    for wall_time, step, compressed in theirs_d:
        assert ours_d[step]["wall_time"] == pytest.approx(wall_time)
        np.testing.assert_allclose(
            [v for _, v in ours_d[step]["percentiles"]], [v for _, v in compressed], rtol=1e-5, atol=1e-9
        )


def test_steps_spread_and_range(client: TestClient) -> None:
    body = client.get("/api/histograms", params={"run": "torch", "tag": "layer/weights", "steps": 7}).json()
    assert body["total"] == STEPS and [p["step"] for p in body["points"]] == [0, 103, 206, 310, 413, 516, 619]
    body = client.get(
        "/api/distributions", params={"run": "torch", "tag": "layer/weights", "xmin": 100, "xmax": 199, "steps": 10}
    ).json()
    assert body["total"] == 100 and len(body["points"]) == 10
    assert body["points"][0]["step"] == 100 and body["points"][-1]["step"] == 199


def test_edge_histograms(client: TestClient) -> None:
    """A constant histogram has every percentile at the constant; one of zeros at zero."""
    for step, constant in ((7, 2.5), (11, 0.0)):
        body = client.get(
            "/api/distributions", params={"run": "lightboard", "tag": "layer/weights", "xmin": step, "xmax": step}
        ).json()
        (point,) = body["points"]
        assert [v for _, v in point["percentiles"]] == pytest.approx([constant] * 9)


def test_a_growing_run_decodes_only_new_steps_and_a_rewritten_one_anew(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        for step in range(30):
            writer.add_histogram("h", values(step), step, walltime=10.0 + step)
    source = LiveLogdir(str(tmp_path))
    with TestClient(create_app(source, reload_interval=0.05), base_url="http://localhost") as c:
        first = c.get("/api/distributions", params={"run": "run", "tag": "h"}).json()
        assert first["total"] == 30
        run = read(tmp_path).run("run")
        before = histograms.decoded(run, "h")
        with SummaryWriter(tmp_path / "run") as writer:
            for step in range(30, 45):
                writer.add_histogram("h", values(step), step, walltime=100.0 + step)
        deadline = time.monotonic() + 30
        while c.get("/api/distributions", params={"run": "run", "tag": "h"}).json()["total"] < 45:
            assert time.monotonic() < deadline, "the server never read the new steps"
            time.sleep(0.05)
        run = read(tmp_path).run("run")
        after = histograms.decoded(run, "h")
        assert len(after) == 45 and after.buckets(0) is before.buckets(0)  # decoded once, kept
        grown = c.get("/api/distributions", params={"run": "run", "tag": "h"}).json()
        assert grown["total"] == 45
        expected = run.histograms("h")
        for point, histogram in zip(grown["points"], expected, strict=True):
            assert point["step"] == histogram.step
            np.testing.assert_allclose(
                [v for _, v in point["percentiles"]], [v for _, v in compress_histogram(histogram.buckets)], atol=1e-12
            )
        body = c.get("/api/histograms", params={"run": "run", "tag": "h", "xmin": 40}).json()
        assert [p["step"] for p in body["points"]] == list(range(40, 45))
        np.testing.assert_array_equal(edges(body["points"][-1]["buckets"]), expected[-1].buckets)

    # Same directory, other histograms at the same number of steps (a run rewritten): decoded anew.
    for path in (tmp_path / "run").iterdir():
        path.unlink()
    with SummaryWriter(tmp_path / "run") as writer:
        for step in range(45):
            writer.add_histogram("h", values(step + 1000), step, walltime=500.0 + step)
    run = read(tmp_path).run("run")
    table = distributions.points(run, "h")
    for point, histogram in zip(table, run.histograms("h"), strict=True):
        assert point["wall_time"] == histogram.wall_time
        np.testing.assert_allclose(
            [v for _, v in point["percentiles"]], [v for _, v in compress_histogram(histogram.buckets)], atol=1e-12
        )


buckets_strategy = st.lists(
    st.tuples(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        st.floats(min_value=0, max_value=1e3, allow_nan=False),
        st.one_of(st.just(0.0), st.integers(min_value=0, max_value=1000).map(float)),
    ),
    min_size=0,
    max_size=40,
)


def to_buckets(spec: list[tuple[float, float, float]]) -> np.ndarray:
    """Contiguous ascending buckets from (start, width, count) triples."""
    if not spec:
        return np.zeros((0, 3))
    rows, left = [], spec[0][0]
    for _, width, count in spec:
        rows.append((left, left + width, count))
        left += width
    return np.array(rows)


@settings(max_examples=300, deadline=None)
@given(st.lists(buckets_strategy, min_size=1, max_size=6))
def test_percentiles_match_tensorboards_compressor(specs: list) -> None:
    """Property: the vectorised table, over several histograms at once, equals the compressor on each."""
    arrays = [to_buckets(spec) for spec in specs]
    table = distributions.percentile_table(arrays)
    for array, row in zip(arrays, table, strict=True):
        reference = [v for _, v in compress_histogram(array)]
        scale = max(1.0, float(np.abs(array[:, :2]).max()) if len(array) else 1.0)
        np.testing.assert_allclose(row, reference, rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize(
    ("counts", "limits"),
    [
        ([], []),
        ([0.0, 0.0], [1.0, 2.0]),
        ([3.0], [1.5]),
        ([0.0, 2.0, 0.0, 5.0, 0.0], [-1.0, 0.0, 1.0, 2.0, 1.7976931348623157e308]),
        ([1.0, 1.0], [float("-inf"), float("inf")]),
    ],
)
def test_fast_legacy_decoding_is_the_readers(counts: list[float], limits: list[float]) -> None:
    """The plugin reads legacy histograms from their bytes; the buckets are the reader's, edge cases included."""
    from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary

    from lightboard.summaries.histogram import buckets_of

    value = Summary.Value(tag="h", histo=HistogramProto(min=-0.5, max=2.5, num=9, bucket_limit=limits, bucket=counts))
    np.testing.assert_array_equal(histograms.legacy_buckets(value), buckets_of(value))


def test_fast_decoding_leaves_other_layouts_to_the_reader() -> None:
    from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary

    mismatched = Summary.Value(tag="h", histo=HistogramProto(bucket_limit=[1.0, 2.0], bucket=[1.0]))
    assert histograms.legacy_buckets(mismatched) is None
    assert histograms.legacy_buckets(Summary.Value(tag="h", simple_value=1.0)) is None


def test_decoded_histograms_kept_are_bounded(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache of decoded histograms drops the least recently used run/tags past its bounds."""
    with SummaryWriter(tmp_path / "run") as writer:
        for step in range(10):
            for tag in ("a", "b", "c"):
                writer.add_histogram(tag, values(step), step)
    run = read(tmp_path).run("run")
    monkeypatch.setattr(histograms, "KEEP_HISTOGRAMS", 25)
    for tag in ("a", "b", "c"):
        histograms.decoded(run, tag)
    kept = {key[2] for key in histograms._cache if key[0] == run.directory}
    assert kept == {"b", "c"}  # 30 > 25: "a", the least recently used, went
    monkeypatch.setattr(histograms, "KEEP_HISTOGRAMS", 5)
    histograms.decoded(run, "a")
    assert {key[2] for key in histograms._cache if key[0] == run.directory} == {"a"}  # the latest stays
