"""Decoded points of the non-scalar kinds, built lazily from stored ``Summary.Value`` bytes.

Each kind's decoding lives in its kind module under :mod:`lightboard.summaries` (the writer's own), so
what the writer encodes and what the reader decodes are defined in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lightboard.proto.summary_pb2 import Summary
from lightboard.summaries import audio, histogram, image, pr_curve, text
from lightboard.summaries.tensor_proto import to_array


@dataclass(frozen=True)
class Histogram:
    """One histogram: ``buckets`` is a ``[k, 3]`` float64 array of rows ``(left, right, count)``."""

    step: int
    wall_time: float
    buckets: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        """The count of each bucket."""
        return self.buckets[:, 2]

    @property
    def edges(self) -> np.ndarray:
        """The ``k + 1`` bucket edges (empty for an empty histogram)."""
        if not len(self.buckets):
            return np.zeros(0)
        return np.concatenate((self.buckets[:1, 0], self.buckets[:, 1]))


@dataclass(frozen=True)
class Image:
    """One encoded image (PNG, GIF for videos, JPEG...); ``index`` numbers the images of one step."""

    step: int
    wall_time: float
    index: int
    width: int
    height: int
    encoded: bytes

    def to_array(self) -> np.ndarray:
        """The pixels as a ``uint8`` HWC array (needs Pillow: ``pip install 'lightboard[images]'``)."""
        return image.decode(self.encoded)


@dataclass(frozen=True)
class Audio:
    """One encoded audio clip (WAV); ``index`` numbers the clips of one step."""

    step: int
    wall_time: float
    index: int
    sample_rate: float
    encoded: bytes
    label: str = ""

    def to_array(self) -> tuple[np.ndarray, int]:
        """``(samples, sample_rate)``: int16 samples shaped ``(frames, channels)`` of a 16-bit PCM WAV clip."""
        return audio.decode_wav(self.encoded)


@dataclass(frozen=True)
class Text:
    """One text value: a ``str``, or nested lists of ``str`` for a table."""

    step: int
    wall_time: float
    text: Any


@dataclass(frozen=True)
class PrCurve:
    """One PR curve: ``data`` is the ``[6, T]`` array TensorBoard stores (see the properties)."""

    step: int
    wall_time: float
    data: np.ndarray

    @property
    def precision(self) -> np.ndarray:
        """Precision at each threshold."""
        return self.data[4]

    @property
    def recall(self) -> np.ndarray:
        """Recall at each threshold."""
        return self.data[5]

    @property
    def thresholds(self) -> np.ndarray:
        """The thresholds, evenly spaced from 0 to 1."""
        return np.linspace(0.0, 1.0, self.data.shape[1])


@dataclass(frozen=True)
class Tensor:
    """Any other tensor value (meshes, third-party plugins): the array and the full ``Summary.Value``."""

    step: int
    wall_time: float
    array: np.ndarray
    value: Summary.Value


def histograms(step: int, wall_time: float, value: Summary.Value) -> list[Histogram]:
    return [Histogram(step, wall_time, histogram.buckets_of(value))]


def images(step: int, wall_time: float, value: Summary.Value) -> list[Image]:
    width, height, blobs = image.blobs_of(value)
    return [Image(step, wall_time, index, width, height, blob) for index, blob in enumerate(blobs)]


def audios(step: int, wall_time: float, value: Summary.Value) -> list[Audio]:
    return [
        Audio(step, wall_time, index, rate, encoded, label)
        for index, (encoded, label, rate) in enumerate(audio.clips_of(value))
    ]


def texts(step: int, wall_time: float, value: Summary.Value) -> list[Text]:
    return [Text(step, wall_time, text.text_of(value))]


def pr_curves(step: int, wall_time: float, value: Summary.Value) -> list[PrCurve]:
    return [PrCurve(step, wall_time, pr_curve.curve_of(value))]


def tensors(step: int, wall_time: float, value: Summary.Value) -> list[Tensor]:
    if not value.HasField("tensor"):
        raise ValueError(f"value {value.tag!r} holds no tensor")
    return [Tensor(step, wall_time, to_array(value.tensor), value)]
