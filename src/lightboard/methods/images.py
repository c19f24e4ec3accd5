"""``SummaryWriter`` methods for images, figures and video (see :mod:`lightboard.methods`).

The caller's thread only checks the input and makes a private uint8 copy of the pixels (the pixel rule
of :mod:`lightboard.summaries.image`); PNG and GIF encoding run on the writer thread.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lightboard.optional import require
from lightboard.summaries.tags import check_tag, clean_tag

if TYPE_CHECKING:
    import numpy as np


def _require_pillow(method: str) -> None:
    """Raise the ImportError that names the extra, now rather than on the writer thread."""
    if sys.modules.get("PIL.Image") is None:
        require("PIL.Image", "images", method)


_image: Any = None
_to_numpy: Any = None


def _image_module() -> Any:
    """:mod:`lightboard.summaries.image`, imported on first use (numpy loads only when needed)."""
    global _image, _to_numpy
    if _image is None:
        from lightboard.summaries import image
        from lightboard.tensor import to_numpy

        _to_numpy = to_numpy
        _image = image  # last: another thread that sees it set finds _to_numpy set too
    return _image


def _image_pixels(value: Any, dataformats: Any, method: str, tag: str) -> tuple[np.ndarray, str]:
    """The checked layout of ``img_tensor`` and its pixels as a private uint8 copy."""
    image = _image or _image_module()
    array = _to_numpy(value, argument="img_tensor", method=method, tag=tag)
    layout = image.check_layout(array.shape, dataformats, method=method, argument="img_tensor", tag=tag)
    return image.to_uint8(array), layout


def _stacked_pixels(items: Sequence[Any], dataformats: Any, method: str, tag: str) -> tuple[np.ndarray, str]:
    """A list of images stacked along the ``N`` of ``dataformats`` (first if it has none), as uint8."""
    import numpy as np

    from lightboard.summaries import image
    from lightboard.tensor import to_numpy

    if not isinstance(dataformats, str):
        raise TypeError(
            f"{method}: dataformats for tag {tag!r} must be a str such as 'CHW', got {type(dataformats).__name__}"
        )
    if not items:
        raise ValueError(f"{method}: img_tensor for tag {tag!r} is an empty list")
    layout = dataformats.upper()
    if "N" not in layout:
        layout = "N" + layout
    axis = layout.index("N")
    arrays = [to_numpy(item, argument=f"img_tensor[{i}]", method=method, tag=tag) for i, item in enumerate(items)]
    for index, array in enumerate(arrays):
        if array.shape != arrays[0].shape:
            raise ValueError(
                f"{method}: the images in img_tensor for tag {tag!r} must have one shape, got {arrays[0].shape} "
                f"at index 0 and {array.shape} at index {index}"
            )
    shape = list(arrays[0].shape)
    shape.insert(min(axis, len(shape)), len(arrays))
    image.check_layout(tuple(shape), layout, method=method, argument="img_tensor (stacked)", tag=tag)
    return np.stack([image.to_uint8(array) for array in arrays], axis=axis), layout


def _boxes(box_tensor: Any, method: str, tag: str) -> np.ndarray:
    """``box_tensor`` as a new float64 (N, 4) array of finite xyxy corners."""
    import numpy as np

    from lightboard.tensor import to_numpy

    boxes = to_numpy(box_tensor, argument="box_tensor", method=method, tag=tag)
    if boxes.shape == (4,):
        boxes = boxes.reshape(1, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(
            f"{method}: box_tensor for tag {tag!r} must have shape (N, 4), rows (xmin, ymin, xmax, ymax), "
            f"got shape {boxes.shape}"
        )
    boxes = boxes.astype(np.float64)
    if not np.isfinite(boxes).all():
        raise ValueError(f"{method}: box_tensor for tag {tag!r} holds NaN or infinite coordinates")
    return boxes


def _labels(labels: Any, count: int, method: str, tag: str) -> list[str] | None:
    """``labels`` as a list of ``count`` str (a single str is one label), or None."""
    if labels is None:
        return None
    if isinstance(labels, str):
        labels = [labels]
    try:
        texts = [str(label) for label in labels]
    except TypeError as error:
        raise TypeError(
            f"{method}: labels for tag {tag!r} must be a str or a sequence of str, got {type(labels).__name__}"
        ) from error
    if len(texts) != count:
        raise ValueError(f"{method}: tag {tag!r} has {count} boxes but {len(texts)} labels; give one label per box")
    return texts


class ImageMethods:
    """Image, figure and video methods of :class:`lightboard.SummaryWriter`.

    Pixel values, whatever the method: floats are taken in [0, 1], multiplied by 255, clipped to
    [0, 255] and truncated (NaN becomes 0; tensorboardX wraps out-of-range values around instead);
    ``uint8`` is used as it is; other integer types hold 0..255 values and are clipped to that range;
    ``bool`` is black (False) or white (True). Grayscale becomes RGB; RGBA is kept (not in video).
    """

    _defaults: Any
    _get_file_writer: Any
    _queue: Any

    def _queue_image_event(self, event: tuple, global_step: Any, walltime: Any) -> None:
        """Queue ``event`` (a deferred event ``(encode, tag, pixels, ...)`` without its last two items, wall
        time and step)."""
        step, wall = self._defaults.step_and_time(global_step, walltime)
        self._queue(self._get_file_writer(), (*event, wall, step), event[2].nbytes)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log an image, shown by TensorBoard's Images dashboard.

        Args:
            tag: series name; characters outside ``[-/\\w.]`` become ``_`` (as in tensorboardX).
            img_tensor: array or tensor (torch, numpy, jax, TensorFlow). Pixel values: see
                :class:`ImageMethods` (floats in [0, 1], uint8 in [0, 255]).
            global_step: step of the image (default 0, or the ``use_metadata`` step).
            walltime: seconds since the epoch (default now, or the ``use_metadata`` time).
            dataformats: one letter per axis of ``img_tensor``: ``CHW`` (default), ``HWC``, ``HW``, any
                order of them, or with an ``N`` axis (``NCHW``, ``NHWC``, ...) for a batch shown as one
                grid of 8 images per row. C is 1 (grayscale), 3 (RGB) or 4 (RGBA).

        Raises:
            TypeError: ``tag`` or ``dataformats`` is not a str, or the values are not numeric.
            ValueError: ``dataformats`` does not match ``img_tensor`` (letters, rank), an axis is empty, or
                the channel count is not 1, 3 or 4.

        The PNG is encoded on the writer thread; the pixels are copied first, so ``img_tensor`` may be
        changed as soon as this returns.
        """
        check_tag(tag, "add_image")
        pixels, layout = _image_pixels(img_tensor, dataformats, "add_image", tag)
        self._queue_image_event((_image.encode_event, clean_tag(tag), pixels, layout), global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images as one grid, 8 images per row (tensorboardX's ``make_grid``).

        Args:
            img_tensor: a batch (array or tensor) laid out as ``dataformats``, or a list of same-shaped
                images (arrays or tensors of any kind; torch is not needed), stacked along the ``N`` of
                ``dataformats``, or put first if it has none: a list of CHW images takes ``"NCHW"`` (the
                default) or ``"CHW"``.
            dataformats: ``NCHW`` (default), ``NHWC``, any order of N, C, H, W, or without C for grayscale.

        Other arguments and pixel values as :meth:`add_image`; cells of the grid left over are black.

        Raises:
            TypeError: as :meth:`add_image`.
            ValueError: as :meth:`add_image`; an empty list, or list items of different shapes.
        """
        from lightboard.summaries import image

        check_tag(tag, "add_images")
        if isinstance(img_tensor, (list, tuple)):
            pixels, layout = _stacked_pixels(img_tensor, dataformats, "add_images", tag)
        else:
            pixels, layout = _image_pixels(img_tensor, dataformats, "add_images", tag)
        self._queue_image_event((image.encode_event, clean_tag(tag), pixels, layout), global_step, walltime)

    def add_image_with_boxes(
        self,
        tag: str,
        img_tensor: Any,
        box_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
        labels: str | Sequence[str] | None = None,
        rescale: float = 1,
        **kwargs: Any,
    ) -> None:
        """Log an image with boxes drawn on it in red (2 pixels wide, inside each box), with optional labels.

        Args:
            img_tensor: the image, as :meth:`add_image`.
            box_tensor: (N, 4) boxes, rows ``(xmin, ymin, xmax, ymax)`` in pixels of ``img_tensor``; a
                single box may be given as 4 numbers, and N may be 0.
            labels: one str per box, shown above its top-left corner (a single str for one box).
            rescale: resize factor applied (Lanczos) after the boxes are drawn; the image is
                ``int(H * rescale)`` × ``int(W * rescale)``, and so is its header (tensorboardX keeps
                the original size there).

        As in tensorboardX, the tag is not cleaned. Needs Pillow (``pip install 'lightboard[images]'``).

        Raises:
            TypeError: as :meth:`add_image`; ``labels`` that are not a str or a sequence. Unknown keyword
                arguments are ignored with a warning, as tensorboardX ignores them.
            ValueError: as :meth:`add_image`; ``box_tensor`` not (N, 4) or not finite, as many labels as
                boxes missing, ``rescale`` not positive, or making an image empty or over 65535 pixels a side.
        """
        from lightboard.summaries import image
        from lightboard.tensor import to_float

        method = "add_image_with_boxes"
        check_tag(tag, method)
        if kwargs:  # tensorboardX ignores them: a drop-in must not fail, but says so
            warnings.warn(f"{method}: ignoring unknown keyword arguments {', '.join(sorted(kwargs))}", stacklevel=2)
        pixels, layout = _image_pixels(img_tensor, dataformats, method, tag)
        boxes = _boxes(box_tensor, method, tag)
        texts = _labels(labels, len(boxes), method, tag)
        factor = to_float(rescale, argument="rescale", method=method, tag=tag)
        height, width = image.grid_size(pixels.shape, layout)
        scaled = image.scaled_size(height, width, factor) if math.isfinite(factor) and factor > 0 else (0, 0)
        if min(scaled) < 1 or max(scaled) > image.MAX_RESCALED_SIDE:
            raise ValueError(
                f"{method}: rescale={rescale!r} for tag {tag!r} must be positive and turn the {height}×{width} "
                f"image into one of 1 to {image.MAX_RESCALED_SIDE} pixels a side, got {scaled[0]}×{scaled[1]}"
            )
        if len(boxes) or factor != 1:
            _require_pillow(method)
        event = (image.encode_boxes_event, tag, pixels, layout, boxes, texts, factor)
        self._queue_image_event(event, global_step, walltime)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Log a matplotlib figure as an image, or a list of figures as one grid (8 per row).

        Figures are rendered at their size and dpi with matplotlib's Agg canvas, as RGB (alpha is
        dropped); a figure keeps its own canvas. Figures of a list must render to the same size.

        Args:
            figure: a ``matplotlib.figure.Figure`` or a list of them.
            close: close the figures in pyplot afterwards (frees their memory), as tensorboardX does.

        Other arguments as :meth:`add_image`. Needs matplotlib (``pip install 'lightboard[figures]'``).

        Raises:
            TypeError: something other than a Figure.
            ValueError: an empty list, or figures of different sizes.
        """
        import numpy as np

        from lightboard.summaries import image

        method = "add_figure"
        check_tag(tag, method)
        figures = list(figure) if isinstance(figure, (list, tuple)) else [figure]
        for index, item in enumerate(figures):
            if not image.is_figure(item):
                where = f"figure[{index}]" if isinstance(figure, (list, tuple)) else "figure"
                raise TypeError(
                    f"{method}: {where} for tag {tag!r} must be a matplotlib Figure, got {type(item).__name__}"
                )
        if not figures:
            raise ValueError(f"{method}: figure for tag {tag!r} is an empty list")
        try:
            rendered = [image.render_figure(item) for item in figures]
        finally:
            if close:
                for item in figures:
                    image.close_figure(item)
        sizes = {array.shape for array in rendered}
        if len(sizes) > 1:
            raise ValueError(
                f"{method}: the figures for tag {tag!r} must render to one size, got (height, width) "
                f"{sorted(shape[:2] for shape in sizes)}"
            )
        if isinstance(figure, (list, tuple)):
            pixels, layout = np.stack(rendered)[..., :3], "NHWC"
        else:
            pixels, layout = rendered[0][..., :3], "HWC"
        self._queue_image_event((image.encode_event, clean_tag(tag), pixels, layout), global_step, walltime)

    def add_video(
        self,
        tag: str,
        vid_tensor: Any,
        global_step: int | None = None,
        fps: float = 4,
        walltime: float | None = None,
        dataformats: str = "NTCHW",
    ) -> None:
        """Log videos as one animated GIF (looping), shown by TensorBoard's Images dashboard.

        Args:
            tag: series name, cleaned as :meth:`add_image`.
            vid_tensor: (N, T, C, H, W) by default: N videos of T frames, tiled into one grid as
                tensorboardX does (N padded with black videos to a power of two). Pixel values as
                :meth:`add_image`; C is 1, 3 or 4 (alpha is dropped: GIF has no partial transparency).
            fps: frames per second. GIF delays are multiples of 10 ms, at least 20 ms.
            dataformats: any order of N, T, C, H, W; N and C may be left out (one video, grayscale).

        Encoded in memory with Pillow (``pip install 'lightboard[images]'``); no moviepy.

        Raises:
            TypeError: as :meth:`add_image`.
            ValueError: as :meth:`add_image`; ``fps`` not a positive finite number; frames larger than a
                GIF allows (65535 pixels a side once tiled).
        """
        from lightboard.summaries import image, video
        from lightboard.tensor import to_float, to_numpy

        method = "add_video"
        check_tag(tag, method)
        array = to_numpy(vid_tensor, argument="vid_tensor", method=method, tag=tag)
        layout = video.check_layout(array.shape, dataformats, method=method, argument="vid_tensor", tag=tag)
        rate = to_float(fps, argument="fps", method=method, tag=tag)
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"{method}: fps for tag {tag!r} must be a positive number, got {fps!r}")
        _require_pillow(method)
        pixels = image.to_uint8(array)
        self._queue_image_event((video.encode_event, clean_tag(tag), pixels, layout, rate), global_step, walltime)
