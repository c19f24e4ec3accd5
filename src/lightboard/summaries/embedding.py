"""Embeddings for TensorBoard's projector: TSV and PNG files plus ``projector_config.pbtxt`` (no event files).

Layout (tensorboardX's, tensorboard-format.md §11.11), under the run directory ``logdir``::

    projector_config.pbtxt                  text-format ProjectorConfig: one ``embeddings`` entry per (tag, step)
    <step:05d>/<escaped tag>/tensors.tsv    one row per point, tab-separated numbers
    <step:05d>/<escaped tag>/metadata.tsv   labels: one column without header, or a header row and columns
    <step:05d>/<escaped tag>/sprite.png     thumbnails in a square grid, row-major, at most 8192 px a side

The config entry of a (tag, step) is named ``"<tag>:<step:05d>"``. Logging the same (tag, step) again
replaces its entry and files; other entries are kept. Every file is written to a temporary name and
renamed over the old one, the config last, so TensorBoard never sees a half-written file nor a config
that names a file not yet written.

:func:`prepare` checks and converts the user's data (raising errors that name the argument and tag);
:func:`write` writes a prepared embedding.
"""

from __future__ import annotations

import contextlib
import math
import os
import posixpath
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lightboard.summaries.image import to_uint8
from lightboard.tensor import to_numpy

METHOD = "add_embedding"
CONFIG_NAME = "projector_config.pbtxt"
TENSORS_NAME = "tensors.tsv"
METADATA_NAME = "metadata.tsv"
SPRITE_NAME = "sprite.png"
MAX_SPRITE_PX = 8192
"""Largest sprite side the projector loads (``vz_projector`` ``MAX_SPRITE_IMAGE_SIZE_PX``)."""
BLANK_LABEL = "<blank>"
"""Written for a metadata row whose cells are all blank: the projector skips blank lines, which would
give every later point the label of the next one."""

_SANITIZE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


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


def _as_list(value: Any, argument: str, tag: str) -> list[Any]:
    """A sequence, array, tensor, Series or DataFrame as a list; arrays yield numpy scalars or rows.

    Numbers stay numpy scalars (not Python floats) so that a float32 prints as ``0.1``, not
    ``0.10000000149011612``.
    """
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (str, bytes, Mapping)) or value is None:
        raise TypeError(
            f"{METHOD}: {argument} for tag {tag!r} must be a sequence with one entry per point, "
            f"got {type(value).__name__}"
        )
    if not isinstance(value, np.ndarray):
        if hasattr(value, "columns") and hasattr(value, "iloc"):  # a pandas DataFrame: column by column
            columns = [np.asarray(value.iloc[:, i].to_numpy()) for i in range(len(value.columns))]
            return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(len(value))]
        if hasattr(value, "to_numpy"):  # pandas
            value = np.asarray(value.to_numpy())
        elif hasattr(value, "__array__") or hasattr(value, "numpy"):  # torch, jax, TensorFlow: numbers
            value = to_numpy(value, argument=argument, method=METHOD, tag=tag)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            raise TypeError(f"{METHOD}: {argument} for tag {tag!r} must be a sequence, got a 0-d array")
        return list(value)
    try:
        return list(value)
    except TypeError as error:
        raise TypeError(
            f"{METHOD}: {argument} for tag {tag!r} must be a sequence, got {type(value).__name__}"
        ) from error


def _cell(value: Any, tag: str) -> str:
    """One metadata cell as text; tabs and line breaks (which would break the TSV) become spaces."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif not isinstance(value, str):
        if not isinstance(value, np.generic) and (hasattr(value, "__array__") or hasattr(value, "numpy")):
            value = to_numpy(value, argument="metadata", method=METHOD, tag=tag)  # a 0-d tensor
            value = value[()] if value.ndim == 0 else value.tolist()
        value = str(value)
    return value.translate(_SANITIZE)


def _is_row(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return True
    return not isinstance(value, (str, bytes, np.generic)) and getattr(value, "ndim", 0) >= 1


def metadata_lines(metadata: Any, metadata_header: Any, count: int, tag: str) -> list[str]:
    """The lines of ``metadata.tsv`` for ``count`` points.

    ``metadata`` holds one label per point (one column), or one sequence of labels per point (several
    columns). One column is written without a header: TensorBoard reads a first line as a header only
    when it holds a tab, so a one-name ``metadata_header`` is dropped (with a warning). Several columns
    need ``metadata_header``, one distinct name per column. Cells are ``str()`` of the values (numpy and
    torch scalars through ``tolist``), with tabs and line breaks replaced by spaces; a row whose cells
    are all blank gets :data:`BLANK_LABEL` in its first cell.

    Raises:
        TypeError: ``metadata`` is not a sequence.
        ValueError: wrong length, rows of different lengths, several columns without a header, a header
            whose length differs from the column count, or repeated header names.
    """
    rows = _as_list(metadata, "metadata", tag)
    if len(rows) != count:
        raise ValueError(
            f"{METHOD}: metadata for tag {tag!r} must have one entry per point (mat has {count} rows), got {len(rows)}"
        )
    table: list[list[str]] = []
    width = None
    for index, row in enumerate(rows):
        cells = (
            [_cell(item, tag) for item in _as_list(row, f"metadata[{index}]", tag)]
            if _is_row(row)
            else [_cell(row, tag)]
        )
        if width is None:
            width = len(cells)
        if len(cells) != width or not cells:
            raise ValueError(
                f"{METHOD}: metadata rows for tag {tag!r} must all have the same number of columns (at least 1): "
                f"row 0 has {width}, row {index} has {len(cells)}"
            )
        if not any(cell.strip() for cell in cells):
            cells[0] = BLANK_LABEL
        table.append(cells)
    assert width is not None
    header = _header(metadata_header, width, tag)
    lines = ["\t".join(header)] if header else []
    lines.extend("\t".join(cells) for cells in table)
    return lines


def _header(metadata_header: Any, width: int, tag: str) -> list[str] | None:
    if metadata_header is None:
        if width > 1:
            raise ValueError(
                f"{METHOD}: metadata for tag {tag!r} has {width} columns, so metadata_header must name them "
                "(TensorBoard reads the first line of a multi-column file as the column names)"
            )
        return None
    names = [_cell(name, tag) for name in _as_list(metadata_header, "metadata_header", tag)]
    if len(names) != width:
        raise ValueError(
            f"{METHOD}: metadata_header for tag {tag!r} has {len(names)} names but metadata has {width} columns"
        )
    if width == 1:
        warnings.warn(
            f"{METHOD}: metadata_header for tag {tag!r} is dropped: TensorBoard shows one metadata column "
            "only without a header",
            stacklevel=5,
        )
        return None
    if len(set(names)) != len(names):
        raise ValueError(f"{METHOD}: metadata_header for tag {tag!r} repeats a column name: {names}")
    return names


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


# -- encodings -------------------------------------------------------------------------------------


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


# -- files -----------------------------------------------------------------------------------------

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def _reset_locks_in_child() -> None:
    global _locks_guard
    _locks_guard = threading.Lock()
    _locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_in_child)


def replace_file(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same directory, fsynced, then renamed."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_config(path: str) -> Any:
    """The ``ProjectorConfig`` in ``path`` (empty if there is no file).

    Raises:
        ValueError: the file exists but is not a valid text-format ProjectorConfig (it is left untouched).
    """
    from google.protobuf import text_format

    from lightboard.proto.projector_pb2 import ProjectorConfig

    config = ProjectorConfig()
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        return config
    try:
        text_format.Parse(text, config)
    except (text_format.ParseError, UnicodeDecodeError) as error:
        raise ValueError(f"{METHOD}: {path} is not a valid projector config ({error}); fix or remove it") from error
    return config


def write(logdir: str, tag: str, step: int, prepared: Prepared) -> str:
    """Write the files of ``prepared`` and its entry in ``<logdir>/projector_config.pbtxt``; return the entry's name.

    An existing entry of the same (tag, step) — same name or same tensor path, duplicates included — is
    replaced where the first one was; the other entries are kept in order. Files of that (tag, step) that
    the new entry no longer names (``metadata.tsv``, ``sprite.png``) are removed.

    Raises:
        ValueError: the existing config cannot be parsed (nothing is written then).
        OSError: a file could not be written.
    """
    from google.protobuf import text_format

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
    with _lock_for(os.path.abspath(config_path)):
        config = read_config(config_path)
        os.makedirs(directory, exist_ok=True)
        for name, data in files.items():
            replace_file(os.path.join(directory, name), data)
        for stale in {METADATA_NAME, SPRITE_NAME} - files.keys():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, stale))
        entries = list(config.embeddings)
        same = [
            i
            for i, old in enumerate(entries)
            if old.tensor_name == entry.tensor_name or old.tensor_path == entry.tensor_path
        ]
        kept = [old for i, old in enumerate(entries) if i not in same]
        kept.insert(same[0] if same else len(kept), entry)  # entries before the first match are all kept
        updated = type(config)()
        updated.CopyFrom(config)
        updated.ClearField("embeddings")
        updated.embeddings.extend(kept)
        replace_file(config_path, text_format.MessageToString(updated).encode("utf-8"))
    return entry.tensor_name
