"""Embeddings for TensorBoard's projector: TSV and PNG files plus ``projector_config.pbtxt`` (no event files).

Layout (tensorboardX's, tensorboard-format.md §11.11), under the run directory ``logdir``::

    projector_config.pbtxt                  text-format ProjectorConfig: one ``embeddings`` entry per (tag, step)
    .projector_config.pbtxt.lock            empty; processes updating the config hold a ``flock`` on it
    <step:05d>/<escaped tag>/tensors.tsv    one row per point, tab-separated numbers
    <step:05d>/<escaped tag>/metadata.tsv   labels: one column without header, or a header row and columns
    <step:05d>/<escaped tag>/sprite.png     thumbnails in a square grid, row-major, at most 8192 px a side

The config entry of a (tag, step) is named ``"<tag>:<step:05d>"``. Logging the same (tag, step) again
replaces its entry and files; other entries are kept. Every file is written to a temporary name and
renamed over the old one, the config last, so TensorBoard never sees a half-written file nor a config
that names a file not yet written.

Files and their encodings are in :mod:`lightboard.summaries.embedding_files`, ``metadata.tsv``'s lines
in :mod:`lightboard.summaries.embedding_metadata`, and reading and writing the config in
:mod:`lightboard.summaries.projector_config`.

:func:`prepare` checks and converts the user's data (raising errors that name the argument and tag);
:func:`write` writes a prepared embedding.
"""

from __future__ import annotations

import math
import os
import posixpath
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from lightboard.summaries.embedding_files import (
    CONFIG_NAME,
    METADATA_NAME,
    METHOD,
    SPRITE_NAME,
    TENSORS_NAME,
    escape_tag,
    metadata_tsv,
    shrink,
    sprite_png,
    step_name,
    subdir,
    tensor_name,
    tensors_tsv,
)
from lightboard.summaries.embedding_metadata import BLANK_LABEL, metadata_lines
from lightboard.summaries.image import to_uint8
from lightboard.summaries.projector_config import (
    LocalFiles,
    RemoteFiles,
    config_lock,
    read_config,
    replace_file,
    write_config,
)
from lightboard.tensor import to_numpy

__all__ = [
    "BLANK_LABEL",
    "CONFIG_NAME",
    "MAX_SPRITE_PX",
    "METADATA_NAME",
    "METHOD",
    "SPRITE_NAME",
    "TENSORS_NAME",
    "Prepared",
    "check_matrix",
    "escape_tag",
    "metadata_lines",
    "metadata_tsv",
    "prepare",
    "read_config",
    "replace_file",
    "shrink",
    "sprite_layout",
    "sprite_png",
    "step_name",
    "subdir",
    "tensor_name",
    "tensors_tsv",
    "thumbnails",
    "write",
]

MAX_SPRITE_PX = 8192
"""Largest sprite side the projector loads (``vz_projector`` ``MAX_SPRITE_IMAGE_SIZE_PX``)."""


@dataclass(frozen=True)
class Prepared:
    """An embedding checked and converted by :func:`prepare`, ready for :func:`write`."""

    matrix: np.ndarray
    """``[N, D]``, bool/int/float, all finite."""
    metadata_lines: list[str] | None
    """The lines of ``metadata.tsv`` (header first, if any), or None."""
    thumbnails: np.ndarray | None
    """``[N, H, W, C]`` uint8 with C in (1, 3, 4), or None."""
    columns: int = 0
    """Thumbnails per sprite row (and rows per sprite: the grid is square)."""
    thumbnail_size: tuple[int, int] = (0, 0)
    """``(height, width)`` of a thumbnail in the sprite (smaller than in ``thumbnails`` if shrunk)."""


# -- checks and conversions ------------------------------------------------------------------------


def check_matrix(mat: Any, tag: str) -> np.ndarray:
    """``mat`` as a finite ``[N, D]`` numeric array (N, D ≥ 1).

    Raises:
        TypeError: not numeric.
        ValueError: not 2-D, empty, or holding NaN or ±inf (the projector's PCA and t-SNE break on them).
    """
    array = to_numpy(mat, argument="mat", method=METHOD, tag=tag)
    if array.ndim != 2:
        raise ValueError(f"{METHOD}: mat for tag {tag!r} must be 2-D [points, dimensions], got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{METHOD}: mat for tag {tag!r} is empty (shape {array.shape})")
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all():
            row = int(np.argwhere(~finite)[0][0])
            raise ValueError(
                f"{METHOD}: mat for tag {tag!r} holds NaN or infinity (first in row {row}); "
                "the projector cannot place such points"
            )
    return array


def sprite_layout(count: int, height: int, width: int, tag: str = "") -> tuple[int, int, int]:
    """``(columns, thumbnail height, thumbnail width)`` of the sprite of ``count`` thumbnails.

    The grid is ``columns × columns`` with ``columns = ceil(sqrt(count))``. If it would exceed
    :data:`MAX_SPRITE_PX` on a side, the thumbnails shrink (keeping their aspect ratio, at least 1 px)
    until it fits; a warning says so.

    Raises:
        ValueError: even 1-pixel thumbnails do not fit (more than 8192² points).
    """
    columns = math.isqrt(count - 1) + 1
    if columns > MAX_SPRITE_PX:
        raise ValueError(
            f"{METHOD}: label_img for tag {tag!r}: {count} thumbnails cannot fit a {MAX_SPRITE_PX} px sprite"
        )
    side = max(height, width)
    if columns * side <= MAX_SPRITE_PX:
        return columns, height, width
    new_height = max(1, height * MAX_SPRITE_PX // (columns * side))
    new_width = max(1, width * MAX_SPRITE_PX // (columns * side))
    warnings.warn(
        f"{METHOD}: label_img for tag {tag!r}: {count} thumbnails of {width}x{height} px exceed the projector's "
        f"{MAX_SPRITE_PX} px sprite; they are shrunk to {new_width}x{new_height} px",
        stacklevel=4,
    )
    return columns, new_height, new_width


def thumbnails(label_img: Any, count: int, tag: str) -> np.ndarray:
    """``label_img`` (``[N, C, H, W]`` or ``[N, H, W]``, C in 1, 3, 4) as ``[N, H, W, C]`` uint8.

    Scaling by dtype: uint8 as is; bool False/True → 0/255; other integers are 0-255 intensities, clipped;
    floats are [0, 1] intensities: ×255, clipped to [0, 255], rounded to nearest, NaN → 0.

    Raises:
        TypeError: not numeric.
        ValueError: wrong rank, channel count, point count, or an empty image.
    """
    array = to_numpy(label_img, argument="label_img", method=METHOD, tag=tag)
    if array.ndim == 3:
        array = array[:, None]
    if array.ndim != 4:
        raise ValueError(
            f"{METHOD}: label_img for tag {tag!r} must be [N, C, H, W] or [N, H, W], got shape {array.shape}"
        )
    number, channels, height, width = array.shape
    if number != count:
        raise ValueError(
            f"{METHOD}: label_img for tag {tag!r} must have one image per point (mat has {count} rows), got {number}"
        )
    if channels not in (1, 3, 4):
        hint = " (channels come first: [N, C, H, W])" if width in (1, 3, 4) else ""
        raise ValueError(
            f"{METHOD}: label_img for tag {tag!r} must have 1, 3 or 4 channels, got shape {array.shape}{hint}"
        )
    if height == 0 or width == 0:
        raise ValueError(f"{METHOD}: label_img for tag {tag!r} has empty images (shape {array.shape})")
    return np.ascontiguousarray(to_uint8(array).transpose(0, 2, 3, 1))  # add_image's pixel rule


def prepare(mat: Any, metadata: Any, label_img: Any, tag: str, metadata_header: Any = None) -> Prepared:
    """Check and convert everything :func:`write` needs; nothing is written (see the module docstring).

    Raises:
        TypeError, ValueError: as :func:`check_matrix`, :func:`metadata_lines` and :func:`thumbnails`;
            also for an empty ``tag`` or a ``metadata_header`` without ``metadata``.
    """
    if not tag:
        raise ValueError(f"{METHOD}: tag must be a non-empty str, got {tag!r}")
    matrix = check_matrix(mat, tag)
    count = matrix.shape[0]
    lines = None
    if metadata is not None:
        lines = metadata_lines(metadata, metadata_header, count, tag)
    elif metadata_header is not None:
        raise ValueError(f"{METHOD}: metadata_header for tag {tag!r} was given without metadata")
    if label_img is None:
        return Prepared(matrix, lines, None)
    images = thumbnails(label_img, count, tag)
    columns, height, width = sprite_layout(count, images.shape[1], images.shape[2], tag)
    return Prepared(matrix, lines, images, columns, (height, width))


def write(
    logdir: str, tag: str, step: int, prepared: Prepared, storage_options: dict[str, Any] | None = None
) -> str:
    """Write the files of ``prepared`` and its entry in ``<logdir>/projector_config.pbtxt``; return the entry's name.

    ``logdir`` may be an fsspec URL (``storage_options`` go to fsspec): the files then go to that store.

    An existing entry of the same (tag, step) — same name or same tensor path, duplicates included — is
    replaced where the first one was; the other entries are kept in order. Files of that (tag, step) that
    the new entry no longer names (``metadata.tsv``, ``sprite.png``) are removed.

    Raises:
        ValueError: the existing config cannot be parsed (nothing is written then).
        OSError: a file could not be written.
    """
    from lightboard.proto.projector_pb2 import EmbeddingInfo

    relative = subdir(tag, step)
    directory = os.path.join(logdir, *relative.split("/"))
    config_path = os.path.join(logdir, CONFIG_NAME)
    entry = EmbeddingInfo(
        tensor_name=tensor_name(tag, step),
        tensor_path=posixpath.join(relative, TENSORS_NAME),
        tensor_shape=list(prepared.matrix.shape),
    )
    files = {TENSORS_NAME: tensors_tsv(prepared.matrix)}
    if prepared.metadata_lines is not None:
        entry.metadata_path = posixpath.join(relative, METADATA_NAME)
        files[METADATA_NAME] = metadata_tsv(prepared.metadata_lines)
    if prepared.thumbnails is not None:
        images, (height, width) = prepared.thumbnails, prepared.thumbnail_size
        if images.shape[1:3] != (height, width):
            images = shrink(images, height, width)
        entry.sprite.image_path = posixpath.join(relative, SPRITE_NAME)
        entry.sprite.single_image_dim.extend([width, height])
        files[SPRITE_NAME] = sprite_png(images, prepared.columns)
    from lightboard.urls import is_url

    remote = is_url(logdir)
    store = RemoteFiles(logdir, storage_options) if remote else LocalFiles()
    with config_lock(config_path if remote else os.path.abspath(config_path), local=not remote):
        config = read_config(config_path, store)
        for name, data in files.items():
            store.replace(os.path.join(directory, name), data)
        for stale in {METADATA_NAME, SPRITE_NAME} - files.keys():
            store.remove(os.path.join(directory, stale))
        write_config(config_path, config, entry, store)
    return entry.tensor_name
