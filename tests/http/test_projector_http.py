"""Conformance: TensorBoard's projector plugin serves the embeddings add_embedding wrote.

The projector is a Python plugin that reads ``projector_config.pbtxt`` and the files it names; with
``--load_fast=true`` it still runs in Python but learns the runs from the Rust data server, so both
modes are checked. Served content is decoded (float32 tensors, metadata text, the sprite through
Pillow) and compared with what was logged; expected sprites are built here, independently.
"""

from __future__ import annotations

import io
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lightboard import SummaryWriter
from tests.tensorboard_server import TensorBoardServer

RNG = np.random.default_rng(7)
SUB_RUN = "sub"


@dataclass
class Logged:
    """One embedding as logged, with what the projector should serve for it."""

    run: str
    name: str
    mat: np.ndarray
    metadata_lines: list[str] | None = None
    sprite: np.ndarray | None = None
    thumbnail: tuple[int, int] | None = None  # (width, height)


def tile(thumbnails: np.ndarray) -> np.ndarray:
    """The expected sprite: ``[N, H, W, C]`` uint8 in a ceil(sqrt(N))-square grid, row-major, zeros elsewhere."""
    count, height, width, channels = thumbnails.shape
    side = int(np.ceil(np.sqrt(count)))
    canvas = np.zeros((side * height, side * width, channels), np.uint8)
    for index in range(count):
        row, column = divmod(index, side)
        canvas[row * height : (row + 1) * height, column * width : (column + 1) * width] = thumbnails[index]
    return canvas[..., 0] if channels == 1 else canvas


def write_embeddings(root: Path) -> list[Logged]:
    logged = []
    labels = [f"point {i} ✓" for i in range(30)]
    labels[3] = ""  # the projector would skip a blank line: written as <blank>
    mat = RNG.normal(size=(30, 4)).astype(np.float32)
    images = RNG.random((30, 3, 6, 6)).astype(np.float32)
    pixels = np.clip(images * 255, 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)  # add_image's rule: truncated
    expected_labels = [*labels[:3], "<blank>", *labels[4:]]
    logged.append(Logged(".", "default:00000", mat, expected_labels, tile(pixels), (6, 6)))

    stale = RNG.normal(size=(12, 3))
    mat = RNG.normal(size=(12, 5))  # float64: served as float32
    rows = [[f"item{i}", i % 3, i * 0.5] for i in range(12)]
    gray = RNG.integers(0, 256, (10, 4, 6), dtype=np.uint8)  # [N, H, W]: 6 px wide, 4 px high
    ints = RNG.integers(-50, 50, (10, 2))
    with SummaryWriter(root) as writer:
        writer.add_embedding(logged[0].mat, metadata=labels, label_img=images)
        writer.add_embedding(
            stale, metadata=[["old", 0, 0]] * 12, metadata_header=["a", "b", "c"], tag="features/x", global_step=5
        )
        writer.add_embedding(
            mat, metadata=rows, metadata_header=["name", "class", "half"], tag="features/x", global_step=5
        )
        writer.add_embedding(ints, label_img=gray, tag="features/x", global_step=7)
    lines = ["name\tclass\thalf"] + [f"item{i}\t{i % 3}\t{i * 0.5}" for i in range(12)]
    logged.append(Logged(".", "features/x:00005", mat, lines))
    logged.append(Logged(".", "features/x:00007", ints, None, tile(gray[..., None]), (6, 4)))

    sub_mat = RNG.normal(size=(3, 2)).astype(np.float32)
    with SummaryWriter(root / SUB_RUN) as writer:
        writer.add_embedding(sub_mat, metadata=["x", "y", "z"], tag="in sub", global_step=2)
    logged.append(Logged(SUB_RUN, "in sub:00002", sub_mat, ["x", "y", "z"]))
    return logged


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Logged]]:
    root = tmp_path_factory.mktemp("projector_http")
    return root, write_embeddings(root)


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast=true", "load_fast=false"])
def server(request: pytest.FixtureRequest, logged: tuple[Path, list[Logged]]) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logged[0], load_fast=request.param) as tensorboard:
        tensorboard.wait_for(
            lambda: set(tensorboard.get_json("/data/plugin/projector/runs")) == {".", SUB_RUN},
            30,
            "the projector to list both runs",
        )
        yield tensorboard


def test_projector_tab_is_active(server: TensorBoardServer) -> None:
    server.wait_for(
        lambda: server.get_json("/data/plugins_listing").get("projector", {}).get("enabled"),
        30,
        "the projector plugin to become active",
    )


def test_config(server: TensorBoardServer, logged: tuple[Path, list[Logged]]) -> None:
    for run in (".", SUB_RUN):
        config = server.get_json("/data/plugin/projector/info", run=run)
        expected = [item for item in logged[1] if item.run == run]
        assert [entry["tensorName"] for entry in config["embeddings"]] == [item.name for item in expected]
        for entry, item in zip(config["embeddings"], expected, strict=True):
            assert entry["tensorShape"] == list(item.mat.shape)
            assert ("metadataPath" in entry) == (item.metadata_lines is not None)
            if item.thumbnail is None:
                assert "sprite" not in entry
            else:
                assert entry["sprite"]["singleImageDim"] == list(item.thumbnail)


def test_tensors(server: TensorBoardServer, logged: tuple[Path, list[Logged]]) -> None:
    for item in logged[1]:
        body = server.get("/data/plugin/projector/tensor", run=item.run, name=item.name)
        served = np.frombuffer(body, dtype="<f4").reshape(item.mat.shape)
        np.testing.assert_array_equal(served, item.mat.astype(np.float32), err_msg=item.name)
        first_rows = server.get("/data/plugin/projector/tensor", run=item.run, name=item.name, num_rows="2")
        np.testing.assert_array_equal(np.frombuffer(first_rows, "<f4").reshape(2, -1), served[:2])


def test_metadata(server: TensorBoardServer, logged: tuple[Path, list[Logged]]) -> None:
    for item in logged[1]:
        if item.metadata_lines is None:
            with pytest.raises(urllib.error.HTTPError, match="400"):
                server.get("/data/plugin/projector/metadata", run=item.run, name=item.name)
            continue
        text = server.get("/data/plugin/projector/metadata", run=item.run, name=item.name).decode("utf-8")
        assert text.split("\n") == [*item.metadata_lines, ""], item.name


def test_sprites(server: TensorBoardServer, logged: tuple[Path, list[Logged]]) -> None:
    for item in logged[1]:
        if item.sprite is None:
            continue
        body = server.get("/data/plugin/projector/sprite_image", run=item.run, name=item.name)
        with Image.open(io.BytesIO(body)) as picture:
            assert picture.format == "PNG"
            served = np.asarray(picture)
        assert max(served.shape[:2]) <= 8192
        np.testing.assert_array_equal(served, item.sprite, err_msg=item.name)
