"""Video: an animated GIF in a legacy ``Summary.Image`` value, laid out as tensorboardX lays it out.

The caller checks the array (:func:`check_layout`) and converts it to a private uint8 copy with the
image pixel rule (:func:`lightboard.summaries.image.to_uint8`); the writer thread tiles the batch and
encodes the GIF in memory with Pillow (:func:`encode_event`). No moviepy, no temporary file.

Layout (tensorboardX's ``_prepare_video``): the N videos are padded with black ones to the next power
of two and tiled row by row, ``2 ** ((N.bit_length() - 1) // 2)`` rows. Grayscale is repeated to RGB
and an alpha channel is dropped (GIF has no partial transparency), so ``colorspace`` is always 3.

GIF stores delays in hundredths of a second: each frame lasts ``1000 / fps`` ms rounded down to
10 ms, and at least 20 ms (browsers play shorter delays at 100 ms). The GIF loops forever. A video
with at most 256 colours keeps its exact colours; others are quantized to one palette of 256 (Pillow's
fast octree). A frame identical to the one before it is merged into it, its time added (Pillow's GIF
writer).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from lightboard.events.wire import summary_event
from lightboard.optional import require
from lightboard.summaries import image

MIN_FRAME_MS = 20.0
MAX_GIF_SIDE = 65535


def check_layout(shape: tuple[int, ...], dataformats: Any, *, method: str, argument: str, tag: str) -> str:
    """Check ``shape`` against ``dataformats`` (letters of NTCHW, at least T, H, W); the format upper-cased.

    Raises:
        TypeError: ``dataformats`` is not a str.
        ValueError: wrong letters or rank, an empty axis, channels other than 1, 3, 4, or tiled frames
            larger than a GIF allows (65535 pixels a side).
    """
    layout = image.check_layout(
        shape, dataformats, method=method, argument=argument, tag=tag, letters="NTCHW", required="THW", example="NTCHW"
    )
    count = shape[layout.index("N")] if "N" in layout else 1
    rows, columns = grid_shape(count)
    height, width = rows * shape[layout.index("H")], columns * shape[layout.index("W")]
    if max(height, width) > MAX_GIF_SIDE:
        raise ValueError(
            f"{method}: {argument} for tag {tag!r} (shape {tuple(shape)}, {layout}) makes {height}×{width} frames; "
            f"a GIF allows at most {MAX_GIF_SIDE} pixels a side"
        )
    return layout


def grid_shape(count: int) -> tuple[int, int]:
    """Rows and columns of the grid of ``count`` videos (tensorboardX's power-of-two padding)."""
    padded = 1 << (count - 1).bit_length()
    rows = 2 ** ((count.bit_length() - 1) // 2)
    return rows, padded // rows


def to_frames(pixels: np.ndarray, layout: str) -> np.ndarray:
    """The contiguous RGB frames (T, H, W, 3) of ``pixels`` (uint8, laid out as ``layout``), videos tiled."""
    for letter in "NC":
        if letter not in layout:
            pixels, layout = pixels[..., None], layout + letter
    videos = pixels.transpose([layout.index(letter) for letter in "NTHWC"])
    if videos.shape[-1] == 1:
        videos = np.repeat(videos, 3, axis=-1)
    elif videos.shape[-1] == 4:
        videos = videos[..., :3]
    count, frames, height, width, _ = videos.shape
    rows, columns = grid_shape(count)
    if rows * columns == 1:
        return np.ascontiguousarray(videos[0])
    cells = np.zeros((rows * columns, frames, height, width, 3), np.uint8)
    cells[:count] = videos
    cells = cells.reshape(rows, columns, frames, height, width, 3).transpose(2, 0, 3, 1, 4, 5)
    return cells.reshape(frames, rows * height, columns * width, 3)


def frame_duration_ms(fps: float) -> float:
    """Milliseconds per frame for ``fps`` (at least :data:`MIN_FRAME_MS`)."""
    return max(1000.0 / fps, MIN_FRAME_MS)


def _paletted(pil: Any, frames: np.ndarray) -> tuple[np.ndarray, bytes]:
    """Palette indices (T, H, W) and the RGB palette shared by all ``frames`` (T, H, W, 3).

    Exact if the video has at most 256 colours, else quantized once for the whole video (Pillow's fast
    octree), so that colours do not flicker from frame to frame.
    """
    count, height, width, _ = frames.shape
    stacked = pil.fromarray(frames.reshape(count * height, width, 3))
    colors = stacked.getcolors(256)
    if colors is None:
        quantized = stacked.quantize(256, method=pil.Quantize.FASTOCTREE)
        indices = np.asarray(quantized).reshape(count, height, width)
        return indices, bytes(quantized.getpalette("RGB"))
    palette = np.array(sorted((red << 16) | (green << 8) | blue for _, (red, green, blue) in colors), np.uint32)
    packed = (frames[..., 0].astype(np.uint32) << 16) | (frames[..., 1].astype(np.uint32) << 8) | frames[..., 2]
    indices = np.searchsorted(palette, packed).astype(np.uint8)
    rgb = np.stack([palette >> 16, (palette >> 8) & 0xFF, palette & 0xFF], axis=1).astype(np.uint8)
    return indices, rgb.tobytes()


def encode_gif(frames: np.ndarray, fps: float) -> bytes:
    """An animated GIF, looping forever, of uint8 RGB ``frames`` (T, H, W, 3) shown at ``fps``."""
    pil = require("PIL.Image", "images", "add_video")
    indices, palette = _paletted(pil, frames)
    pictures = []
    for frame in indices:
        picture = pil.frombytes("P", (frame.shape[1], frame.shape[0]), frame.tobytes())
        picture.putpalette(palette)
        pictures.append(picture)
    output = io.BytesIO()
    pictures[0].save(
        output,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=frame_duration_ms(fps),
        loop=0,
        optimize=False,  # the palette is ours already; Pillow's palette optimisation would take 4 times longer
    )
    return output.getvalue()


def encode_event(item: tuple) -> bytes:
    """Serialize the deferred event ``(encode_event, tag, pixels, layout, fps, wall_time, step)``."""
    _, tag, pixels, layout, fps, wall_time, step = item
    frames = to_frames(pixels, layout)
    _, height, width, channels = frames.shape
    value = image.image_value(tag, encode_gif(frames, fps), height, width, channels)
    return summary_event(wall_time, step, value.SerializeToString())
