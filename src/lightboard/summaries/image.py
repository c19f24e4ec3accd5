"""Images: pixels to PNG in a legacy ``Summary.Image`` value, as tensorboardX writes them.

Work is split so that training does not wait for encoding. On the caller's thread,
:func:`check_layout` checks the array against ``dataformats`` and :func:`to_uint8` turns it into a
private uint8 copy of the same shape (the pixel rule, below); the writer thread then lays it out
(:func:`to_hwc`: axes, grayscale to RGB, the batch grid), draws boxes, resizes and encodes the PNG
(:func:`encode_event`, :func:`encode_boxes_event`).

Pixel rule (:func:`to_uint8`): floats are taken in [0, 1], multiplied by 255, clipped to [0, 255]
and truncated (tensorboardX and torch truncate too, so in-range pixels match theirs; tensorboardX
wraps out-of-range values around instead of clipping); NaN becomes 0. ``uint8`` is kept as it is,
every other integer type holds 0..255 values and is clipped to that range, and ``bool`` maps False
to 0 and True to 255.

The value carries the images plugin's metadata (``plugin_name="images"``, ``ImagePluginData``,
``DATA_CLASS_BLOB_SEQUENCE``); ``colorspace`` is the channel count of the encoded image (3 or 4)
and ``height``/``width`` its size after any rescaling. PNGs are written here, with the standard
library's zlib (every row "Up"-filtered, run-length encoding for noisy images), several times faster
than Pillow; Pillow is needed only for boxes, rescaling and GIF video.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from typing import Any

import numpy as np

from lightboard.events.wire import summary_event
from lightboard.optional import extension, require
from lightboard.proto.plugins_pb2 import ImagePluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata

PLUGIN_NAME = "images"
GRID_COLUMNS = 8
"""Images per row of a batch grid (tensorboardX's ``make_grid``)."""
BOX_COLOR = (255, 0, 0)
BOX_THICKNESS = 2
PNG_LEVEL = 6

METADATA = SummaryMetadata(
    plugin_data=SummaryMetadata.PluginData(
        plugin_name=PLUGIN_NAME, content=ImagePluginData(version=0).SerializeToString()
    ),
    data_class=DataClass.DATA_CLASS_BLOB_SEQUENCE,
)

_CHANNELS = (1, 3, 4)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPES = {1: 0, 3: 2, 4: 6}  # gray, RGB, RGBA
MAX_RESCALED_SIDE = 65535
"""Largest height or width that ``rescale`` may produce (browsers show no larger images)."""


# -- caller side: checks and pixel conversion -----------------------------------------------------


def check_layout(
    shape: tuple[int, ...],
    dataformats: Any,
    *,
    method: str,
    argument: str,
    tag: str,
    letters: str = "NCHW",
    required: str = "HW",
    example: str = "CHW",
) -> str:
    """Check ``shape`` against ``dataformats`` and return the format upper-cased.

    ``dataformats`` names each axis with a distinct letter of ``letters`` (case-insensitive) and must
    contain every letter of ``required``; an absent ``C`` means one channel. Channels must be 1, 3 or 4,
    and no axis may be empty. ``example`` is quoted in error messages.

    Raises:
        TypeError: ``dataformats`` is not a str.
        ValueError: naming ``method``, ``argument`` and ``tag``, for anything else.
    """
    if not isinstance(dataformats, str):
        raise TypeError(
            f"{method}: dataformats for tag {tag!r} must be a str such as {example!r}, got {type(dataformats).__name__}"
        )
    layout = dataformats.upper()
    wrong = sorted(set(layout) - set(letters))
    if wrong or len(set(layout)) != len(layout) or not set(required) <= set(layout):
        raise ValueError(
            f"{method}: dataformats {dataformats!r} for tag {tag!r} must name each axis of {argument} once with "
            f"the letters {', '.join(letters)} (at least {', '.join(required)}), e.g. {example!r}"
        )
    if len(layout) != len(shape):
        raise ValueError(
            f"{method}: {argument} for tag {tag!r} has {len(shape)} dimensions (shape {tuple(shape)}) but "
            f"dataformats {dataformats!r} names {len(layout)}"
        )
    if 0 in shape:
        raise ValueError(f"{method}: {argument} for tag {tag!r} is empty (shape {tuple(shape)}, {layout})")
    channels = shape[layout.index("C")] if "C" in layout else 1
    if channels not in _CHANNELS:
        raise ValueError(
            f"{method}: {argument} for tag {tag!r} has {channels} channels (shape {tuple(shape)}, {layout}); "
            "expected 1 (grayscale), 3 (RGB) or 4 (RGBA)"
        )
    return layout


def grid_size(shape: tuple[int, ...], layout: str) -> tuple[int, int]:
    """Height and width of the image :func:`to_hwc` makes of an array of ``shape`` laid out as ``layout``."""
    count = shape[layout.index("N")] if "N" in layout else 1
    columns = min(count, GRID_COLUMNS)
    return -(-count // columns) * shape[layout.index("H")], columns * shape[layout.index("W")]


_image_c = extension("lightboard.summaries._image")  # C: the pixel rule, and PNG without the GIL


def to_uint8(array: np.ndarray) -> np.ndarray:
    """A new uint8 array of the same shape and memory order, by the pixel rule of this module."""
    kind = array.dtype.kind
    if kind == "f":
        if array.dtype != np.float32 and array.dtype != np.float64:
            array = array.astype(np.float32)
        if _image_c is not None and array.flags.c_contiguous:  # one pass in C, keeping the GIL
            pixels = np.empty(array.shape, np.uint8)
            _image_c.scale_to_uint8(array, pixels)
            return pixels
        scale = array.dtype.type(255)
        if 0 <= array.min() and array.max() <= 1:  # the common case (False if there is a NaN)
            pixels = np.empty_like(array, dtype=np.uint8)  # same memory order as the input
            return np.multiply(array, scale, out=pixels, casting="unsafe")  # in range: truncating is safe
        scaled = array * scale
        np.fmax(scaled, 0, out=scaled)  # fmax and fmin turn NaN into the bound
        np.fmin(scaled, 255, out=scaled)
        return scaled.astype(np.uint8)
    if array.dtype == np.uint8:
        return array.copy(order="K")
    if kind == "b":
        pixels = array.astype(np.uint8)
        pixels *= 255
        return pixels
    return np.clip(array, 0, 255).astype(np.uint8)


# -- writer side: layout, grid, PNG ---------------------------------------------------------------


def as_nhwc(pixels: np.ndarray, layout: str) -> np.ndarray:
    """A view of ``pixels`` (laid out as ``layout``, letters of NCHW) with the axes N, H, W, C."""
    for letter in "NC":
        if letter not in layout:
            pixels, layout = pixels[..., None], layout + letter
    return pixels.transpose([layout.index(letter) for letter in "NHWC"])


def to_hwc(pixels: np.ndarray, layout: str) -> np.ndarray:
    """The contiguous (H, W, 3 or 4) image: grayscale repeated to RGB, a batch tiled 8 images per row.

    Cells of the grid left over are zeros. Copies channel by channel, which is about three times faster
    than a transposing copy for planar (CHW) input.
    """
    batch = as_nhwc(pixels, layout)
    count, height, width, channels = batch.shape
    columns = min(count, GRID_COLUMNS)
    rows = -(-count // columns)
    colors = 3 if channels == 1 else channels
    make = np.zeros if rows * columns > count else np.empty
    canvas = make((rows, height, columns, width, colors), np.uint8)
    for row in range(rows):
        cells = batch[row * columns : (row + 1) * columns].transpose(1, 0, 2, 3)  # H, k, W, C
        target = canvas[row, :, : cells.shape[1]]
        for color in range(colors):
            target[..., color] = cells[..., 0 if channels == 1 else color]
    return canvas.reshape(rows * height, columns * width, colors)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def _deflate(data: np.ndarray, level: int) -> bytes:
    """zlib stream of ``data``: run-length only if that leaves it over half its size (noise, photos), else ``level``.

    Deflate's match search costs most and gains least on noisy pixels; on drawings and flat areas it
    gains a lot (matplotlib figures come out about half the size of run-length encoding).
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    quick = compressor.compress(data) + compressor.flush()
    if len(quick) * 2 > data.nbytes:
        return quick
    return zlib.compress(data, level)


def encode_png_python(image: np.ndarray, level: int = PNG_LEVEL) -> bytes:
    """PNG of a uint8 (H, W, C) image, C in 1, 3, 4 (gray, RGB, RGBA); 8 bits, every row "Up"-filtered."""
    height, width, channels = image.shape
    rows = np.ascontiguousarray(image).reshape(height, width * channels)
    filtered = np.empty((height, width * channels + 1), np.uint8)
    filtered[:, 0] = 2  # filter type Up: each byte minus the byte above it, modulo 256
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOR_TYPES[channels], 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", _deflate(filtered, level)),
            _png_chunk(b"IEND", b""),
        )
    )


def encode_png(image: np.ndarray, level: int = PNG_LEVEL) -> bytes:
    """PNG of a uint8 (H, W, C) image of any strides, C in 1, 3, 4; one channel becomes RGB.

    The C extension does it without the GIL; :func:`encode_png_python` of :func:`to_hwc`'s result is its
    byte-identical twin.
    """
    if _image_c is not None:
        return _image_c.encode_png(image, level)
    return encode_png_python(to_hwc(image, "HWC"), level)


def image_value(tag: str, encoded: bytes, height: int, width: int, channels: int) -> Summary.Value:
    """The ``Summary.Value`` of an encoded image (PNG or GIF), with the images plugin's metadata."""
    image = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)
    return Summary.Value(tag=tag, metadata=METADATA, image=image)


def encode_event(item: tuple) -> bytes:
    """Serialize the deferred event ``(encode_event, tag, pixels, layout, wall_time, step)`` as a PNG image."""
    _, tag, pixels, layout, wall_time, step = item
    image = as_nhwc(pixels, layout)
    image = image[0] if len(image) == 1 else to_hwc(pixels, layout)  # one image: no copy before encoding
    height, width, channels = image.shape
    value = image_value(tag, encode_png(image), height, width, 3 if channels == 1 else channels)
    return summary_event(wall_time, step, value.SerializeToString())


# -- boxes and rescaling ---------------------------------------------------------------------------


def scaled_size(height: int, width: int, rescale: float) -> tuple[int, int]:
    """``(int(height * rescale), int(width * rescale))``, the size tensorboardX resizes to."""
    return int(height * rescale), int(width * rescale)


def draw_boxes(image: Any, boxes: np.ndarray, labels: list[str] | None) -> None:
    """Draw xyxy ``boxes`` (pixels) on the Pillow ``image`` in red, 2 px inside each box, labels on top."""
    image_draw = require("PIL.ImageDraw", "images", "add_image_with_boxes")
    image_font = require("PIL.ImageFont", "images", "add_image_with_boxes")
    draw = image_draw.Draw(image)
    font = image_font.load_default() if labels else None
    width, height = image.size
    limit = np.array([width, height, width, height], np.float64) + 2 * BOX_THICKNESS
    corners = np.rint(np.clip(boxes, -2 * BOX_THICKNESS, limit)).astype(np.int64)
    for index, (x0, y0, x1, y1) in enumerate(corners.tolist()):
        left, right, top, bottom = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        draw.rectangle((left, top, right, bottom), outline=BOX_COLOR, width=BOX_THICKNESS)
        if labels and labels[index]:
            text_left, text_top, text_right, text_bottom = draw.textbbox((0, 0), labels[index], font=font)
            margin = 2
            label_height = text_bottom - text_top + 2 * margin
            label_top = top - label_height if top >= label_height else top  # above the box if it fits
            draw.rectangle(
                (left, label_top, left + text_right - text_left + 2 * margin, label_top + label_height - 1),
                fill=BOX_COLOR,
            )
            draw.text(
                (left + margin - text_left, label_top + margin - text_top), labels[index], fill=(0, 0, 0), font=font
            )


def encode_boxes_event(item: tuple) -> bytes:
    """Serialize ``(encode_boxes_event, tag, pixels, layout, boxes, labels, rescale, wall_time, step)``.

    Boxes are drawn on the image, which is then resized by ``rescale`` (Lanczos) and encoded as PNG;
    the header holds the size of the encoded image.
    """
    _, tag, pixels, layout, boxes, labels, rescale, wall_time, step = item
    image = to_hwc(pixels, layout)
    if len(boxes) or rescale != 1:
        pil = require("PIL.Image", "images", "add_image_with_boxes")
        picture = pil.fromarray(image)
        draw_boxes(picture, boxes, labels)
        height, width = scaled_size(image.shape[0], image.shape[1], rescale)
        if (height, width) != image.shape[:2]:
            picture = picture.resize((width, height), pil.Resampling.LANCZOS)
        image = np.asarray(picture)
    height, width, channels = image.shape
    value = image_value(tag, encode_png(image), height, width, channels)
    return summary_event(wall_time, step, value.SerializeToString())


# -- figures ---------------------------------------------------------------------------------------


def is_figure(value: Any) -> bool:
    """Whether ``value`` is a matplotlib Figure (matplotlib is not imported here for the test)."""
    figure_module = sys.modules.get("matplotlib.figure")
    return figure_module is not None and isinstance(value, figure_module.Figure)


def render_figure(figure: Any) -> np.ndarray:
    """Render ``figure`` with matplotlib's Agg canvas; a new (H, W, 4) uint8 RGBA array.

    The figure's own canvas is put back afterwards, so an interactive window keeps working.
    """
    backend_agg = require("matplotlib.backends.backend_agg", "figures", "add_figure")
    original = figure.canvas
    if isinstance(original, backend_agg.FigureCanvasAgg):
        original.draw()
        return np.array(original.buffer_rgba())
    canvas = backend_agg.FigureCanvasAgg(figure)
    try:
        canvas.draw()
        return np.array(canvas.buffer_rgba())
    finally:
        figure.set_canvas(original)


def close_figure(figure: Any) -> None:
    """Close ``figure`` in pyplot, if pyplot is in use (otherwise nothing holds it)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(figure)


def blobs_of(value: Summary.Value) -> tuple[int, int, list[bytes]]:
    """``(width, height, encoded images)`` of an image value, legacy ``image`` or string tensor (reader side).

    Raises:
        ValueError: the value holds no image.
    """
    if value.HasField("image"):
        image = value.image
        return int(image.width), int(image.height), [image.encoded_image_string]
    if value.HasField("tensor") and len(value.tensor.string_val) >= 2:
        width, height, *blobs = value.tensor.string_val
        try:
            return int(width), int(height), list(blobs)
        except ValueError:
            pass
    raise ValueError(f"value {value.tag!r} holds no image")


def decode(encoded: bytes) -> np.ndarray:
    """Pixels of an encoded image (PNG, GIF's first frame, JPEG, ...) as ``uint8`` HWC, through Pillow."""
    image_module = require("PIL.Image", "images", "decoding images")
    with image_module.open(io.BytesIO(encoded)) as image:
        return np.asarray(image.convert("RGBA" if "A" in image.getbands() else "RGB"))
