"""The files of an embedding (see :mod:`lightboard.summaries.embedding`): their names and directories, and the
encodings of ``tensors.tsv``, ``metadata.tsv`` and ``sprite.png``."""

from __future__ import annotations

import math
import posixpath
from typing import Any

import numpy as np

METHOD = "add_embedding"
CONFIG_NAME = "projector_config.pbtxt"
TENSORS_NAME = "tensors.tsv"
METADATA_NAME = "metadata.tsv"
SPRITE_NAME = "sprite.png"


# -- names -----------------------------------------------------------------------------------------


def escape_tag(tag: str) -> str:
    """The directory name of ``tag``: ``%``, ``/`` and ``\\`` percent-escaped as tensorboardX does.

    ``"."`` and ``".."``, which tensorboardX turns into paths outside the step directory, become
    ``"%2e"`` and ``"%2e%2e"``.
    """
    escaped = tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")
    if escaped in (".", ".."):
        escaped = escaped.replace(".", "%2e")
    return escaped


def step_name(step: int) -> str:
    """The step as tensorboardX names it: zero-padded to five characters (``7`` → ``"00007"``)."""
    return str(step).zfill(5)


def tensor_name(tag: str, step: int) -> str:
    """The projector's name of the embedding: ``"<tag>:<step:05d>"``."""
    return f"{tag}:{step_name(step)}"


def subdir(tag: str, step: int) -> str:
    """Directory of the embedding's files, relative to the run directory (POSIX separators)."""
    return posixpath.join(step_name(step), escape_tag(tag))


# -- encodings -------------------------------------------------------------------------------------


def shrink(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize each thumbnail with a box filter (an area average), one row of thumbnails at a time.

    A row is resized as one image: with a box filter and the same ratio for every thumbnail, each output
    pixel averages input pixels of its own thumbnail only.
    """
    image_module = _pillow()
    count, old_height, old_width, channels = images.shape
    out = np.empty((count, height, width, channels), np.uint8)
    step = 256
    for start in range(0, count, step):
        chunk = images[start : start + step]
        strip = chunk.transpose(1, 0, 2, 3).reshape(old_height, len(chunk) * old_width, channels)
        picture = image_module.fromarray(strip[..., 0] if channels == 1 else strip)
        resized = np.asarray(picture.resize((len(chunk) * width, height), image_module.Resampling.BOX))
        resized = resized.reshape(height, len(chunk), width, channels).transpose(1, 0, 2, 3)
        out[start : start + len(chunk)] = resized
    return out


def _pillow() -> Any:
    from lightboard.optional import require

    return require("PIL.Image", "images", "add_embedding(label_img=...)")


def tensors_tsv(matrix: np.ndarray) -> bytes:
    """``tensors.tsv``: one line per row, tab-separated; float64 as Python's shortest repr, smaller floats
    with 9 significant digits (exact for float32), integers and bools as integers."""
    kind = matrix.dtype.kind
    if kind in "biu":
        rows = matrix.astype(np.uint64 if kind == "u" else np.int64).tolist()
        text = "\n".join(["\t".join(map(str, row)) for row in rows])
    elif matrix.dtype.itemsize > 4:
        text = "\n".join(["\t".join(map(repr, row)) for row in matrix.astype(np.float64).tolist()])
    else:
        template = "\t".join(["%.9g"] * matrix.shape[1])
        text = "\n".join([template % tuple(row) for row in matrix.astype(np.float32).tolist()])
    return (text + "\n").encode("ascii")


def metadata_tsv(lines: list[str]) -> bytes:
    """``metadata.tsv`` from :func:`metadata_lines`, UTF-8."""
    return ("\n".join(lines) + "\n").encode("utf-8")


def sprite_png(images: np.ndarray, columns: int) -> bytes:
    """The sprite: ``columns × columns`` cells of the ``[N, H, W, C]`` thumbnails, row-major, zero elsewhere."""
    import io

    image_module = _pillow()
    count, height, width, channels = images.shape
    canvas = np.zeros((columns * height, columns * width, channels), np.uint8)
    for row in range(math.ceil(count / columns)):
        chunk = images[row * columns : (row + 1) * columns]
        strip = chunk.transpose(1, 0, 2, 3).reshape(height, len(chunk) * width, channels)
        canvas[row * height : (row + 1) * height, : len(chunk) * width] = strip
    picture = image_module.fromarray(canvas[..., 0] if channels == 1 else canvas)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1 if canvas.size > (1 << 24) else 6)
    return buffer.getvalue()
