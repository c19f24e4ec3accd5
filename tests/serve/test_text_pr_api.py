"""The text and PR curves API (``/api/text``, ``/api/pr_curves`` and their ``/steps``) against the reader and
against TensorBoard's own HTTP API (``--load_fast`` true and false), on files written by tensorboardX,
``torch.utils.tensorboard`` and lightboard.

Text: TensorBoard renders Markdown to HTML on its side; with ``markdown=false`` it serves each value as an HTML
table of its cells (HTML in them escaped), from which the raw strings are recovered and compared with ours.
PR curves: every field TensorBoard serves (thresholds, precision, recall, the four counts, step, wall time) is
compared on every step; ``fpr``, ``pr_auc`` and ``roc_auc`` (ours only) are recomputed here from the counts.
"""

from __future__ import annotations

import html
import html.parser
import pathlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient
from tensorboardX import SummaryWriter as TensorboardXWriter
from torch.utils.tensorboard import SummaryWriter as TorchWriter

from lightboard import SummaryWriter, read
from lightboard.proto.summary_pb2 import Summary
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_STRING
from lightboard.serve.app import create_app
from lightboard.serve.source import LiveLogdir
from lightboard.summaries.text import _METADATA as TEXT_METADATA
from tests.tensorboard_server import TensorBoardServer

pytestmark = pytest.mark.timeout(300)

WRITERS = {"lightboard": SummaryWriter, "tensorboardX": TensorboardXWriter, "torch": TorchWriter}
STEPS = 12
"""Fewer than TensorBoard keeps of a text or PR curve tag (100), so it serves every step."""
WALL0 = 1_700_000_000.0


def note(run: str, step: int) -> str:
    """The text ``run`` logs at ``step``: Markdown, non-ASCII, and HTML that must stay text."""
    extra = " <script>window.pwned=1</script> & <b>tags</b>" if step % 3 == 0 else ""
    return f"# {run} step {step}\n\n**bold** _ünïcode_ ✓ [link](https://example.com/{step}){extra}"


TABLE = [["name", "**value**"], ["<script>alert(1)</script>", "a & b"], ["x", "y"]]


def table_summary(tag: str, rows: list[list[str]]) -> Summary:
    """A 2-D string tensor under the text plugin (what TensorFlow's text summary writes for a table)."""
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=len(rows)), TensorShapeProto.Dim(size=len(rows[0]))])
    cells = [cell.encode() for row in rows for cell in row]
    tensor = TensorProto(dtype=DT_STRING, tensor_shape=shape, string_val=cells)
    return Summary(value=[Summary.Value(tag=tag, metadata=TEXT_METADATA, tensor=tensor)])


def curve_inputs(step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(step)
    labels = rng.random(400) < 0.35
    predictions = np.clip(rng.normal(0.35 + 0.04 * step * labels, 0.25), 0, 1).astype(np.float32)
    weights = rng.uniform(0.2, 2.0, 400)
    return labels, predictions, weights


# A raw curve whose weighted counts at the third threshold sum to 1.2 (0.6 + 0.6): TensorBoard truncates each count
# first (0 + 0) and drops that threshold; summing first would keep it.
FRACTIONAL = np.array(
    [[3, 1.5, 0.6, 0, 0], [2, 1, 0.6, 0, 0], [0, 1, 1.4, 2, 2], [0, 1.5, 2.4, 3, 3],
     [0.6, 0.6, 0.5, 0, 0], [1, 0.5, 0.2, 0, 0]],
    dtype=np.float32,
)  # fmt: skip
NO_POSITIVES = np.array([[0, 0, 0], [5, 2, 0], [0, 3, 5], [0, 0, 0], [0, 0, 0], [0, 0, 0]], dtype=np.float32)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("text_pr")
    for run, writer_class in WRITERS.items():
        writer = writer_class(str(root / run))
        for step in range(STEPS):
            wall = WALL0 + step
            writer.add_text("notes", note(run, step), step, walltime=wall)
            labels, predictions, weights = curve_inputs(step)
            writer.add_pr_curve("pr/plain", labels, predictions, step, walltime=wall)
            if step % 4 == 0:
                writer.add_pr_curve("pr/weighted", labels, predictions, step, 51, weights=weights, walltime=wall)
        if run == "lightboard":
            writer.add_pr_curve_raw("pr/raw", *FRACTIONAL, 0, FRACTIONAL.shape[1], walltime=WALL0)
            writer.add_pr_curve_raw("pr/raw", *NO_POSITIVES, 1, NO_POSITIVES.shape[1], walltime=WALL0 + 1)
            for step in range(3):
                rows = [row[:] for row in TABLE]
                rows[2][1] = f"step {step}"
                writer._get_file_writer().add_summary(table_summary("table/text_summary", rows), step, WALL0 + step)
        writer.close()
    return root


@pytest.fixture(scope="module")
def client(logdir: pathlib.Path) -> Iterator[TestClient]:
    with TestClient(create_app(LiveLogdir(str(logdir)), reload_interval=0), base_url="http://localhost") as c:
        yield c


def text_tags(run: str) -> list[str]:
    return ["notes/text_summary", "table/text_summary"] if run == "lightboard" else ["notes/text_summary"]


def pr_tags(run: str) -> list[str]:
    return ["pr/plain", "pr/raw", "pr/weighted"] if run == "lightboard" else ["pr/plain", "pr/weighted"]


def get(client: TestClient, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- against the reader ------------------------------------------------------------------------------------------


def test_tags_list_every_writer(client: TestClient) -> None:
    assert get(client, "/api/text/tags") == {
        "notes/text_summary": ["lightboard", "tensorboardX", "torch"],
        "table/text_summary": ["lightboard"],
    }
    assert get(client, "/api/pr_curves/tags") == {
        "pr/plain": ["lightboard", "tensorboardX", "torch"],
        "pr/raw": ["lightboard"],
        "pr/weighted": ["lightboard", "tensorboardX", "torch"],
    }


@pytest.mark.parametrize("run", list(WRITERS))
def test_text_is_every_value_the_reader_has(client: TestClient, logdir: pathlib.Path, run: str) -> None:
    reader = read(logdir).run(run)
    for tag in text_tags(run):
        body = get(client, "/api/text", run=run, tag=tag)
        expected = reader.text(tag)
        assert body["total"] == len(expected) == (STEPS if tag.startswith("notes") else 3)
        assert [(p["step"], p["wall_time"], p["text"]) for p in body["points"]] == [
            (t.step, t.wall_time, t.text) for t in expected
        ]
    notes = get(client, "/api/text", run=run, tag="notes/text_summary")["points"]
    assert [p["text"] for p in notes] == [note(run, step) for step in range(STEPS)]


def test_a_2d_tensor_comes_as_rows_of_cells(client: TestClient) -> None:
    points = get(client, "/api/text", run="lightboard", tag="table/text_summary")["points"]
    assert [p["text"] for p in points] == [[*TABLE[:2], ["x", f"step {step}"]] for step in range(3)]


@pytest.mark.parametrize("run", list(WRITERS))
def test_steps_route_lists_every_step_and_searches_them(client: TestClient, run: str) -> None:
    tag = "notes/text_summary"
    assert get(client, "/api/text/steps", run=run, tag=tag) == {
        "run": run, "tag": tag, "total": STEPS, "steps": list(range(STEPS)),
    }  # fmt: skip
    # Case-insensitive, across every step: the HTML is in steps 0, 3, 6, 9; "STEP 1" in 1, 10, 11.
    assert get(client, "/api/text/steps", run=run, tag=tag, q="<SCRIPT>")["steps"] == [0, 3, 6, 9]
    assert get(client, "/api/text/steps", run=run, tag=tag, q="STEP 1")["steps"] == [1, 10, 11]
    assert get(client, "/api/text/steps", run=run, tag=tag, q="no such text")["steps"] == []
    # A table's cells are searched one by one.
    assert get(client, "/api/text/steps", run="lightboard", tag="table/text_summary", q="step 2")["steps"] == [2]
    assert get(client, "/api/pr_curves/steps", run=run, tag="pr/weighted")["steps"] == [0, 4, 8]


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/text/steps", {"run": "nope", "tag": "notes/text_summary"}, 404, "no run 'nope'"),
        ("/api/text/steps", {"run": "torch", "tag": "pr/plain"}, 404, "run 'torch' has no text tag 'pr/plain'"),
        ("/api/pr_curves/steps", {"run": "torch"}, 400, "missing argument 'tag'"),
        ("/api/pr_curves/steps", {"run": "torch", "tag": "notes/text_summary"}, 404, "no pr_curves tag"),
    ],
)
def test_steps_route_errors(client: TestClient, path: str, params: dict, status: int, message: str) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status and message in answer.json()["error"]


def trapezoids(x: list[float], y: list[float]) -> float:
    return abs(float(np.trapezoid(np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64))))


@pytest.mark.parametrize("run", list(WRITERS))
def test_pr_curves_are_the_reader_curves_with_fpr_and_areas(client: TestClient, logdir: pathlib.Path, run: str) -> None:
    reader = read(logdir).run(run)
    for tag in pr_tags(run):
        body = get(client, "/api/pr_curves", run=run, tag=tag)
        curves = reader.pr_curves(tag)
        assert [p["step"] for p in body["points"]] == [c.step for c in curves]
        for point, curve in zip(body["points"], curves, strict=True):
            end = len(point["thresholds"])
            tp, fp, tn, fn, precision, recall = curve.data
            assert point["wall_time"] == curve.wall_time
            assert point["thresholds"] == curve.thresholds[:end].tolist()
            assert point["precision"] == precision[:end].tolist() and point["recall"] == recall[:end].tolist()
            for name, row in zip(("true_positives", "false_positives", "true_negatives", "false_negatives"),
                                 (tp, fp, tn, fn), strict=True):  # fmt: skip
                assert point[name] == [int(v) for v in row[:end]]
            false, negatives = fp[:end].astype(np.float64), (fp.astype(np.float64) + tn)[:end]
            expected_fpr = np.where(negatives > 0, false / np.where(negatives > 0, negatives, 1), 0.0)
            assert np.allclose(point["fpr"], expected_fpr, rtol=1e-12, atol=0)
            if tp[0] + fn[0] > 0:
                assert point["pr_auc"] == pytest.approx(
                    trapezoids([*recall[:end], 0], [*precision[:end], 1]), abs=1e-12
                )
            if tp[0] + fn[0] > 0 and fp[0] + tn[0] > 0:
                assert point["roc_auc"] == pytest.approx(trapezoids([*expected_fpr, 0], [*recall[:end], 0]), abs=1e-12)
            assert all(0 <= point[key] <= 1 for key in ("pr_auc", "roc_auc") if point[key] is not None)


def test_pr_thresholds_dropped_as_tensorboard_drops_them(client: TestClient) -> None:
    fractional, no_positives = get(client, "/api/pr_curves", run="lightboard", tag="pr/raw")["points"]
    # Counts truncated one by one: 0.6 + 0.6 is no predicted positive, so thresholds 0.5 and on are dropped.
    assert fractional["thresholds"] == [0.0, 0.25]
    assert fractional["true_positives"] == [3, 1] and fractional["false_positives"] == [2, 1]
    # Without positive examples neither area is defined; the curve is still served.
    assert no_positives["pr_auc"] is None and no_positives["roc_auc"] is None
    assert no_positives["false_positives"] == [5, 2] and no_positives["fpr"] == [1.0, 0.4]


def test_areas_of_a_perfect_and_of_a_useless_classifier(tmp_path: pathlib.Path) -> None:
    labels = np.array([0, 0, 1, 1] * 50, dtype=bool)
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_pr_curve("perfect", labels, np.where(labels, 0.9, 0.1), 0)
        writer.add_pr_curve("constant", labels, np.full(labels.shape, 0.5), 0)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as c:
        perfect = get(c, "/api/pr_curves", run="run", tag="perfect")["points"][0]
        constant = get(c, "/api/pr_curves", run="run", tag="constant")["points"][0]
    assert perfect["pr_auc"] == pytest.approx(1.0) and perfect["roc_auc"] == pytest.approx(1.0)
    # Everything predicted alike: the ROC curve is the diagonal (area 1/2); precision is the positive share (1/2)
    # up to recall 1, then the curve's end at (recall 0, precision 1) adds the triangle above it: 1/2 + 1/4.
    assert constant["roc_auc"] == pytest.approx(0.5) and constant["pr_auc"] == pytest.approx(0.75)


def test_roc_auc_is_the_rank_statistic_of_the_thresholded_predictions(tmp_path: pathlib.Path) -> None:
    """The ROC-AUC from the served counts is exactly the probability that a positive example's threshold bucket is
    above a negative one's (ties counting half): the Mann-Whitney statistic, computed here from the examples."""
    rng = np.random.default_rng(11)
    labels = rng.random(5000) < 0.3
    predictions = np.clip(rng.normal(0.4 + 0.2 * labels, 0.2), 0, 1).astype(np.float32)
    thresholds = 51
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_pr_curve("pr", labels, predictions, 0, thresholds)
    with TestClient(create_app(LiveLogdir(str(tmp_path)), reload_interval=0), base_url="http://localhost") as c:
        served = get(c, "/api/pr_curves", run="run", tag="pr")["points"][0]
    buckets = np.floor(predictions * np.float32(thresholds - 1)).astype(np.int64)
    positives = np.bincount(buckets[labels], minlength=thresholds).astype(np.float64)
    negatives = np.bincount(buckets[~labels], minlength=thresholds).astype(np.float64)
    below = np.cumsum(negatives) - negatives  # negatives in lower buckets, per bucket
    mann_whitney = float(np.sum(positives * (below + negatives / 2)) / (positives.sum() * negatives.sum()))
    # Up to the float32 rounding of the recall the curve stores (the area is that of the points served).
    assert served["roc_auc"] == pytest.approx(mann_whitney, rel=1e-6)


# -- against TensorBoard -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast=true", "load_fast=false"])
def tensorboard(request: pytest.FixtureRequest, logdir: pathlib.Path) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logdir, load_fast=request.param) as server:
        server.wait_for_tags(
            {
                "text": {run: set(text_tags(run)) for run in WRITERS},
                "pr_curves": {run: set(pr_tags(run)) for run in WRITERS},
            }
        )

        def everything_loaded() -> bool:
            return all(
                len(server.get_json("/data/plugin/pr_curves/pr_curves", run=run, tag="pr/plain")[run]) == STEPS
                for run in WRITERS
            )

        server.wait_for(everything_loaded, 30, "every step of every PR curve tag")
        # The Python loader keeps a sample of 10 texts per tag (reservoir): wait until it stops changing.
        server.wait_until_stable(
            [("/data/plugin/text/text", {"run": run, "tag": tag}) for run in WRITERS for tag in text_tags(run)]
        )
        yield server


class Cells(html.parser.HTMLParser):
    """The rows of cells of the HTML tables TensorBoard serves for text, each cell's text unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tensorboard_cells(markup: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(markup)
    return parser.rows


@pytest.mark.parametrize("run", list(WRITERS))
def test_text_matches_tensorboard(client: TestClient, tensorboard: TensorBoardServer, run: str) -> None:
    for tag in text_tags(run):
        answer = get(client, "/api/text", run=run, tag=tag)
        ours = {p["step"]: p for p in answer["points"]}
        assert answer["total"] == len(ours) == (STEPS if tag.startswith("notes") else 3)  # every step, no sample
        raw = tensorboard.get_json("/data/plugin/text/text", run=run, tag=tag, markdown="false")
        rendered = tensorboard.get_json("/data/plugin/text/text", run=run, tag=tag)
        # --load_fast=true serves every step here; the Python loader a sample of 10: compare on those it serves.
        assert len(raw) >= min(10, len(ours)) and [e["step"] for e in raw] == [e["step"] for e in rendered]
        for entry in raw:
            point = ours[entry["step"]]
            assert entry["wall_time"] == point["wall_time"]
            cells = tensorboard_cells(entry["text"])
            # A string logged as a [1] tensor (every writer's add_text) is TensorBoard's one-cell table.
            assert cells == ([[point["text"]]] if isinstance(point["text"], str) else point["text"])
        for entry in rendered:
            if isinstance(ours[entry["step"]]["text"], str):
                assert "<strong>bold</strong>" in entry["text"] and "<script>" not in entry["text"]


@pytest.mark.parametrize("run", list(WRITERS))
def test_pr_curves_match_tensorboard(client: TestClient, tensorboard: TensorBoardServer, run: str) -> None:
    for tag in pr_tags(run):
        ours = get(client, "/api/pr_curves", run=run, tag=tag)["points"]
        theirs = tensorboard.get_json("/data/plugin/pr_curves/pr_curves", run=run, tag=tag)[run]
        assert len(theirs) == len(ours) > 0
        for entry, point in zip(theirs, ours, strict=True):
            assert set(entry) <= set(point)
            assert {key: point[key] for key in entry} == entry, (run, tag, entry["step"])
