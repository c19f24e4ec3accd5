"""Tensor conversion: every framework's values become numpy, without importing any framework."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from lightboard.tensor import to_float, to_numpy

KW = {"argument": "values", "method": "add_histogram", "tag": "w"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.5, 1.5),
        (3, 3.0),
        (True, 1.0),
        (np.float32(0.25), 0.25),
        (np.array(2.0), 2.0),
        (np.array([[7]]), 7.0),
        ([4.0], 4.0),
        (torch.tensor(0.5), 0.5),
        (torch.tensor([0.5], requires_grad=True), 0.5),
        (torch.tensor(1.5, dtype=torch.bfloat16), 1.5),
        (torch.tensor(1.5, dtype=torch.float16), 1.5),
        (torch.tensor(3, dtype=torch.int64), 3.0),
    ],
)
def test_to_float(value: object, expected: float) -> None:
    assert to_float(value, **KW) == expected


@pytest.mark.parametrize("value", [[1.0, 2.0], np.zeros((2, 2)), torch.zeros(3), np.array([])])
def test_to_float_rejects_several_elements_naming_tag_and_shape(value: object) -> None:
    with pytest.raises(ValueError, match=r"add_histogram: values for tag 'w' must be a single number, got .* shape"):
        to_float(value, **KW)


@pytest.mark.parametrize("value", ["1.0", None, object(), np.array([1 + 2j]), torch.tensor(1 + 2j)])
def test_to_float_rejects_non_numbers(value: object) -> None:
    with pytest.raises(TypeError, match="tag 'w'"):
        to_float(value, **KW)


def test_to_numpy_torch_variants() -> None:
    grad = torch.arange(6, dtype=torch.float32, requires_grad=True).reshape(2, 3) * 2
    np.testing.assert_array_equal(to_numpy(grad, **KW), np.arange(6).reshape(2, 3) * 2)
    half = to_numpy(torch.tensor([1.0, 2.5], dtype=torch.float16), **KW)
    bf16 = to_numpy(torch.tensor([1.0, 2.5], dtype=torch.bfloat16), **KW)
    assert half.dtype == bf16.dtype == np.float32
    np.testing.assert_array_equal(bf16, [1.0, 2.5])


def test_to_numpy_jax_including_bfloat16() -> None:
    jnp = pytest.importorskip("jax.numpy", reason="jax is in requirements-dev.txt; install it")
    np.testing.assert_array_equal(to_numpy(jnp.arange(4.0), **KW), [0, 1, 2, 3])
    bf16 = to_numpy(jnp.array([1.5, -2.0], dtype=jnp.bfloat16), **KW)
    assert bf16.dtype == np.float32
    np.testing.assert_array_equal(bf16, [1.5, -2.0])
    assert to_float(jnp.float32(2.5), **KW) == 2.5


def test_to_numpy_duck_typed_array() -> None:
    class Custom:
        def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
            return np.array([1.0, 2.0])

    np.testing.assert_array_equal(to_numpy(Custom(), **KW), [1.0, 2.0])


def test_conversion_imports_no_framework() -> None:
    code = (
        "import sys; from lightboard.tensor import to_numpy, to_float\n"
        "to_numpy([1, 2], argument='a', method='m', tag='t'); to_float(1.0, argument='a', method='m', tag='t')\n"
        "to_float(__import__('numpy').float32(1), argument='a', method='m', tag='t')\n"
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_to_numpy_torch_float8() -> None:
    values = torch.tensor([1.0, -2.0]).to(torch.float8_e4m3fn)
    converted = to_numpy(values, **KW)
    assert converted.dtype == np.float32
    np.testing.assert_array_equal(converted, [1.0, -2.0])
