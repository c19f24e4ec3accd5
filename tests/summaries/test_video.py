"""Video: animated GIFs decoded with Pillow, frame by frame.

GIF palettes quantize colours, so exact comparisons use videos of at most 256 colours (kept exactly);
the tiling of a batch is checked against tensorboardX's ``_prepare_video``.
"""

from __future__ import annotations

import io
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tensorboardX.utils import _prepare_video, convert_to_NTCHW

from lightboard import SummaryWriter
from lightboard.events.record import iter_records
from lightboard.proto.event_pb2 import Event
from lightboard.proto.summary_pb2 import DataClass, Summary
from lightboard.summaries import video

RNG = np.random.default_rng(11)
PALETTE = RNG.integers(0, 256, (200, 3), dtype=np.uint8)  # at most 256 colours: a GIF keeps them exactly


def logged_values(logdir: Path) -> list[tuple[Event, Summary.Value]]:
    found = []
    for path in sorted(logdir.glob("events.out.tfevents.*")):
        for payload in iter_records(path.read_bytes()):
            event = Event.FromString(payload)
            found.extend((event, value) for value in event.summary.value)
    return found


def gif_frames(encoded: bytes) -> tuple[np.ndarray, list[int], dict]:
    """The RGB frames (T, H, W, 3), their durations in ms, and the GIF's info."""
    frames, durations = [], []
    with Image.open(io.BytesIO(encoded)) as picture:
        assert picture.format == "GIF"
        info = dict(picture.info)
        for index in range(picture.n_frames):
            picture.seek(index)
            frames.append(np.asarray(picture.convert("RGB")))
            durations.append(picture.info["duration"])
    return np.stack(frames), durations, info


def log_video(tmp_path: Path, vid: object, **kwargs: object) -> tuple[Event, Summary.Value, np.ndarray, list[int]]:
    with SummaryWriter(tmp_path) as writer:
        writer.add_video("video", vid, **kwargs)
    ((event, value),) = logged_values(tmp_path)
    frames, durations, info = gif_frames(value.image.encoded_image_string)
    assert info["loop"] == 0  # forever
    return event, value, frames, durations


def palette_video(shape: tuple[int, ...], channels_last: bool = False) -> np.ndarray:
    """uint8 pixels drawn from :data:`PALETTE`: shape ``(..., H, W)`` plus a 3-channel axis."""
    colors = PALETTE[RNG.integers(0, len(PALETTE), shape)]
    return colors if channels_last else np.moveaxis(colors, -1, -3)


def test_frames_durations_and_pixels(tmp_path: Path) -> None:
    vid = palette_video((1, 6, 8, 10))  # N T C H W
    event, value, frames, durations = log_video(tmp_path, vid, global_step=5, fps=4)
    assert event.step == 5
    np.testing.assert_array_equal(frames, vid[0].transpose(0, 2, 3, 1))
    assert durations == [250] * 6
    assert (value.image.height, value.image.width, value.image.colorspace) == (8, 10, 3)
    assert value.tag == "video"
    assert value.metadata.plugin_data.plugin_name == "images"
    assert value.metadata.data_class == DataClass.DATA_CLASS_BLOB_SEQUENCE


def test_float_video_uses_the_image_pixel_rule(tmp_path: Path) -> None:
    values = np.array([0.0, 0.5, 1.0, 2.0, -1.0, np.nan])
    vid = np.broadcast_to(values.reshape(1, 1, 1, 1, -1), (1, 2, 3, 1, 6)).copy()
    vid[0, 1] = 1 - vid[0, 1]
    _, _, frames, _ = log_video(tmp_path, vid)
    assert frames[0, 0, :, 0].tolist() == [0, 127, 255, 255, 0, 0]
    assert frames[1, 0, :, 0].tolist() == [255, 127, 0, 0, 255, 0]


@pytest.mark.parametrize("dataformats", [*["".join(p) for p in itertools.permutations("NTCHW")][::7], "NTHWC"])
def test_layouts(tmp_path: Path, dataformats: str) -> None:
    sizes = {"N": 1, "T": 3, "C": 3, "H": 4, "W": 5}
    ntchw = palette_video((1, 3, 4, 5))
    vid = ntchw.transpose(["NTCHW".index(letter) for letter in dataformats])
    assert vid.shape == tuple(sizes[letter] for letter in dataformats)
    _, _, frames, _ = log_video(tmp_path, vid, dataformats=dataformats.lower())
    np.testing.assert_array_equal(frames, ntchw[0].transpose(0, 2, 3, 1))


@pytest.mark.parametrize("count", [2, 3, 4, 5, 8, 9])
def test_batch_tiling_matches_tensorboardx(tmp_path: Path, count: int) -> None:
    vid = palette_video((count, 2, 3, 4))
    _, value, frames, _ = log_video(tmp_path, vid)
    expected = _prepare_video(convert_to_NTCHW(vid.astype(np.float64), "NTCHW"))  # floats are tiled as they are
    np.testing.assert_array_equal(frames, expected.astype(np.uint8))
    assert (value.image.height, value.image.width) == frames.shape[1:3]


def test_grayscale_and_rgba(tmp_path: Path) -> None:
    gray = RNG.integers(0, 256, (4, 6, 7), dtype=np.uint8)  # T H W: no N, no C
    _, value, frames, _ = log_video(tmp_path / "gray", gray, dataformats="THW")
    np.testing.assert_array_equal(frames, np.repeat(gray[..., None], 3, axis=-1))
    assert value.image.colorspace == 3
    rgba = np.concatenate([palette_video((1, 3, 4, 4)), np.full((1, 3, 1, 4, 4), 7, np.uint8)], axis=2)
    _, value, frames, _ = log_video(tmp_path / "rgba", rgba)
    np.testing.assert_array_equal(frames, rgba[0, :, :3].transpose(0, 2, 3, 1))  # alpha dropped
    assert value.image.colorspace == 3


@pytest.mark.parametrize(("fps", "duration"), [(1, 1000), (4, 250), (8, 120), (30, 30), (2.5, 400), (1000, 20)])
def test_frame_duration(tmp_path: Path, fps: float, duration: int) -> None:
    assert int(video.frame_duration_ms(fps)) // 10 * 10 == duration
    _, _, _, durations = log_video(tmp_path, palette_video((1, 3, 2, 2)), fps=fps)
    assert durations == [duration] * 3


def test_many_colours_are_quantized_closely(tmp_path: Path) -> None:
    yy, xx = np.mgrid[0:32, 0:32] / 31.0
    frames = np.stack([np.stack([xx, yy, np.full_like(xx, t / 4)], axis=0) for t in range(5)])[None]
    _, _, decoded, _ = log_video(tmp_path, frames.astype(np.float32))
    expected = (frames[0] * 255).astype(np.uint8).transpose(0, 2, 3, 1)
    assert len(np.unique(expected.reshape(-1, 3), axis=0)) > 256
    # 256 colours for a 32 × 32 × 5 cube of colours leave steps of about 40 levels: about 10 on average
    assert np.abs(decoded.astype(int) - expected).mean() < 16


def test_identical_frames_keep_the_total_time(tmp_path: Path) -> None:
    first, second = palette_video((1, 1, 4, 4)), palette_video((1, 1, 4, 4))
    vid = np.concatenate([first, first, second], axis=1)
    _, _, frames, durations = log_video(tmp_path, vid, fps=10)
    assert sum(durations) == 300
    assert (frames[-1] == second[0, 0].transpose(1, 2, 0)).all()


def test_tag_is_cleaned_and_copied(tmp_path: Path) -> None:
    vid = np.zeros((1, 2, 1, 2, 2), np.uint8)
    with SummaryWriter(tmp_path) as writer:
        writer.add_video("my video!", vid)
        vid[:] = 255
    ((_, value),) = logged_values(tmp_path)
    assert value.tag == "my_video_"
    assert gif_frames(value.image.encoded_image_string)[0].max() == 0


VID = np.zeros((1, 2, 3, 4, 4))
BAD_INPUTS = [
    ((1, VID), {}, TypeError, "tag must be a str"),
    (("t", np.zeros((2, 3, 4, 4))), {}, ValueError, "vid_tensor for tag 't' has 4 dimensions.*'NTCHW' names 5"),
    (("t", VID), {"dataformats": "NTCHX"}, ValueError, "dataformats 'NTCHX' for tag 't'"),
    (("t", VID), {"dataformats": "NTCWW"}, ValueError, "dataformats 'NTCWW'"),
    (("t", np.zeros((1, 3, 4, 4))), {"dataformats": "NCHW"}, ValueError, "at least T, H, W"),
    (("t", VID), {"dataformats": 5}, TypeError, "dataformats for tag 't' must be a str"),
    (("t", np.zeros((1, 2, 2, 4, 4))), {}, ValueError, "2 channels"),
    (("t", np.zeros((1, 0, 3, 4, 4))), {}, ValueError, "vid_tensor for tag 't' is empty"),
    (("t", VID.astype(complex)), {}, TypeError, "vid_tensor for tag 't' must be numeric"),
    (("t", VID), {"fps": 0}, ValueError, "fps for tag 't' must be a positive number, got 0"),
    (("t", VID), {"fps": -2}, ValueError, "positive"),
    (("t", VID), {"fps": float("nan")}, ValueError, "positive"),
    (("t", VID), {"fps": float("inf")}, ValueError, "positive"),
    (("t", VID), {"fps": "fast"}, TypeError, "fps for tag 't'"),
    (("t", np.zeros((1, 1, 1, 1, 70000), np.uint8)), {}, ValueError, "65535 pixels a side"),
    (("t", np.zeros((9, 1, 1, 1, 20000), np.uint8)), {}, ValueError, r"makes 2×160000 frames"),
]


@pytest.mark.parametrize(("args", "kwargs", "error", "message"), BAD_INPUTS)
def test_bad_input(tmp_path: Path, args: tuple, kwargs: dict, error: type[Exception], message: str) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error, match=message) as raised:
            writer.add_video(*args, **kwargs)
        assert "add_video" in str(raised.value)
    assert logged_values(tmp_path) == []


def test_missing_pillow_is_reported_at_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with SummaryWriter(tmp_path) as writer, pytest.raises(ImportError, match=r"add_video needs PIL"):
        writer.add_video("t", VID)
    assert logged_values(tmp_path) == []
