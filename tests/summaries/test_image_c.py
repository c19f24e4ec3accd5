"""The C image code equals its pure-Python twins: the pixel rule, and PNG bytes (which Pillow decodes)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from lightboard.summaries import (
    _image,  # built by `pip install -e .` (make venv); needs zlib headers
    image,
)


@st.composite
def images(draw: st.DrawFn) -> np.ndarray:
    """uint8 images of 1, 3 or 4 channels, noisy or flat, contiguous or as a transposed (CHW) view."""
    height, width = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    channels = draw(st.sampled_from([1, 3, 4]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        pixels = rng.integers(0, 256, (channels, height, width), dtype=np.uint8)  # noise: run-length wins
    else:
        pixels = np.repeat(rng.integers(0, 256, (channels, 1, width), dtype=np.uint8), height, axis=1)  # flat
    return pixels.transpose(1, 2, 0) if draw(st.booleans()) else np.ascontiguousarray(pixels.transpose(1, 2, 0))


@settings(max_examples=300, deadline=None)
@given(pixels=images(), level=st.sampled_from([1, 6, 9]))
def test_c_encoder_matches_python_twin(pixels: np.ndarray, level: int) -> None:
    encoded = _image.encode_png(pixels, level)
    assert encoded == image.encode_png_python(image.to_hwc(pixels, "HWC"), level)
    decoded = np.asarray(Image.open(io.BytesIO(encoded)))
    expected = np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels
    np.testing.assert_array_equal(decoded, expected)


@pytest.mark.parametrize(
    "bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8), np.zeros((0, 4, 3), np.uint8)]
)
def test_c_encoder_rejects_bad_shapes(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="encode_png"):
        _image.encode_png(bad, 6)


def test_c_encoder_rejects_other_dtypes_and_levels() -> None:
    with pytest.raises(ValueError, match="uint8"):
        _image.encode_png(np.zeros((2, 2, 3), np.float32), 6)
    with pytest.raises(ValueError, match="level"):
        _image.encode_png(np.zeros((2, 2, 3), np.uint8), 12)


def test_the_writer_uses_the_extension_unless_told_not_to() -> None:
    code = "from lightboard.summaries import image; print(image._image_c is not None)"
    for pure, expected in (("1", "False"), ("0", "True")):
        env = dict(os.environ, LIGHTBOARD_PURE_PYTHON=pure)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=True, allow_infinity=True, width=32)
        | st.sampled_from([0.0, 1.0, 0.999999, 1.0000001, -0.0, 0.5, 254.9 / 255, 1e-40]),
        min_size=1,
        max_size=200,
    ),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_c_pixel_rule_matches_python_twin(values: list[float], dtype: type) -> None:
    array = np.array(values, dtype=dtype)
    ours = np.empty(array.shape, np.uint8)
    _image.scale_to_uint8(array, ours)
    with np.errstate(all="ignore"):
        scaled = array * array.dtype.type(255)
        np.fmax(scaled, 0, out=scaled)
        np.fmin(scaled, 255, out=scaled)
        np.testing.assert_array_equal(ours, scaled.astype(np.uint8))


def test_pixel_rule_rejects_mismatched_buffers() -> None:
    with pytest.raises(ValueError, match="scale_to_uint8"):
        _image.scale_to_uint8(np.zeros(3, np.float32), np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="scale_to_uint8"):
        _image.scale_to_uint8(np.zeros(3, np.int32), np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="scale_to_uint8"):
        _image.scale_to_uint8(np.zeros(3, np.float32), np.zeros(3, np.bool_))
