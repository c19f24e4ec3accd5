"""Conversion of user values to numpy, in one place.

Accepted: Python numbers and nested lists/tuples, numpy arrays and scalars, torch tensors (any device,
``requires_grad``, float16/bfloat16), jax arrays, TensorFlow eager tensors, and anything else that
implements ``__array__``. Frameworks are recognised by their real classes, looked up in
``sys.modules``: a framework that is not imported already cannot have made the value, so none is
ever imported here.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

_NUMBER_KINDS = "biuf"


def _from_torch(value: Any) -> np.ndarray:
    """A CPU numpy array of a torch tensor; calls only the methods needed (each releases the GIL)."""
    import torch

    if value.requires_grad:
        value = value.detach()
    dtype = value.dtype
    if dtype.is_floating_point and dtype not in (torch.float32, torch.float64):
        value = value.float()  # bfloat16, float16, float8...: numpy lacks most of them
    elif dtype.is_complex and value.is_conj():
        value = value.resolve_conj()
    if value.device.type != "cpu":
        value = value.cpu()
    return value.numpy()


def _framework_array(value: Any) -> np.ndarray | None:
    """The numpy array of a torch, jax or TensorFlow value, or None if it is none of those."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _from_torch(value)
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(value, getattr(jax, "Array", ())):
        return np.asarray(value)
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, tf.Tensor):
        return value.numpy()
    return None


def to_numpy(value: Any, *, argument: str, method: str, tag: str) -> np.ndarray:
    """Return ``value`` as a numpy array of numbers (bfloat16 and other non-numpy floats become float32).

    Raises:
        TypeError: naming ``method``, ``argument`` and ``tag``, for values that are not numeric.
    """
    if isinstance(value, np.ndarray):
        array = value
    else:
        array = _framework_array(value)
        if array is None:
            try:
                array = np.asarray(value)
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"{method}: {argument} for tag {tag!r} must be numeric array-like, "
                    f"got {type(value).__name__}: {error}"
                ) from error
    if array.dtype.kind not in _NUMBER_KINDS:
        if array.dtype.kind == "V" or array.dtype.name in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
            return array.astype(np.float32)
        raise TypeError(
            f"{method}: {argument} for tag {tag!r} must be numeric (bool, int or float), "
            f"got {type(value).__name__} of dtype {array.dtype}"
        )
    return array


def to_float(value: Any, *, argument: str, method: str, tag: str) -> float:
    """Return a one-element value as a Python float.

    Raises:
        ValueError: if ``value`` holds other than exactly one element (the message names the shape).
        TypeError: if it is not numeric.
    """
    kind = type(value)
    if kind is float or kind is int or kind is bool:
        return float(value)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(
                f"{method}: {argument} for tag {tag!r} must be a single number, got a tensor of shape "
                f"{tuple(value.shape)}"
            )
        if value.dtype.is_complex:
            raise TypeError(f"{method}: {argument} for tag {tag!r} must be real, got dtype {value.dtype}")
        # tolist() keeps the GIL; item() and float() release it, and then wait for the busy writer
        # thread to hand it back (about 20 µs a call instead of 0.2).
        number = value.tolist()
        while type(number) is list:
            number = number[0]
        return float(number)
    array = to_numpy(value, argument=argument, method=method, tag=tag)
    if array.size != 1:
        raise ValueError(
            f"{method}: {argument} for tag {tag!r} must be a single number, got an array of shape {array.shape}"
        )
    return float(array.reshape(()))
