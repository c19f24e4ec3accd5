"""``TensorProto`` → numpy, as TensorFlow reads it: the kind modules' decoders and the reader use it.

Numbers come from ``tensor_content`` (raw little-endian bytes) when it is set, else from the typed field of
the dtype; a typed field shorter than the shape is padded with its last value (TensorFlow's rule), an
empty one gives zeros. Strings (DT_STRING) come back as an object array of ``bytes``.
"""

from __future__ import annotations

import numpy as np

from lightboard.proto.tensor_pb2 import TensorProto

# DataType number -> (numpy dtype, TensorProto field holding the values when tensor_content is empty)
_TYPES: dict[int, tuple[str, str]] = {
    1: ("<f4", "float_val"),
    2: ("<f8", "double_val"),
    3: ("<i4", "int_val"),
    4: ("u1", "int_val"),
    5: ("<i2", "int_val"),
    6: ("i1", "int_val"),
    8: ("<c8", "scomplex_val"),
    9: ("<i8", "int64_val"),
    10: ("?", "bool_val"),
    14: ("<u2", "half_val"),  # bfloat16: the 16 bits, widened to float32 below
    17: ("<u2", "int_val"),
    18: ("<c16", "dcomplex_val"),
    19: ("<f2", "half_val"),
    22: ("<u4", "uint32_val"),
    23: ("<u8", "uint64_val"),
}
DT_STRING = 7
DT_BFLOAT16 = 14


def shape_of(tensor: TensorProto) -> tuple[int, ...]:
    """The tensor's shape (``()`` for a scalar)."""
    return tuple(int(dim.size) for dim in tensor.tensor_shape.dim)


def to_array(tensor: TensorProto) -> np.ndarray:
    """The values of ``tensor`` as a numpy array of its shape.

    Raises:
        ValueError: an unsupported dtype, or content that does not fit the shape.
    """
    shape = shape_of(tensor)
    count = int(np.prod(shape, dtype=np.int64))
    dtype = tensor.dtype % 100  # *_REF types are the base type + 100
    if dtype == DT_STRING:
        values = list(tensor.string_val)
        array = np.empty(count, dtype=object)
        if values:
            array[: len(values)] = values[:count]
            array[len(values) :] = values[-1]
        else:
            array[:] = b""
        return array.reshape(shape)
    if dtype not in _TYPES:
        raise ValueError(f"unsupported tensor dtype {tensor.dtype}")
    numpy_dtype, field = _TYPES[dtype]
    if tensor.tensor_content:
        if len(tensor.tensor_content) != count * np.dtype(numpy_dtype).itemsize:
            raise ValueError(f"tensor_content holds {len(tensor.tensor_content)} bytes, not a {shape} {numpy_dtype}")
        array = np.frombuffer(tensor.tensor_content, dtype=numpy_dtype).copy()
    else:
        values = getattr(tensor, field)
        if numpy_dtype in ("<c8", "<c16"):
            pairs = np.asarray(values, dtype=np.float64).reshape(-1, 2)
            values = pairs[:, 0] + 1j * pairs[:, 1]
        given = np.asarray(values).astype(numpy_dtype) if numpy_dtype != "<f2" else _halves(values)
        if len(given) > count:
            raise ValueError(f"{field} holds {len(given)} values, more than a {shape} tensor")
        array = np.zeros(count, dtype=numpy_dtype)
        array[: len(given)] = given
        if 0 < len(given) < count:
            array[len(given) :] = given[-1]
    if dtype == DT_BFLOAT16:
        array = (array.astype(np.uint32) << 16).view(np.float32)
    return array.reshape(shape)


def _halves(bits: object) -> np.ndarray:
    return np.asarray(bits, dtype=np.uint16).view(np.float16)
