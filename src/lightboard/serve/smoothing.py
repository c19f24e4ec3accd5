"""TensorBoard's debiased exponential moving average, computed on a whole series at numpy speed.

TensorBoard's scalars dashboard smooths each series in the browser, point by point::

    last = 0; n = 0
    for each value v:
        if the series is constant or v is not finite: smoothed = v
        else: last = last * w + (1 - w) * v; n += 1; smoothed = last / (1 - w ** n)

This module gives the same numbers for a whole series with that loop in C (``_series.c``) or, without the
extension, without a Python loop: the recurrence is unrolled in chunks short enough that ``w ** -k`` stays
far from overflow, and the chunks are joined by their carries.
"""

from __future__ import annotations

import numpy as np

from lightboard.optional import extension

_native = extension("lightboard.serve._series")
"""The C loop (``_series.c``), or None: then the vectorised numpy code below."""
_CHUNK_RANGE = 1e100
"""Within a chunk the unrolled sum scales terms by up to this factor (far from float64 overflow)."""


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """The debiased EMA of ``values`` with smoothing ``weight`` in [0, 1], as TensorBoard draws it (float64).

    Non-finite values are kept as they are and do not advance the average; a constant series is not
    smoothed (TensorBoard's rules). ``weight`` 0 returns the values.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"smoothing weight must be in [0, 1], got {weight!r}")
    values = np.ascontiguousarray(values, dtype=np.float64)
    if _native is not None:
        return np.frombuffer(_native.smooth(values, weight), dtype=np.float64)
    smoothed = values.copy()
    if weight == 0.0 or len(values) == 0 or bool(np.all(values == values[0])):
        return smoothed
    finite = np.isfinite(values)
    every = bool(finite.all())
    data = values if every else values[finite]
    if len(data) == 0:
        return smoothed
    if weight == 1.0:  # TensorBoard's average never moves from its start, 0, and is not debiased
        result = np.zeros(len(data))
    else:
        # Values near float64's limit would overflow the unrolled sum: average them scaled down.
        scale = float(np.abs(data).max())
        scale = scale if scale > 1e150 else 1.0
        result = _ema(data / scale, weight) * scale / -np.expm1(np.arange(1, len(data) + 1) * np.log(weight))
    if every:
        return result
    smoothed[finite] = result
    return smoothed


def _ema(data: np.ndarray, weight: float) -> np.ndarray:
    """``last[k] = weight * last[k - 1] + (1 - weight) * data[k]`` from ``last[-1] = 0``, vectorised."""
    n = len(data)
    chunk = max(1, min(n, int(np.log(_CHUNK_RANGE) / -np.log(weight))))
    chunks = -(-n // chunk)
    padded = np.zeros(chunks * chunk)
    padded[:n] = data
    blocks = padded.reshape(chunks, chunk)
    offsets = np.arange(chunk)
    # Within a chunk, from a zero start: last[i] = (1 - w) * w**i * sum_{j <= i} data[j] * w**-j
    local = np.cumsum(blocks * weight ** -offsets.astype(np.float64), axis=1)
    local *= (1.0 - weight) * weight ** offsets.astype(np.float64)
    # The carry into each chunk is the previous chunk's end plus its own carry, decayed over one chunk.
    # When there are several chunks, weight ** chunk <= 1 / _CHUNK_RANGE: a carry two chunks back is below
    # float64 resolution, so one step of the carry recurrence is exact to the last bit.
    ends = local[:, -1]
    carry = np.zeros(chunks)
    if chunks > 1:
        carry[1:] = ends[:-1]
        carry[2:] += ends[:-2] * weight**chunk
    local += carry[:, None] * weight ** (offsets + 1).astype(np.float64)
    return local.reshape(-1)[:n]
