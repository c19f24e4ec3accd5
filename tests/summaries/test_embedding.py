"""add_embedding: tensorboardX's file layout, a projector config that stays valid, and clear errors.

Files are read back with TensorBoard's own code where it has some: the config with its
``ProjectorConfig`` proto and ``text_format``, ``tensors.tsv`` with the projector plugin's reader.
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import text_format
from PIL import Image
from tensorboard.plugins.projector import projector_plugin
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

from lightboard import SummaryWriter
from lightboard.summaries import embedding

RNG = np.random.default_rng(0)


def config_of(logdir: Path) -> ProjectorConfig:
    """``projector_config.pbtxt`` parsed with TensorBoard's proto (fails on anything invalid)."""
    config = ProjectorConfig()
    text_format.Parse((logdir / "projector_config.pbtxt").read_text(encoding="utf-8"), config)
    return config


def entries(logdir: Path) -> dict[str, object]:
    """The config's entries by tensor name; fails on a duplicate name."""
    config = config_of(logdir)
    names = [entry.tensor_name for entry in config.embeddings]
    assert len(names) == len(set(names)), f"duplicate entries: {names}"
    return {entry.tensor_name: entry for entry in config.embeddings}


def tensor_file(logdir: Path, entry: object) -> np.ndarray:
    """``tensors.tsv`` of ``entry`` read by TensorBoard's projector plugin."""
    return projector_plugin._read_tensor_tsv_file(str(logdir / entry.tensor_path))  # type: ignore[attr-defined]


def sprite_of(logdir: Path, entry: object) -> np.ndarray:
    with Image.open(logdir / entry.sprite.image_path) as picture:  # type: ignore[attr-defined]
        return np.asarray(picture)


def metadata_file(logdir: Path, entry: object) -> list[str]:
    return (logdir / entry.metadata_path).read_text(encoding="utf-8").split("\n")  # type: ignore[attr-defined]


@pytest.fixture
def writer(tmp_path: Path) -> SummaryWriter:
    with SummaryWriter(tmp_path) as opened:
        yield opened


# -- layout and config ---------------------------------------------------------------------------


def test_layout_of_several_tags_and_steps(writer: SummaryWriter, tmp_path: Path) -> None:
    first = RNG.normal(size=(6, 3)).astype(np.float32)
    second = RNG.normal(size=(4, 2))
    third = RNG.normal(size=(5, 7)).astype(np.float32)
    writer.add_embedding(first, metadata=list("abcdef"), label_img=RNG.random((6, 3, 4, 4)))
    writer.add_embedding(second, tag="features", global_step=12)
    writer.add_embedding(third, metadata=[[i, i % 2] for i in range(5)], metadata_header=["i", "odd"], global_step=3)

    found = entries(tmp_path)
    assert list(found) == ["default:00000", "features:00012", "default:00003"]
    default = found["default:00000"]
    assert default.tensor_path == "00000/default/tensors.tsv"
    assert default.metadata_path == "00000/default/metadata.tsv"
    assert default.sprite.image_path == "00000/default/sprite.png"
    assert list(default.sprite.single_image_dim) == [4, 4]
    assert list(default.tensor_shape) == [6, 3]
    assert not found["features:00012"].metadata_path and not found["features:00012"].sprite.image_path
    assert list(found["features:00012"].tensor_shape) == [4, 2]
    np.testing.assert_array_equal(tensor_file(tmp_path, default), first)
    np.testing.assert_array_equal(tensor_file(tmp_path, found["features:00012"]), second.astype(np.float32))
    np.testing.assert_array_equal(tensor_file(tmp_path, found["default:00003"]), third)
    assert metadata_file(tmp_path, default) == [*"abcdef", ""]
    assert metadata_file(tmp_path, found["default:00003"]) == ["i\todd", "0\t0", "1\t1", "2\t0", "3\t1", "4\t0", ""]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("events")) == [
        ".projector_config.pbtxt.lock",  # empty: processes updating the config take turns on it
        "00000",
        "00003",
        "00012",
        "projector_config.pbtxt",
    ]
    assert (tmp_path / ".projector_config.pbtxt.lock").stat().st_size == 0
    assert not list(tmp_path.rglob("*.tmp"))


def test_same_tag_and_step_replaces_its_entry_and_files(writer: SummaryWriter, tmp_path: Path) -> None:
    writer.add_embedding(np.zeros((3, 2)), tag="a")
    writer.add_embedding(np.ones((4, 2)), metadata=["w", "x", "y", "z"], label_img=np.ones((4, 1, 2, 2)), tag="b")
    writer.add_embedding(np.zeros((2, 2)), tag="c")
    replacement = np.full((5, 3), 2.5)
    writer.add_embedding(replacement, tag="b")  # no metadata or sprite this time

    config = config_of(tmp_path)
    assert [entry.tensor_name for entry in config.embeddings] == ["a:00000", "b:00000", "c:00000"]
    replaced = config.embeddings[1]
    assert not replaced.metadata_path and not replaced.sprite.image_path
    assert list(replaced.tensor_shape) == [5, 3]
    np.testing.assert_array_equal(tensor_file(tmp_path, replaced), replacement)
    assert sorted(p.name for p in (tmp_path / "00000" / "b").iterdir()) == ["tensors.tsv"]  # stale files removed

    writer.add_embedding(np.ones((4, 2)), metadata=["w", "x", "y", "z"], tag="b", global_step=1)
    assert list(entries(tmp_path)) == ["a:00000", "b:00000", "c:00000", "b:00001"]


def test_replaces_tensorboardx_duplicates_and_keeps_other_fields(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter as TensorboardXWriter

    theirs = TensorboardXWriter(str(tmp_path))
    for _ in range(2):  # tensorboardX appends a second block for the same tag and step
        theirs.add_embedding(np.zeros((3, 2)), metadata=["x", "y", "z"], tag="tbx")
    theirs.add_embedding(np.zeros((3, 2)), tag="other", global_step=4)
    theirs.close()
    config_path = tmp_path / "projector_config.pbtxt"
    config_path.write_text('model_checkpoint_dir: "ckpt"\n' + config_path.read_text())
    assert [entry.tensor_name for entry in config_of(tmp_path).embeddings].count("tbx:00000") == 2

    with SummaryWriter(tmp_path) as ours:
        ours.add_embedding(np.ones((2, 2)), tag="tbx")
    config = config_of(tmp_path)
    assert [entry.tensor_name for entry in config.embeddings] == ["tbx:00000", "other:00004"]
    assert config.model_checkpoint_dir == "ckpt"
    np.testing.assert_array_equal(tensor_file(tmp_path, config.embeddings[0]), np.ones((2, 2)))


@pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")  # tensorboardX's raw backslash
def test_same_paths_as_tensorboardx(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter as TensorboardXWriter

    tags = ["plain", "a/b", "50%", "back\\slash", "x:y"]
    with TensorboardXWriter(str(tmp_path / "theirs")) as theirs:
        for step, tag in enumerate(tags):
            theirs.add_embedding(np.zeros((2, 2)), metadata=["p", "q"], tag=tag, global_step=step * 7)
    with SummaryWriter(tmp_path / "ours") as ours:
        for step, tag in enumerate(tags):
            ours.add_embedding(np.zeros((2, 2)), metadata=["p", "q"], tag=tag, global_step=step * 7)
    for theirs_entry, ours_entry in zip(
        config_of(tmp_path / "theirs").embeddings, config_of(tmp_path / "ours").embeddings, strict=True
    ):
        assert (ours_entry.tensor_name, ours_entry.tensor_path, ours_entry.metadata_path) == (
            theirs_entry.tensor_name,
            theirs_entry.tensor_path,
            theirs_entry.metadata_path,
        )


@pytest.mark.parametrize(
    ("tag", "directory"),
    [
        ("a/b", "a%2fb"),
        ("100%", "100%25"),
        ("%2f", "%252f"),
        ("c:\\d", "c:%5cd"),
        (".", "%2e"),
        ("..", "%2e%2e"),
        ("...", "..."),
        ('quote"and\nnewline', 'quote"and\nnewline'),
        ("ünï", "ünï"),
    ],
)
def test_tag_escaping(writer: SummaryWriter, tmp_path: Path, tag: str, directory: str) -> None:
    writer.add_embedding(np.eye(2), tag=tag, global_step=7)
    (entry,) = config_of(tmp_path).embeddings
    assert entry.tensor_name == f"{tag}:00007"
    assert entry.tensor_path == f"00007/{directory}/tensors.tsv"
    assert (tmp_path / "00007" / directory / "tensors.tsv").is_file()
    assert sorted(os.listdir(tmp_path / "00007")) == [directory]


def test_steps(writer: SummaryWriter, tmp_path: Path) -> None:
    writer.add_embedding(np.eye(2), tag="none")
    writer.add_embedding(np.eye(2), tag="numpy", global_step=np.int64(123456))
    writer.add_embedding(np.eye(2), tag="negative", global_step=-3)
    with writer.use_metadata(global_step=42):
        writer.add_embedding(np.eye(2), tag="context")
    assert list(entries(tmp_path)) == ["none:00000", "numpy:123456", "negative:-0003", "context:00042"]
    assert (tmp_path / "123456" / "numpy" / "tensors.tsv").is_file()


def test_write_to_disk_false_writes_nothing_but_checks(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path / "run", write_to_disk=False) as writer:
        writer.add_embedding(np.eye(3), metadata=["a", "b", "c"], label_img=np.zeros((3, 3, 2, 2)))
        with pytest.raises(ValueError, match="mat"):
            writer.add_embedding(np.zeros(3))
    assert list(tmp_path.iterdir()) == []


def test_threads_keep_every_entry(writer: SummaryWriter, tmp_path: Path) -> None:
    def log(index: int) -> None:
        for step in range(5):
            writer.add_embedding(np.full((2, 2), index), tag=f"thread{index}", global_step=step)

    threads = [threading.Thread(target=log, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(entries(tmp_path)) == {f"thread{i}:{step:05d}" for i in range(4) for step in range(5)}


def test_corrupt_config_is_left_alone(writer: SummaryWriter, tmp_path: Path) -> None:
    config_path = tmp_path / "projector_config.pbtxt"
    config_path.write_text("embeddings { tensor_name: unterminated")
    with pytest.raises(ValueError, match="not a valid projector config"):
        writer.add_embedding(np.eye(2), tag="x")
    assert config_path.read_text() == "embeddings { tensor_name: unterminated"
    assert not (tmp_path / "00000").exists()


# -- tensors.tsv ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "matrix",
    [
        np.array([[0.1, 1 / 3, -2.5e-8], [3.4e38, -1e-45, 0.0]], np.float32),
        np.array([[0.1, 1 / 3, 1e300], [-0.0, 5e-324, 123456789.123456789]], np.float64),
        np.array([[0.1, 65504.0]], np.float16),
        np.array([[1, -2, 2**40]], np.int64),
        np.array([[True, False]]),
        np.array([[255, 0]], np.uint8),
    ],
    ids=["float32", "float64", "float16", "int64", "bool", "uint8"],
)
def test_tensor_values_are_exact(matrix: np.ndarray) -> None:
    lines = embedding.tensors_tsv(matrix).decode("ascii").splitlines()
    parsed = np.array([[float(cell) for cell in line.split("\t")] for line in lines])
    if matrix.dtype.kind == "f":
        np.testing.assert_array_equal(parsed.astype(matrix.dtype), matrix)
        if matrix.dtype == np.float64:
            np.testing.assert_array_equal(parsed, matrix)  # float64 keeps every bit
    else:
        np.testing.assert_array_equal(parsed, matrix.astype(np.float64))


def test_torch_and_list_inputs(writer: SummaryWriter, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    mat = torch.randn(4, 3, dtype=torch.bfloat16)
    writer.add_embedding(mat, metadata=torch.tensor([3, 1, 4, 1]), label_img=torch.rand(4, 3, 2, 2), tag="torch")
    writer.add_embedding([[1, 2], [3, 4]], metadata=("x", "y"), tag="lists")
    found = entries(tmp_path)
    np.testing.assert_array_equal(tensor_file(tmp_path, found["torch:00000"]), mat.float().numpy())
    assert metadata_file(tmp_path, found["torch:00000"]) == ["3", "1", "4", "1", ""]
    np.testing.assert_array_equal(tensor_file(tmp_path, found["lists:00000"]), [[1, 2], [3, 4]])


# -- metadata.tsv --------------------------------------------------------------------------------


def test_metadata_one_column_has_no_header() -> None:
    assert embedding.metadata_lines(["cat", 3, 2.5, None], None, 4, "t") == ["cat", "3", "2.5", "None"]
    assert embedding.metadata_lines(np.array(["a", "b"]), None, 2, "t") == ["a", "b"]
    assert embedding.metadata_lines([np.float32(0.5), np.int64(7)], None, 2, "t") == ["0.5", "7"]
    assert embedding.metadata_lines([["a"], ["b"]], None, 2, "t") == ["a", "b"]  # rows of one column
    assert embedding.metadata_lines([b"bytes", "x"], None, 2, "t") == ["bytes", "x"]


def test_metadata_numbers_print_at_their_precision() -> None:
    torch = pytest.importorskip("torch")
    assert embedding.metadata_lines(np.array([0.1, 0.25], np.float32), None, 2, "t") == ["0.1", "0.25"]
    assert embedding.metadata_lines(torch.tensor([0.1, 2.0]), None, 2, "t") == ["0.1", "2.0"]
    assert embedding.metadata_lines([torch.tensor(0.1), torch.tensor(3)], None, 2, "t") == ["0.1", "3"]
    assert embedding.metadata_lines([torch.tensor([1, 2]), torch.tensor([3, 4])], ["a", "b"], 2, "t") == [
        "a\tb",
        "1\t2",
        "3\t4",
    ]


def test_metadata_from_pandas() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"name": ["x", "y"], "score": np.array([0.1, 0.5], np.float32)})
    assert embedding.metadata_lines(frame, list(frame.columns), 2, "t") == ["name\tscore", "x\t0.1", "y\t0.5"]
    assert embedding.metadata_lines(frame["name"], None, 2, "t") == ["x", "y"]


def test_metadata_single_header_name_is_dropped_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="metadata_header for tag 't' is dropped"):
        assert embedding.metadata_lines(["a", "b"], ["label"], 2, "t") == ["a", "b"]


def test_metadata_several_columns_have_the_header_row() -> None:
    rows = [["a", 1], ("b", 2), np.array(["c", "3"])]
    assert embedding.metadata_lines(rows, ("name", "count"), 3, "t") == ["name\tcount", "a\t1", "b\t2", "c\t3"]
    table = np.arange(6).reshape(3, 2)
    assert embedding.metadata_lines(table, ["x", "y"], 3, "t") == ["x\ty", "0\t1", "2\t3", "4\t5"]


def test_metadata_tabs_newlines_and_blank_rows() -> None:
    lines = embedding.metadata_lines(["tab\there", "new\nline\r", "", "  "], None, 4, "t")
    assert lines == ["tab here", "new line ", embedding.BLANK_LABEL, embedding.BLANK_LABEL]
    lines = embedding.metadata_lines([["", ""], ["", "x"]], ["h\t1", "h2"], 2, "t")
    assert lines == ["h 1\th2", f"{embedding.BLANK_LABEL}\t", "\tx"]


def test_metadata_file_is_utf8(writer: SummaryWriter, tmp_path: Path) -> None:
    writer.add_embedding(np.eye(2), metadata=["東京", "naïve ✓"])
    (entry,) = config_of(tmp_path).embeddings
    assert metadata_file(tmp_path, entry) == ["東京", "naïve ✓", ""]


# -- sprite.png ----------------------------------------------------------------------------------


def test_sprite_grid_order_and_zero_padding(writer: SummaryWriter, tmp_path: Path) -> None:
    count, height, width = 10, 3, 5  # 4x4 grid of 5x3 thumbnails, the last 6 cells empty
    images = np.stack([np.full((3, height, width), index + 1, np.uint8) for index in range(count)])
    images[:, 1] = 100
    images[:, :, 0, 0] = 200  # marks each thumbnail's top-left corner
    writer.add_embedding(np.zeros((count, 2)), label_img=images)
    (entry,) = config_of(tmp_path).embeddings
    assert list(entry.sprite.single_image_dim) == [width, height]
    sprite = sprite_of(tmp_path, entry)
    assert sprite.shape == (4 * height, 4 * width, 3) and sprite.dtype == np.uint8
    for cell in range(16):
        row, column = divmod(cell, 4)
        block = sprite[row * height : (row + 1) * height, column * width : (column + 1) * width]
        if cell < count:
            np.testing.assert_array_equal(block, images[cell].transpose(1, 2, 0))
        else:
            assert not block.any(), f"cell {cell} is not zero padding"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.array([0, 7, 255], np.uint8), [0, 7, 255]),
        (
            np.array([-0.5, 0.0, 0.5, 0.999, 1.0, 2.0, np.nan, np.inf, -np.inf], np.float32),
            [0, 0, 127, 254, 255, 255, 0, 255, 0],  # add_image's rule: x 255, clipped, truncated
        ),
        (np.array([0.25, 1.0], np.float16), [63, 255]),
        (np.array([0.1, 0.2], np.float64), [25, 51]),
        (np.array([True, False]), [255, 0]),
        (np.array([-5, 0, 100, 255, 256, 70000], np.int64), [0, 0, 100, 255, 255, 255]),
        (np.array([300, 12], np.uint16), [255, 12]),
    ],
    ids=["uint8", "float32", "float16", "float64", "bool", "int64", "uint16"],
)
def test_sprite_scaling_by_dtype(values: np.ndarray, expected: list[int]) -> None:
    images = values.reshape(-1, 1, 1, 1)
    pixels = embedding.thumbnails(images, len(values), "t")
    assert pixels.dtype == np.uint8
    assert pixels.reshape(-1).tolist() == expected


def test_sprite_channels(writer: SummaryWriter, tmp_path: Path) -> None:
    gray = RNG.integers(0, 256, (4, 6, 6), dtype=np.uint8)
    rgba = RNG.integers(0, 256, (4, 4, 6, 6), dtype=np.uint8)
    writer.add_embedding(np.zeros((4, 2)), label_img=gray, tag="gray")  # [N, H, W]
    writer.add_embedding(np.zeros((4, 2)), label_img=gray[:, None], tag="gray4")
    writer.add_embedding(np.zeros((4, 2)), label_img=rgba, tag="rgba")
    found = entries(tmp_path)
    for name in ("gray:00000", "gray4:00000"):
        sprite = sprite_of(tmp_path, found[name])
        assert sprite.shape == (12, 12)
        np.testing.assert_array_equal(sprite[6:12, 0:6], gray[2])
    sprite = sprite_of(tmp_path, found["rgba:00000"])
    assert sprite.shape == (12, 12, 4)
    np.testing.assert_array_equal(sprite[6:12, 6:12], rgba[3].transpose(1, 2, 0))


def test_sprite_layout_limits() -> None:
    assert embedding.sprite_layout(1, 32, 32) == (1, 32, 32)
    assert embedding.sprite_layout(100, 32, 32) == (10, 32, 32)
    assert embedding.sprite_layout(101, 32, 32) == (11, 32, 32)
    assert embedding.sprite_layout(65_536, 32, 32) == (256, 32, 32)  # exactly 8192 px: kept
    with pytest.warns(UserWarning, match="shrunk to 31x31"):
        assert embedding.sprite_layout(65_537, 32, 32) == (257, 31, 31)
    with pytest.warns(UserWarning, match="64x32 px .* shrunk to 40x20"):  # width x height, aspect kept
        assert embedding.sprite_layout(40_000, 32, 64) == (200, 20, 40)
    with pytest.warns(UserWarning, match="shrunk to 1x1"):
        assert embedding.sprite_layout(8192**2, 2, 2) == (8192, 1, 1)
    with pytest.raises(ValueError, match="cannot fit"):
        embedding.sprite_layout(8192**2 + 1, 1, 1)


def test_oversized_sprite_is_shrunk_without_bleeding(
    writer: SummaryWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding, "MAX_SPRITE_PX", 40)
    count = 7  # 3x3 grid of 20x20 thumbnails: 60 px > 40, so 13x13 thumbnails in a 39 px sprite
    colors = RNG.integers(0, 256, (count, 3), dtype=np.uint8)
    images = np.broadcast_to(colors[:, :, None, None], (count, 3, 20, 20)).copy()
    with pytest.warns(UserWarning, match="shrunk to 13x13"):
        writer.add_embedding(np.zeros((count, 2)), label_img=images)
    (entry,) = config_of(tmp_path).embeddings
    assert list(entry.sprite.single_image_dim) == [13, 13]
    sprite = sprite_of(tmp_path, entry)
    assert sprite.shape == (39, 39, 3)
    for cell in range(9):
        row, column = divmod(cell, 3)
        block = sprite[row * 13 : (row + 1) * 13, column * 13 : (column + 1) * 13]
        expected = colors[cell] if cell < count else np.zeros(3, np.uint8)
        assert (block == expected).all(), f"cell {cell} mixes in its neighbours' pixels"


def test_shrink_averages_each_thumbnail() -> None:
    images = np.zeros((2, 4, 4, 1), np.uint8)
    images[0, :2] = 200  # top half bright
    images[1] = 90
    shrunk = embedding.shrink(images, 2, 2)
    assert shrunk[..., 0].tolist() == [[[200, 200], [0, 0]], [[90, 90], [90, 90]]]


# -- bad input -----------------------------------------------------------------------------------

BAD_INPUTS = [
    ({"mat": np.zeros(4)}, ValueError, "mat for tag 'bad' must be 2-D"),
    ({"mat": np.zeros((2, 2, 2))}, ValueError, "mat for tag 'bad' must be 2-D"),
    ({"mat": np.zeros((0, 3))}, ValueError, "mat for tag 'bad' is empty"),
    ({"mat": np.zeros((3, 0))}, ValueError, "mat for tag 'bad' is empty"),
    ({"mat": [["a", "b"]]}, TypeError, "mat for tag 'bad' must be numeric"),
    ({"mat": np.ones((2, 2), complex)}, TypeError, "mat for tag 'bad' must be numeric"),
    ({"mat": np.array([[0.0, 1.0], [np.nan, 0.0]])}, ValueError, "mat for tag 'bad' holds NaN or infinity .*row 1"),
    ({"mat": np.array([[np.inf, 1.0]], np.float32)}, ValueError, "mat for tag 'bad' holds NaN or infinity"),
    ({"metadata": ["a", "b"]}, ValueError, "metadata for tag 'bad' must have one entry per point .*3 rows.*got 2"),
    ({"metadata": "abc"}, TypeError, "metadata for tag 'bad' must be a sequence"),
    ({"metadata": {"a": 1, "b": 2, "c": 3}}, TypeError, "metadata for tag 'bad' must be a sequence"),
    ({"metadata": 3}, TypeError, "metadata for tag 'bad' must be a sequence"),
    ({"metadata": [[1, 2], [3, 4], [5]]}, ValueError, "metadata rows for tag 'bad' must all have the same number"),
    ({"metadata": [[1, 2], [3, 4], [5, 6]]}, ValueError, "has 2 columns, so metadata_header must name them"),
    (
        {"metadata": [[1, 2], [3, 4], [5, 6]], "metadata_header": ["x", "y", "z"]},
        ValueError,
        "metadata_header for tag 'bad' has 3 names but metadata has 2 columns",
    ),
    ({"metadata": ["a", "b", "c"], "metadata_header": ["x", "y"]}, ValueError, "has 2 names but metadata has 1"),
    ({"metadata": [[1, 2], [3, 4], [5, 6]], "metadata_header": ["x", "x"]}, ValueError, "repeats a column name"),
    ({"metadata_header": ["x", "y"]}, ValueError, "metadata_header for tag 'bad' was given without metadata"),
    ({"label_img": np.zeros((2, 3, 4, 4))}, ValueError, "label_img for tag 'bad' must have one image per point"),
    ({"label_img": np.zeros((3, 5, 5, 3))}, ValueError, r"must have 1, 3 or 4 channels.*channels come first"),
    ({"label_img": np.zeros((3, 2, 4, 4))}, ValueError, "label_img for tag 'bad' must have 1, 3 or 4 channels"),
    ({"label_img": np.zeros((3, 4))}, ValueError, r"label_img for tag 'bad' must be \[N, C, H, W\]"),
    ({"label_img": np.zeros((3, 1, 2, 2, 1))}, ValueError, r"label_img for tag 'bad' must be \[N, C, H, W\]"),
    ({"label_img": np.zeros((3, 3, 0, 4))}, ValueError, "label_img for tag 'bad' has empty images"),
    ({"label_img": [["x"]]}, TypeError, "label_img for tag 'bad' must be numeric"),
]


@pytest.mark.parametrize(("arguments", "error", "message"), BAD_INPUTS)
def test_bad_input(writer: SummaryWriter, tmp_path: Path, arguments: dict, error: type, message: str) -> None:
    arguments = {"mat": np.zeros((3, 2)), "tag": "bad", **arguments}
    with pytest.raises(error, match=message) as caught:
        writer.add_embedding(**arguments)
    assert str(caught.value).startswith("add_embedding: ")
    assert not (tmp_path / "projector_config.pbtxt").exists() and not (tmp_path / "00000").exists()


@pytest.mark.parametrize(("tag", "error"), [(None, TypeError), (3, TypeError), ("", ValueError)])
def test_bad_tag(writer: SummaryWriter, tag: object, error: type) -> None:
    with pytest.raises(error, match="add_embedding: tag must be"):
        writer.add_embedding(np.zeros((2, 2)), tag=tag)  # type: ignore[arg-type]


def test_bad_step(writer: SummaryWriter) -> None:
    with pytest.raises(ValueError, match="int64"):
        writer.add_embedding(np.zeros((2, 2)), global_step=1 << 64)


def test_no_warning_for_valid_input(writer: SummaryWriter) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        writer.add_embedding(
            np.zeros((3, 2)), metadata=[[1, 2]] * 3, metadata_header=["a", "b"], label_img=np.zeros((3, 1, 2, 2))
        )
