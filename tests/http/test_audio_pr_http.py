"""Conformance: the real TensorBoard, with both loaders, serves the audio and PR curves lightboard logged.

One log directory is written once per module; TensorBoard is started on it with ``--load_fast=true`` (RustBoard)
and ``--load_fast=false`` (the Python multiplexer). Audio comes back through the audio plugin's
``individualAudio`` route and is decoded with :mod:`wave`; PR curves come back through the pr_curves plugin and are
compared with curves computed by tensorboardX's ``compute_curve`` and trimmed as the plugin documents (trailing
thresholds where TP + FP = 0 are dropped). The same curve written by tensorboardX must be served identically.
"""

from __future__ import annotations

import io
import urllib.parse
import warnings
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from tensorboardX import SummaryWriter as TensorboardXWriter
from tensorboardX.summary import compute_curve

from lightboard import SummaryWriter
from tests.tensorboard_server import TensorBoardServer

RUN = "lightboard"
TBX_RUN = "tensorboardX"
WALL0 = 1_700_000_000.0
RNG = np.random.default_rng(2024)


@dataclass
class Clip:
    """One logged clip: what went in and the rate it was logged at."""

    samples: np.ndarray  # frames × channels; float in [-1, 1] before clipping, or int16
    sample_rate: int


def tone(frequency: float, amplitude: float, frames: int, rate: int) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * frequency * np.arange(frames) / rate)).astype(np.float32)


CLIPS: dict[str, dict[int, Clip]] = {
    "voice/mono": {
        0: Clip(tone(440, 0.5, 4000, 16000).reshape(-1, 1), 16000),
        5: Clip(tone(220, 0.9, 2000, 16000).reshape(-1, 1), 16000),
    },
    "voice/stereo int16": {0: Clip(RNG.integers(-32768, 32768, (1500, 2)).astype(np.int16), 8000)},
    "voice/channels first": {0: Clip(RNG.uniform(-1, 1, (900, 2)), 22050)},  # logged as (2, 900)
    "voice/clipped": {0: Clip(np.array([[0.5], [3.0], [-7.0], [1.0], [-0.25]]), 44100)},
}


@dataclass
class Curve:
    """One logged PR curve: the expected float32 ``(6, T)`` array and how it was logged."""

    expected: np.ndarray
    labels: np.ndarray | None = None
    predictions: np.ndarray | None = None
    weights: np.ndarray | None = None


def computed(size: int, num_thresholds: int, weighted: bool) -> Curve:
    labels = RNG.random(size) < 0.3
    predictions = np.clip(RNG.normal(0.35 + 0.3 * labels, 0.2), 0, 1).astype(np.float32)
    weights = RNG.uniform(0.5, 4, size) if weighted else None
    expected = compute_curve(labels, predictions, num_thresholds=num_thresholds, weights=weights).astype(np.float32)
    return Curve(expected, labels, predictions, weights)


RAW = np.array(
    [[75, 64, 21, 5, 0], [150, 105, 18, 0, 0], [0, 45, 132, 150, 150], [0, 11, 54, 70, 75],
     [0.3333333, 0.3786982, 0.5384616, 1.0, 0.0], [1.0, 0.8533334, 0.28, 0.0666667, 0.0]],
    dtype=np.float32,
)  # fmt: skip
CURVES: dict[str, dict[int, Curve]] = {
    "pr/default": {0: computed(2000, 127, False), 3: computed(500, 127, False)},
    "pr/fine weighted": {1: computed(10_000, 301, True)},  # more thresholds than tensorboardX allows
    "pr/raw": {2: Curve(RAW)},
}


def wall(step: int) -> float:
    return WALL0 + step * 0.5


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("audio_pr_http")
    with SummaryWriter(root / RUN) as writer, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the clipped clip warns; tested in tests/summaries
        for tag, clips in CLIPS.items():
            for step, clip in clips.items():
                snd = clip.samples.T if tag == "voice/channels first" else clip.samples
                writer.add_audio(tag, snd, step, sample_rate=clip.sample_rate, walltime=wall(step))
        for tag, curves in CURVES.items():
            for step, curve in curves.items():
                if curve.labels is None:
                    writer.add_pr_curve_raw(tag, *curve.expected, step, curve.expected.shape[1], walltime=wall(step))
                else:
                    thresholds = curve.expected.shape[1]
                    writer.add_pr_curve(
                        tag, curve.labels, curve.predictions, step, thresholds, curve.weights, walltime=wall(step)
                    )
    theirs = TensorboardXWriter(str(root / TBX_RUN))
    for step, curve in CURVES["pr/default"].items():
        theirs.add_pr_curve("pr/default", curve.labels, curve.predictions, step, 127, walltime=wall(step))
    theirs.close()
    return str(root)


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast=true", "load_fast=false"])
def server(request: pytest.FixtureRequest, logdir: str) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logdir, load_fast=request.param) as tensorboard:
        tensorboard.wait_for_tags(
            {"audio": {RUN: set(CLIPS)}, "pr_curves": {RUN: set(CURVES), TBX_RUN: {"pr/default"}}}
        )

        def everything_loaded() -> bool:
            return all(
                len(tensorboard.get_json("/data/plugin/audio/audio", run=RUN, tag=tag)) == len(clips)
                for tag, clips in CLIPS.items()
            ) and all(
                len(tensorboard.get_json("/data/plugin/pr_curves/pr_curves", run=RUN, tag=tag)[RUN]) == len(curves)
                for tag, curves in CURVES.items()
            )

        tensorboard.wait_for(everything_loaded, 30, "every step of every tag")
        yield tensorboard


# -- audio ---------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """``(frames × channels int16 samples, sample rate)`` of a WAV file, read with :mod:`wave`."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert wav.getsampwidth() == 2
        channels, rate = wav.getnchannels(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    return np.frombuffer(raw, dtype=np.int16).reshape(-1, channels), rate


def test_audio_tags(server: TensorBoardServer) -> None:
    tags = server.get_json("/data/plugin/audio/tags")[RUN]
    assert set(tags) == set(CLIPS)
    assert all(info["samples"] == 1 for info in tags.values())


@pytest.mark.parametrize("tag", list(CLIPS))
def test_audio_decodes_to_the_samples_logged(server: TensorBoardServer, tag: str) -> None:
    entries = server.get_json("/data/plugin/audio/audio", run=RUN, tag=tag)
    assert [entry["step"] for entry in entries] == sorted(CLIPS[tag])
    for entry in entries:
        clip = CLIPS[tag][entry["step"]]
        assert entry["wall_time"] == wall(entry["step"])
        assert entry["contentType"] == "audio/wav"
        query = dict(urllib.parse.parse_qsl(entry["query"]))
        pcm, rate = decode(server.get("/data/plugin/audio/individualAudio", **query))
        assert rate == clip.sample_rate
        assert pcm.shape == clip.samples.shape
        if clip.samples.dtype == np.int16:
            assert np.array_equal(pcm, clip.samples)
        else:
            expected = np.clip(clip.samples.astype(np.float64), -1, 1) * 32767
            assert np.abs(pcm - expected).max() <= 0.5 + 1e-3  # 16-bit quantization


# -- PR curves -----------------------------------------------------------------------------------------


def served_curve(expected: np.ndarray) -> dict[str, Any]:
    """What the pr_curves plugin serves for ``expected``: trailing thresholds with TP + FP = 0 trimmed."""
    positives = expected[0].astype(int) + expected[1].astype(int)
    end = len(positives)
    while end > 1 and positives[end - 1] == 0:
        end -= 1
    counts = {name: [int(v) for v in expected[row, :end]] for row, name in enumerate(
        ("true_positives", "false_positives", "true_negatives", "false_negatives"))}  # fmt: skip
    return {
        "precision": expected[4, :end].tolist(),
        "recall": expected[5, :end].tolist(),
        "thresholds": np.linspace(0.0, 1.0, expected.shape[1])[:end].tolist(),
        **counts,
    }


def test_pr_curve_tags(server: TensorBoardServer) -> None:
    tags = server.get_json("/data/plugin/pr_curves/tags")
    assert set(tags[RUN]) == set(CURVES)
    assert set(tags[TBX_RUN]) == {"pr/default"}


@pytest.mark.parametrize("tag", list(CURVES))
def test_pr_curves_equal_the_expected_arrays(server: TensorBoardServer, tag: str) -> None:
    entries = server.get_json("/data/plugin/pr_curves/pr_curves", run=RUN, tag=tag)[RUN]
    assert [entry["step"] for entry in entries] == sorted(CURVES[tag])
    for entry in entries:
        expected = CURVES[tag][entry["step"]].expected
        assert entry["wall_time"] == wall(entry["step"])
        got = {key: value for key, value in entry.items() if key not in ("step", "wall_time")}
        assert got == served_curve(expected)
    if tag == "pr/fine weighted":
        assert len(entries[0]["thresholds"]) > 127  # not capped


def test_pr_curve_served_as_tensorboardx_s(server: TensorBoardServer) -> None:
    ours = server.get_json("/data/plugin/pr_curves/pr_curves", run=RUN, tag="pr/default")[RUN]
    theirs = server.get_json("/data/plugin/pr_curves/pr_curves", run=TBX_RUN, tag="pr/default")[TBX_RUN]
    assert ours == theirs
