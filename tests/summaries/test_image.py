"""Images, image grids, boxes and figures: what lands in the event file, decoded with Pillow.

Layouts and grids are checked against tensorboardX's own ``convert_to_HWC`` (the oracle for where each
pixel goes); pixel values against the documented rule (floats scaled by 255, clipped and truncated,
NaN to 0; integers as 0..255 values, clipped; bool to 0/255).
"""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from tensorboardX.utils import convert_to_HWC

from lightboard import SummaryWriter
from lightboard.events.record import iter_records
from lightboard.proto.event_pb2 import Event
from lightboard.proto.plugins_pb2 import ImagePluginData
from lightboard.proto.summary_pb2 import DataClass, Summary
from lightboard.summaries import image, video

RNG = np.random.default_rng(7)


def logged_values(logdir: str | Path) -> list[tuple[Event, Summary.Value]]:
    """Every ``(event, value)`` with a value in the event files of ``logdir`` (one run), in order."""
    found = []
    for path in sorted(Path(logdir).glob("events.out.tfevents.*")):
        for payload in iter_records(path.read_bytes()):
            event = Event.FromString(payload)
            found.extend((event, value) for value in event.summary.value)
    return found


def decode(value: Summary.Value) -> np.ndarray:
    with Image.open(io.BytesIO(value.image.encoded_image_string)) as picture:
        assert picture.format == "PNG"
        return np.asarray(picture)


def log(tmp_path: Path, method: str, *args: Any, **kwargs: Any) -> tuple[Summary.Value, np.ndarray]:
    """Call ``writer.<method>(*args, **kwargs)`` once in a fresh run; the value written and its pixels."""
    with SummaryWriter(tmp_path / method) as writer:
        getattr(writer, method)(*args, **kwargs)
    (_, value), *rest = logged_values(tmp_path / method)
    assert not rest
    return value, decode(value)


def reference(array: np.ndarray, dataformats: str) -> np.ndarray:
    """tensorboardX's layout of uint8 ``array`` (its ``convert_to_HWC``: grid, grayscale to RGB)."""
    return convert_to_HWC(array, dataformats)


# -- layouts ---------------------------------------------------------------------------------------


def layouts() -> list[str]:
    chw = ["".join(p) for p in itertools.permutations("CHW")]
    nchw = ["".join(p) for p in itertools.permutations("NCHW")]
    return ["HW", "WH", *chw, *nchw]


@pytest.mark.parametrize("dataformats", layouts())
def test_layouts_match_tensorboardx(tmp_path: Path, dataformats: str) -> None:
    sizes = {"N": 3, "C": 3, "H": 5, "W": 7}
    array = RNG.integers(0, 256, [sizes[letter] for letter in dataformats], dtype=np.uint8)
    value, pixels = log(tmp_path, "add_image", "layout", array, dataformats=dataformats.lower())
    np.testing.assert_array_equal(pixels, reference(array, dataformats))
    assert (value.image.height, value.image.width, value.image.colorspace) == pixels.shape


@pytest.mark.parametrize("dataformats", ["CHW", "HWC", "NCHW", "NHWC"])
def test_grayscale_becomes_rgb(tmp_path: Path, dataformats: str) -> None:
    sizes = {"N": 2, "C": 1, "H": 4, "W": 6}
    array = RNG.integers(0, 256, [sizes[letter] for letter in dataformats], dtype=np.uint8)
    value, pixels = log(tmp_path, "add_images", "gray", array, dataformats=dataformats)
    assert pixels.shape[-1] == 3 and value.image.colorspace == 3
    np.testing.assert_array_equal(pixels, reference(array, dataformats))


def test_grayscale_batch_without_channel_axis(tmp_path: Path) -> None:
    array = RNG.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    _, pixels = log(tmp_path, "add_images", "nhw", array, dataformats="NHW")
    np.testing.assert_array_equal(pixels, reference(array[:, None], "NCHW"))


def test_rgba_is_kept(tmp_path: Path) -> None:
    array = RNG.integers(0, 256, (4, 6, 5), dtype=np.uint8)
    value, pixels = log(tmp_path, "add_image", "rgba", array)
    assert value.image.colorspace == 4
    np.testing.assert_array_equal(pixels, array.transpose(1, 2, 0))


@pytest.mark.parametrize("count", [1, 2, 7, 8, 9, 16, 17])
def test_grid_matches_tensorboardx(tmp_path: Path, count: int) -> None:
    array = RNG.integers(1, 256, (count, 3, 4, 5), dtype=np.uint8)
    value, pixels = log(tmp_path, "add_images", "grid", array)
    expected = reference(array, "NCHW")
    np.testing.assert_array_equal(pixels, expected)
    columns = min(count, 8)
    assert pixels.shape == (-(-count // columns) * 4, columns * 5, 3)
    assert (value.image.height, value.image.width) == pixels.shape[:2]


def test_add_image_with_batch_format_makes_a_grid(tmp_path: Path) -> None:
    array = RNG.integers(0, 256, (10, 4, 2, 3), dtype=np.uint8)  # N H W C
    _, pixels = log(tmp_path, "add_image", "grid", array, dataformats="NHWC")
    np.testing.assert_array_equal(pixels, reference(array, "NHWC"))


# -- pixel values ----------------------------------------------------------------------------------


FLOATS = [-0.5, 0.0, 0.1, 0.5, 0.999, 1.0, 1.5, 1e30, float("nan"), float("inf"), float("-inf")]
FLOAT_PIXELS = [0, 0, 25, 127, 254, 255, 255, 255, 0, 255, 0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floats_are_scaled_clipped_and_nan_is_zero(tmp_path: Path, dtype: type) -> None:
    values = np.array(FLOATS, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        array = np.broadcast_to(values.astype(dtype), (3, 1, len(values)))
    _, pixels = log(tmp_path, "add_image", "floats", array)
    np.testing.assert_array_equal(pixels[0, :, 0], FLOAT_PIXELS)


def test_in_range_floats_equal_tensorboardx(tmp_path: Path) -> None:
    array = RNG.random((3, 16, 16), dtype=np.float32)
    _, pixels = log(tmp_path, "add_image", "floats", array)
    np.testing.assert_array_equal(pixels, (array * 255.0).astype(np.uint8).transpose(1, 2, 0))


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint16, np.uint32, np.uint64])
def test_integers_are_clipped_to_0_255(tmp_path: Path, dtype: type) -> None:
    info = np.iinfo(dtype)
    values = [int(v) for v in (info.min, -5, 0, 1, 100, 255, 256, 300, info.max) if info.min <= v <= info.max]
    array = np.array(values, dtype=dtype).reshape(1, 1, -1)
    _, pixels = log(tmp_path, "add_image", "ints", array)
    assert pixels[0, :, 0].tolist() == [min(max(v, 0), 255) for v in values]


def test_uint8_is_taken_as_is_and_bool_is_black_or_white(tmp_path: Path) -> None:
    _, pixels = log(tmp_path, "add_image", "u8", np.arange(256, dtype=np.uint8).reshape(1, 16, 16))
    np.testing.assert_array_equal(pixels[..., 0], np.arange(256).reshape(16, 16))
    _, pixels = log(tmp_path, "add_images", "bool", np.array([[[[True, False]]]]))
    np.testing.assert_array_equal(pixels[0, :, 0], [255, 0])


def test_torch_tensors_any_dtype(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    tensor = torch.tensor([[[0.0, 0.5, 1.0, 2.0]]], dtype=torch.bfloat16, requires_grad=True)
    _, pixels = log(tmp_path, "add_image", "bf16", tensor)
    np.testing.assert_array_equal(pixels[0, :, 0], [0, 127, 255, 255])


def test_pixels_are_copied_at_the_call(tmp_path: Path) -> None:
    array = np.zeros((3, 4, 4), np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("copy", array)
        array[:] = 1.0
        writer.add_image("copy", array, 1)
    first, second = (decode(value) for _, value in logged_values(tmp_path))
    assert first.max() == 0 and second.min() == 255


# -- the value: metadata, header, tag, step -------------------------------------------------------


def test_value_metadata_header_step_and_tag(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("a b/c%", np.ones((3, 2, 5)), global_step=42, walltime=123.5)
        writer.add_image_with_boxes("a b/c%", np.ones((3, 2, 5)), np.zeros((0, 4)), 43, walltime=124.0)
    (event, value), (boxes_event, boxes_value) = logged_values(tmp_path)
    assert (event.step, event.wall_time) == (42, 123.5)
    assert (boxes_event.step, boxes_event.wall_time) == (43, 124.0)
    assert value.tag == "a_b/c_"  # cleaned as tensorboardX does
    assert boxes_value.tag == "a b/c%"  # tensorboardX does not clean add_image_with_boxes tags
    for logged in (value, boxes_value):
        metadata = logged.metadata
        assert metadata.plugin_data.plugin_name == "images"
        assert ImagePluginData.FromString(metadata.plugin_data.content).version == 0
        assert metadata.data_class == DataClass.DATA_CLASS_BLOB_SEQUENCE
        assert (logged.image.height, logged.image.width, logged.image.colorspace) == (2, 5, 3)


def test_use_metadata_step(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path) as writer, writer.use_metadata(global_step=9):
        writer.add_image("img", np.zeros((1, 2, 2)))
    ((event, _),) = logged_values(tmp_path)
    assert event.step == 9


def test_write_to_disk_false_checks_and_writes_nothing(tmp_path: Path) -> None:
    writer = SummaryWriter(tmp_path / "off", write_to_disk=False)
    writer.add_image("img", np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="dataformats"):
        writer.add_image("img", np.zeros((3, 2, 2)), dataformats="HW")
    writer.close()
    assert not (tmp_path / "off").exists()


# -- add_images from lists -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dataformats", "item_shape", "stack_axis"),
    [("NCHW", (3, 4, 5), 0), ("CHW", (3, 4, 5), 0), ("HWC", (4, 5, 3), 0), ("NHWC", (4, 5, 3), 0),
     ("HW", (4, 5), 0), ("CNHW", (3, 4, 5), 1)],
)  # fmt: skip
def test_add_images_from_a_list(tmp_path: Path, dataformats: str, item_shape: tuple, stack_axis: int) -> None:
    items = [RNG.integers(0, 256, item_shape, dtype=np.uint8) for _ in range(3)]
    _, pixels = log(tmp_path, "add_images", "list", items, dataformats=dataformats)
    layout = dataformats if "N" in dataformats else "N" + dataformats
    stacked = np.stack(items, axis=stack_axis)
    if "C" not in layout:
        stacked, layout = stacked[:, None], "NCHW"
    np.testing.assert_array_equal(pixels, reference(stacked, layout))


def test_add_images_list_of_mixed_dtypes_and_tensors(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    items = [np.full((3, 2, 2), 255, np.uint8), np.full((3, 2, 2), 0.5, np.float32), torch.ones(3, 2, 2)]
    _, pixels = log(tmp_path, "add_images", "mixed", items)
    assert pixels[0, ::2, 0].tolist() == [255, 127, 255]


def test_add_images_from_a_list_without_torch(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from lightboard import SummaryWriter\n"
        "with SummaryWriter(sys.argv[1]) as w:\n"
        "    w.add_images('list', [np.zeros((3, 4, 4)), np.ones((3, 4, 4), np.float32)])\n"
        "assert sys.modules['torch'] is None\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env, timeout=60)
    ((_, value),) = logged_values(tmp_path)
    pixels = decode(value)
    assert pixels.shape == (4, 8, 3)
    assert pixels[:, :4].max() == 0 and pixels[:, 4:].min() == 255


# -- boxes -----------------------------------------------------------------------------------------


def red(pixels: np.ndarray) -> np.ndarray:
    return (pixels[..., 0] == 255) & (pixels[..., 1] == 0) & (pixels[..., 2] == 0)


def test_boxes_are_drawn_where_expected(tmp_path: Path) -> None:
    canvas = np.zeros((3, 50, 60), np.float32)
    boxes = np.array([[10, 12, 40, 30], [55, 45, 50, 40]])  # the second given as (xmax, ymax, xmin, ymin)
    value, pixels = log(tmp_path, "add_image_with_boxes", "boxes", canvas, boxes)
    expected = np.zeros((50, 60), bool)
    for x0, y0, x1, y1 in ((10, 12, 40, 30), (50, 40, 55, 45)):
        expected[y0 : y1 + 1, x0 : x1 + 1] = True
        expected[y0 + 2 : y1 - 1, x0 + 2 : x1 - 1] = False  # 2 pixels wide, inside the box
    np.testing.assert_array_equal(red(pixels), expected)
    assert (value.image.height, value.image.width) == (50, 60)


def test_box_labels_are_drawn_above_the_box(tmp_path: Path) -> None:
    canvas = np.zeros((3, 60, 80), np.uint8)
    _, plain = log(tmp_path / "plain", "add_image_with_boxes", "b", canvas, [20, 30, 70, 50])
    _, labelled = log(tmp_path / "label", "add_image_with_boxes", "b", canvas, [20, 30, 70, 50], labels="cat")
    changed = np.any(plain != labelled, axis=-1)
    rows, columns = np.nonzero(changed)
    assert rows.size and rows.max() < 30 and columns.min() >= 20  # the label sits on top of the box
    assert red(labelled)[rows.min() : 30, 20].all()  # on a red background


def test_single_box_and_no_box(tmp_path: Path) -> None:
    canvas = RNG.integers(0, 200, (8, 9, 3), dtype=np.uint8)
    _, pixels = log(tmp_path / "none", "add_image_with_boxes", "b", canvas, np.zeros((0, 4)), dataformats="HWC")
    np.testing.assert_array_equal(pixels, canvas)
    _, pixels = log(tmp_path / "one", "add_image_with_boxes", "b", canvas, (1, 1, 5, 5), dataformats="HWC")
    assert red(pixels)[1, 1:6].all()


@pytest.mark.parametrize(("rescale", "size"), [(2, (40, 20)), (0.5, (10, 5)), (1.26, (25, 12))])
def test_rescale_header_matches_the_encoded_image(tmp_path: Path, rescale: float, size: tuple[int, int]) -> None:
    canvas = np.zeros((3, 20, 10))
    value, pixels = log(tmp_path, "add_image_with_boxes", "r", canvas, [[2, 2, 7, 17]], rescale=rescale)
    assert pixels.shape[:2] == size
    assert (value.image.height, value.image.width) == size  # tensorboardX writes (20, 10) here
    assert pixels[..., 0].max() > 100 and pixels[..., 1:].max() == 0  # the box, resized after drawing


# -- figures ---------------------------------------------------------------------------------------


@pytest.fixture
def pyplot() -> Any:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_figure_size_pixels_and_close(tmp_path: Path, pyplot: Any) -> None:
    figure = pyplot.figure(figsize=(2, 1), dpi=50, facecolor=(1.0, 0.0, 0.0))
    value, pixels = log(tmp_path, "add_figure", "fig", figure, 3)
    assert pixels.shape == (50, 100, 3) and value.image.colorspace == 3
    assert red(pixels).all()
    assert not pyplot.fignum_exists(figure.number)


def test_figure_list_is_a_grid_and_close_false_keeps_them(tmp_path: Path, pyplot: Any) -> None:
    colors = [(0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (1.0, 1.0, 1.0)]
    figures = [pyplot.figure(figsize=(1, 1), dpi=20, facecolor=color) for color in colors]
    _, pixels = log(tmp_path, "add_figure", "figs", figures, close=False)
    assert pixels.shape == (20, 60, 3)
    for index, color in enumerate(colors):
        assert (pixels[:, 20 * index : 20 * (index + 1)] == np.array(color) * 255).all()
    assert all(pyplot.fignum_exists(figure.number) for figure in figures)


def test_figure_keeps_its_canvas(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.figure import Figure

    figure = Figure(figsize=(1, 2), dpi=10)
    canvas = FigureCanvasBase(figure)  # not an Agg canvas, like an interactive window's
    assert figure.canvas is canvas
    _, pixels = log(tmp_path, "add_figure", "fig", figure)
    assert pixels.shape == (20, 10, 3)
    assert figure.canvas is canvas


# -- the PNG encoder --------------------------------------------------------------------------------


def test_encoding_runs_on_the_writer_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []

    def spy(original: Any) -> Any:
        def encode(*args: Any) -> bytes:
            threads.append(threading.current_thread())
            return original(*args)

        return encode

    monkeypatch.setattr(image, "encode_png", spy(image.encode_png))
    monkeypatch.setattr(video, "encode_gif", spy(video.encode_gif))
    with SummaryWriter(tmp_path, max_queue=1) as writer:
        writer.add_image("a", np.zeros((3, 8, 8)))
        writer.add_images("b", np.zeros((4, 3, 8, 8)))
        writer.add_image_with_boxes("c", np.zeros((3, 8, 8)), [[1, 1, 5, 5]], rescale=2)
        writer.add_video("d", np.zeros((1, 2, 3, 8, 8)))
        deadline = time.monotonic() + 10
        while len(threads) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(threads) == 4
    assert threading.main_thread() not in threads
    assert len(logged_values(tmp_path)) == 4


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 40),
    width=st.integers(1, 40),
    channels=st.sampled_from([1, 3, 4]),
    noisy=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_png_round_trip(height: int, width: int, channels: int, noisy: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    if noisy:
        pixels = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
    else:
        pixels = np.repeat(rng.integers(0, 256, (height, 1, channels), dtype=np.uint8), width, axis=1)
    with Image.open(io.BytesIO(image.encode_png(pixels))) as picture:
        decoded = np.asarray(picture)
    np.testing.assert_array_equal(decoded, np.repeat(pixels, 3, axis=2) if channels == 1 else pixels)


# -- bad input -------------------------------------------------------------------------------------

IMG = np.zeros((3, 4, 4))
BAD_INPUTS = [
    ("add_image", (7, IMG), {}, TypeError, "tag must be a str"),
    ("add_image", ("t", np.zeros((4, 4))), {}, ValueError, "2 dimensions.*'CHW' names 3"),
    ("add_image", ("t", np.zeros((1, 3, 4, 4))), {}, ValueError, "img_tensor for tag 't' has 4 dimensions"),
    ("add_image", ("t", IMG), {"dataformats": "CHX"}, ValueError, "dataformats 'CHX' for tag 't'"),
    ("add_image", ("t", IMG), {"dataformats": "CCW"}, ValueError, "dataformats 'CCW'"),
    ("add_image", ("t", IMG), {"dataformats": "NCW"}, ValueError, "at least H, W"),
    ("add_image", ("t", IMG), {"dataformats": None}, TypeError, "dataformats for tag 't' must be a str"),
    ("add_image", ("t", np.zeros((2, 4, 4))), {}, ValueError, "2 channels.*1 .grayscale., 3 .RGB. or 4"),
    ("add_image", ("t", np.zeros((3, 0, 4))), {}, ValueError, "img_tensor for tag 't' is empty"),
    ("add_image", ("t", np.zeros((3, 4, 4), complex)), {}, TypeError, "img_tensor for tag 't' must be numeric"),
    ("add_image", ("t", np.array([["a"]])), {"dataformats": "HW"}, TypeError, "must be numeric"),
    ("add_images", ("t", np.zeros((3, 4, 4))), {}, ValueError, "3 dimensions.*'NCHW' names 4"),
    ("add_images", ("t", []), {}, ValueError, "img_tensor for tag 't' is an empty list"),
    ("add_images", ("t", [IMG, np.zeros((3, 4, 5))]), {}, ValueError, r"one shape, got \(3, 4, 4\).*index 1"),
    ("add_images", ("t", [IMG]), {"dataformats": "NNCHW"}, ValueError, "dataformats 'NNCHW'"),
    (
        "add_images",
        ("t", [np.zeros((3, 4, 2))]),
        {"dataformats": "HWC"},
        ValueError,
        r"2 channels \(shape \(1, 3, 4, 2\), NHWC\)",
    ),
    ("add_images", ("t", [IMG]), {"dataformats": "NCHWT"}, ValueError, "letters N, C, H, W"),
    ("add_images", ("t", [IMG, "x"]), {}, TypeError, r"img_tensor\[1\] for tag 't' must be numeric"),
    (
        "add_image_with_boxes",
        ("t", IMG, np.zeros((2, 3))),
        {},
        ValueError,
        r"box_tensor for tag 't' must have shape \(N, 4\)",
    ),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, np.nan, 1]]), {}, ValueError, "NaN or infinite"),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, 1, 1]]), {"labels": ["a", "b"]}, ValueError, "1 boxes but 2 labels"),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, 1, 1]]), {"labels": 5}, TypeError, "labels for tag 't' must be a str"),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, 1, 1]]), {"rescale": 0}, ValueError, "rescale=0 for tag 't'"),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, 1, 1]]), {"rescale": 0.1}, ValueError, "got 0×0"),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, 1, 1]]), {"rescale": float("nan")}, ValueError, "rescale=nan"),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, 1, 1]]), {"rescale": 1e5}, ValueError, "1 to 65535 pixels a side"),
    ("add_image_with_boxes", ("t", IMG, [[0, 0, 1, 1]]), {"rescale": "2"}, TypeError, "rescale for tag 't'"),
    ("add_image_with_boxes", ("t", IMG, "boxes"), {}, TypeError, "box_tensor for tag 't' must be numeric"),
    ("add_figure", ("t", IMG), {}, TypeError, "figure for tag 't' must be a matplotlib Figure, got ndarray"),
    ("add_figure", ("t", []), {}, ValueError, "figure for tag 't' is an empty list"),
    ("add_figure", ("t", [None]), {}, TypeError, r"figure\[0\] for tag 't'"),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "error", "message"), BAD_INPUTS)
def test_bad_input(
    tmp_path: Path, method: str, args: tuple, kwargs: dict, error: type[Exception], message: str
) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error, match=message) as raised:
            getattr(writer, method)(*args, **kwargs)
        if not isinstance(args[0], int):
            assert method in str(raised.value)
    assert logged_values(tmp_path) == []


def test_figures_of_different_sizes(tmp_path: Path, pyplot: Any) -> None:
    figures = [pyplot.figure(figsize=(1, 1), dpi=10), pyplot.figure(figsize=(2, 1), dpi=10)]
    with SummaryWriter(tmp_path) as writer, pytest.raises(ValueError, match=r"one size.*\(10, 10\), \(10, 20\)"):
        writer.add_figure("t", figures)


def test_missing_pillow_is_reported_at_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ImportError, match=r"lightboard\[images\]"):
            writer.add_image_with_boxes("t", IMG, [[0, 0, 1, 1]])
        writer.add_image("t", IMG)  # plain PNG needs no Pillow
    assert len(logged_values(tmp_path)) == 1


def test_add_image_with_boxes_ignores_unknown_keywords_with_a_warning(tmp_path: Any) -> None:
    with SummaryWriter(tmp_path) as writer, pytest.warns(UserWarning, match="ignoring unknown keyword arguments color"):
        writer.add_image_with_boxes("t", np.zeros((3, 4, 4)), [[0, 0, 1, 1]], color="b")
