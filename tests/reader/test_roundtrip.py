"""Every kind lightboard's writer produces comes back from the reader equal to what was logged."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import lightboard
from lightboard import SummaryWriter
from lightboard.summaries import custom_scalars, hparams, mesh


def test_runs_and_kinds(logged: tuple[Path, dict]) -> None:
    logdir = lightboard.read(logged[0])
    assert logdir.runs == ["main", "main/group/a", "main/group/b", "main/trial"]
    assert logdir.damage == []
    tags = logdir.tags()["main"]
    assert tags["scalars"] == ["double", "loss"]
    assert tags["histograms"] == ["weights"]
    assert tags["images"] == ["clip", "picture"]
    assert tags["audio"] == ["sound"]
    assert tags["text"] == ["lightboard/alerts", "note/text_summary"]  # the alert of the NaN in loss
    assert tags["pr_curves"] == ["pr"]
    assert tags["mesh"] == ["shape_FACE", "shape_VERTEX"]
    assert tags["custom_scalars"] == ["custom_scalars__config__"]
    assert logdir.tags()["main/trial"]["hparams"] == [
        "_hparams_/experiment", "_hparams_/session_end_info", "_hparams_/session_start_info"
    ]


def test_scalars(logged: tuple[Path, dict]) -> None:
    logdir, given = lightboard.read(logged[0]), logged[1]
    series = logdir.scalars("main", "loss")
    assert series.step.tolist() == list(range(6))
    assert series.wall_time.tolist() == [1000.0 + s for s in range(6)]
    expected = np.array(given["scalars"], dtype=np.float32)
    assert series.value.dtype == np.float32
    np.testing.assert_array_equal(series.value, expected)
    assert math.isnan(series.value[1]) and series.value[4] == 16777216.0  # float32 on disk, NaN kept
    assert logdir.scalars("main", "double").value.tolist() == [np.float32(0.1)]  # a DT_FLOAT tensor
    assert logdir.scalars("main/group/b", "group").value.tolist() == [2.0]


def test_histograms(logged: tuple[Path, dict]) -> None:
    logdir, given = lightboard.read(logged[0]), logged[1]
    points = logdir.run("main").histograms("weights")
    assert [p.step for p in points] == [0, 1, 2]
    for point, values in zip(points, given["histograms"], strict=True):
        assert point.counts.sum() == len(values)
        assert point.edges[0] == values.min() and point.edges[-1] == values.max()
        assert len(point.counts) > 10
        np.testing.assert_array_equal(np.histogram(values, point.edges)[0], point.counts)  # no value on an edge


def test_images_video_audio(logged: tuple[Path, dict]) -> None:
    run, given = lightboard.read(logged[0]).run("main"), logged[1]
    (picture,) = run.images("picture")
    assert (picture.width, picture.height) == (6, 8)
    np.testing.assert_array_equal(picture.to_array(), given["image"].transpose(1, 2, 0))
    (clip,) = run.images("clip")
    with PILImage.open(io.BytesIO(clip.encoded)) as gif:
        assert gif.format == "GIF" and gif.n_frames == 3
    (sound,) = run.audio("sound")
    samples, rate = sound.to_array()
    assert rate == 8000 and sound.sample_rate == 8000
    np.testing.assert_allclose(samples / 32767, given["audio"], atol=1 / 32767)


def test_text_pr_mesh_layout_hparams(logged: tuple[Path, dict]) -> None:
    logdir, given = lightboard.read(logged[0]), logged[1]
    run = logdir.run("main")
    assert [(p.step, p.text) for p in run.text("note/text_summary")] == [(0, "**bold** ✓")]
    (curve,) = run.pr_curves("pr")
    assert curve.data.shape == (6, 11)
    positives = given["labels"].sum()
    assert curve.data[0, 0] == positives and curve.recall[0] == 1.0
    (_, _, value), = run.values("shape_VERTEX")
    _, vertices = mesh.parse(value)
    np.testing.assert_array_equal(vertices, given["vertices"])
    (_, _, layout_value), = run.values("custom_scalars__config__")
    assert custom_scalars.parse(layout_value).category[0].title == "Losses"
    (_, _, start), = logdir.run("main/trial").values(hparams.SESSION_START_INFO_TAG)
    assert hparams.parse(start).session_start_info.hparams["optimizer"].string_value == "adam"
    (row,) = logdir.hparams().to_dict("records")
    assert row == {"run": "main/trial", "deep": True, "lr": 0.01, "optimizer": "adam", "hp/accuracy": 0.75}


def test_graph(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_graph(torch.nn.Linear(3, 2), torch.zeros(1, 3))
    run = lightboard.read(tmp_path).run(".")
    assert run.tags()["graphs"] == ["__run_graph__"]
    from lightboard.proto.graph_pb2 import GraphDef

    ((step, _, graph),) = run.graphs()
    assert step == 0 and any(node.op == "aten::linear" for node in GraphDef.FromString(graph).node)
