"""The C PNG encoder (no GIL) writes exactly the bytes of its pure-Python twin, and Pillow decodes them."""

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
    _png,  # built by `pip install -e .` (make venv); needs zlib headers
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
    encoded = _png.encode_png(pixels, level)
    assert encoded == image.encode_png_python(image.to_hwc(pixels, "HWC"), level)
    decoded = np.asarray(Image.open(io.BytesIO(encoded)))
    expected = np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels
    np.testing.assert_array_equal(decoded, expected)


@pytest.mark.parametrize(
    "bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8), np.zeros((0, 4, 3), np.uint8)]
)
def test_c_encoder_rejects_bad_shapes(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="encode_png"):
        _png.encode_png(bad, 6)


def test_c_encoder_rejects_other_dtypes() -> None:
    with pytest.raises(ValueError, match="uint8"):
        _png.encode_png(np.zeros((2, 2, 3), np.float32), 6)


def test_the_writer_uses_the_extension_unless_told_not_to() -> None:
    code = "from lightboard.summaries import image; print(image._png_c is not None)"
    for pure, expected in (("1", "False"), ("0", "True")):
        env = dict(os.environ, LIGHTBOARD_PURE_PYTHON=pure)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected
