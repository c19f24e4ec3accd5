"""Conformance: the real TensorBoard, with both loaders, serves the images, grids, boxes, figures and videos logged.

One log directory is written once per module; TensorBoard is started on it with ``--load_fast=true`` (RustBoard)
and ``--load_fast=false`` (the Python multiplexer). Each image comes back through the images plugin
(``tags``, ``images``, then ``individualImage``) and is decoded with Pillow and compared with the pixels that
were logged; the same calls made through tensorboardX must be served with the same pixels.
"""

from __future__ import annotations

import io
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from PIL import Image
from tensorboardX import SummaryWriter as TensorboardXWriter
from tensorboardX.utils import convert_to_HWC

from lightboard import SummaryWriter
from tests.tensorboard_server import TensorBoardServer

RUN = "lightboard"
TBX_RUN = "tensorboardX"
WALL0 = 1_700_000_000.0
RNG = np.random.default_rng(99)
PALETTE = RNG.integers(0, 256, (64, 3), dtype=np.uint8)


def as_uint8(array: np.ndarray) -> np.ndarray:
    """tensorboardX's scaling, which equals lightboard's for floats in [0, 1]."""
    return array if array.dtype == np.uint8 else (array * 255.0).astype(np.uint8)


@dataclass
class Expected:
    """What one step of one tag must decode to, and its kind (PNG or GIF)."""

    pixels: np.ndarray  # H W C for images, T H W 3 for video
    wall_time: float
    gif: bool = False
    durations: list[int] = field(default_factory=list)
    check: Callable[[np.ndarray], None] | None = None  # for images whose pixels come from drawing


@dataclass
class Logged:
    logdir: str
    expected: dict[str, dict[str, dict[int, Expected]]] = field(default_factory=dict)  # run -> tag -> step

    def add(self, run: str, tag: str, step: int, expected: Expected) -> None:
        self.expected.setdefault(run, {}).setdefault(tag, {})[step] = expected


def figure(color: tuple[float, float, float]) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(2, 1), dpi=40, facecolor=color)


def red_box(pixels: np.ndarray) -> None:
    """The boxes image: 60 × 80 after ``rescale=2``, red box edges and a label on grey."""
    assert pixels.shape == (60, 80, 3)
    redness = (pixels[..., 0] > 150) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)
    assert redness[36:57, 20].all() and redness[36:57, 46].all()  # left and right edges, scaled by 2
    assert not redness[41:52, 25:42].any()  # the inside stays grey
    assert redness[12:36, 20:30].any()  # the label's background, above the box


def write_logdir(root: str) -> Logged:
    logged = Logged(root)
    float_images = {0: RNG.random((3, 12, 10), dtype=np.float32), 3: RNG.random((3, 12, 10), dtype=np.float32)}
    batch = RNG.random((11, 3, 6, 5)).astype(np.float32)
    rgba = RNG.integers(0, 256, (7, 9, 4), dtype=np.uint8)
    video = PALETTE[RNG.integers(0, len(PALETTE), (3, 6, 5))].transpose(0, 3, 1, 2)[None]  # N T C H W
    for run, writer_class in ((RUN, SummaryWriter), (TBX_RUN, TensorboardXWriter)):
        writer = writer_class(f"{root}/{run}")
        try:
            for step, array in float_images.items():
                writer.add_image("image/float", array, step, walltime=WALL0 + step)
                logged.add(run, "image/float", step, Expected(as_uint8(array).transpose(1, 2, 0), WALL0 + step))
            writer.add_images("image/grid", batch, 1, walltime=WALL0 + 1)
            logged.add(run, "image/grid", 1, Expected(convert_to_HWC(as_uint8(batch), "NCHW"), WALL0 + 1))
            writer.add_image("image/rgba", rgba, 2, walltime=WALL0 + 2, dataformats="HWC")
            logged.add(run, "image/rgba", 2, Expected(rgba, WALL0 + 2))
            writer.add_figure("figure/two", [figure((0, 0, 1)), figure((0, 1, 0))], 4, walltime=WALL0 + 4)
            two = np.zeros((40, 160, 3), np.uint8)
            two[:, :80, 2] = two[:, 80:, 1] = 255
            logged.add(run, "figure/two", 4, Expected(two, WALL0 + 4))
        finally:
            writer.close()
    with SummaryWriter(f"{root}/{RUN}") as writer:  # lightboard only: tensorboardX needs moviepy for video
        writer.add_image_with_boxes(
            "image/boxes", np.full((3, 30, 40), 0.5), [[10, 18, 23, 28]], 5, WALL0 + 5, labels=["dog"], rescale=2
        )
        logged.add(RUN, "image/boxes", 5, Expected(np.empty(0), WALL0 + 5, check=red_box))
        writer.add_video("video/clip", video, 6, fps=5, walltime=WALL0 + 6)
        logged.add(RUN, "video/clip", 6, Expected(video[0].transpose(0, 2, 3, 1), WALL0 + 6, gif=True,
                                                  durations=[200] * 3))  # fmt: skip
    return logged


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Logged:
    return write_logdir(str(tmp_path_factory.mktemp("images_http")))


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast=true", "load_fast=false"])
def server(request: pytest.FixtureRequest, logged: Logged) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logged.logdir, load_fast=request.param) as tensorboard:
        tensorboard.wait_for_tags({"images": {run: set(tags) for run, tags in logged.expected.items()}})
        tensorboard.wait_until_stable(
            ("/data/plugin/images/images", {"run": run, "tag": tag})
            for run, tags in logged.expected.items()
            for tag in tags
        )
        yield tensorboard


def served(server: TensorBoardServer, run: str, tag: str) -> dict[int, tuple[float, bytes]]:
    """``{step: (wall_time, encoded image)}`` as the images plugin serves them."""
    entries = server.get_json("/data/plugin/images/images", run=run, tag=tag)
    result = {}
    for entry in entries:
        query = dict(urllib.parse.parse_qsl(entry["query"]))
        result[entry["step"]] = (entry["wall_time"], server.get("/data/plugin/images/individualImage", **query))
    return result


def decode(encoded: bytes, gif: bool) -> tuple[np.ndarray, list[int]]:
    with Image.open(io.BytesIO(encoded)) as picture:
        assert picture.format == ("GIF" if gif else "PNG")
        if not gif:
            return np.asarray(picture), []
        frames, durations = [], []
        for index in range(picture.n_frames):
            picture.seek(index)
            frames.append(np.asarray(picture.convert("RGB")))
            durations.append(picture.info["duration"])
        return np.stack(frames), durations


def test_tags(server: TensorBoardServer, logged: Logged) -> None:
    tags = server.get_json("/data/plugin/images/tags")
    assert set(tags) == {RUN, TBX_RUN}
    for run, expected in logged.expected.items():
        assert set(tags[run]) == set(expected)
        for tag, info in tags[run].items():
            assert info["samples"] == 1
            assert info["displayName"] in ("", tag)


@pytest.mark.parametrize(
    ("run", "tag"),
    [(RUN, "image/float"), (RUN, "image/grid"), (RUN, "image/rgba"), (RUN, "figure/two"), (RUN, "image/boxes"),
     (RUN, "video/clip"), (TBX_RUN, "image/float"), (TBX_RUN, "image/grid"), (TBX_RUN, "image/rgba"),
     (TBX_RUN, "figure/two")],
)  # fmt: skip
def test_served_pixels_equal_logged(server: TensorBoardServer, logged: Logged, run: str, tag: str) -> None:
    expected = logged.expected[run][tag]
    images = served(server, run, tag)
    assert sorted(images) == sorted(expected)
    for step, (wall_time, encoded) in images.items():
        want = expected[step]
        assert wall_time == want.wall_time
        pixels, durations = decode(encoded, want.gif)
        if want.check is not None:
            want.check(pixels)
        else:
            np.testing.assert_array_equal(pixels, want.pixels, err_msg=f"{run} {tag} step {step}")
        assert durations == want.durations


@pytest.mark.parametrize("tag", ["image/float", "image/grid", "image/rgba", "figure/two"])
def test_same_pixels_as_tensorboardx(server: TensorBoardServer, tag: str) -> None:
    ours, theirs = served(server, RUN, tag), served(server, TBX_RUN, tag)
    assert sorted(ours) == sorted(theirs)
    for step in ours:
        np.testing.assert_array_equal(decode(ours[step][1], False)[0], decode(theirs[step][1], False)[0])


def test_unknown_tag_is_an_error(server: TensorBoardServer) -> None:
    import urllib.error

    with pytest.raises(urllib.error.HTTPError):
        server.get_json("/data/plugin/images/images", run=RUN, tag="no/such/tag")
