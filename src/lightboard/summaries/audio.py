"""Audio: 16-bit PCM WAV in a legacy ``Summary.Audio``, as tensorboardX writes it, plus the audio plugin's metadata.

Input rules of ``add_audio`` (:func:`frames_of`):

* Shape: ``(L,)`` is mono; ``(L, C)`` with ``C`` in {1, 2} is tensorboardX's layout; ``(C, L)`` with ``C`` in
  {1, 2} (torchaudio's layout, and ``torch.utils.tensorboard``'s ``(1, L)``) is accepted too. A shape that
  fits both readings (both dimensions at most 2) is read as ``(L, C)``.
* Floating-point samples lie in [-1, 1]; others (±inf included) are clipped to it and the caller warns.
  They become ``round(x * 32767)``. NaN is an error: a WAV file cannot hold it.
* ``int16`` samples are 16-bit PCM and are written unchanged. Other integer and boolean dtypes are rejected:
  their scale is ambiguous (convert them to float in [-1, 1] or to int16).

The caller checks the input and keeps a private copy (:func:`frames_of`); the writer thread quantizes it and
encodes the WAV (:func:`encode_event`), with the standard library's :mod:`wave`.
"""

from __future__ import annotations

import io
import wave
from typing import Any

import numpy as np

from lightboard.events.wire import summary_event
from lightboard.proto.plugins_pb2 import AudioPluginData
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.summaries.tensor_proto import to_array

PLUGIN_NAME = "audio"
CONTENT_TYPE = "audio/wav"
FULL_SCALE = 32767
"""A float sample ``x`` in [-1, 1] is stored as ``round(x * FULL_SCALE)``."""
MAX_SAMPLE_RATE = 0xFFFFFFFF
"""A WAV header stores the sample rate as an unsigned 32-bit integer."""
MAX_BYTES = (1 << 31) - 1024
"""Largest WAV payload: an event must stay below protobuf's 2 GiB message limit."""

METADATA = SummaryMetadata(
    plugin_data=SummaryMetadata.PluginData(
        plugin_name=PLUGIN_NAME,
        content=AudioPluginData(version=0, encoding=AudioPluginData.WAV).SerializeToString(),
    ),
    data_class=DataClass.DATA_CLASS_BLOB_SEQUENCE,
)


def check_sample_rate(sample_rate: Any, tag: str, method: str = "add_audio") -> int:
    """``sample_rate`` as a positive int (None means 44100, tensorboardX's default).

    Raises:
        TypeError: not a number (strings and bools included).
        ValueError: not a whole number in 1..2**32-1.
    """
    if sample_rate is None:
        return 44100
    if isinstance(sample_rate, (str, bytes, bool)):
        raise TypeError(f"{method}: sample_rate for tag {tag!r} must be a positive int, got {sample_rate!r}")
    try:
        rate = float(sample_rate)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{method}: sample_rate for tag {tag!r} must be a positive int, got {type(sample_rate).__name__}"
        ) from error
    if not rate.is_integer() or not 1 <= rate <= MAX_SAMPLE_RATE:
        raise ValueError(
            f"{method}: sample_rate for tag {tag!r} must be a whole number of Hz in 1..{MAX_SAMPLE_RATE}, "
            f"got {sample_rate!r}"
        )
    return int(rate)


def _as_frames(array: np.ndarray, tag: str, method: str, argument: str) -> np.ndarray:
    """View ``array`` as ``(frames, channels)`` following the shape rules of the module docstring."""
    if array.ndim == 1:
        return array.reshape(-1, 1)
    if array.ndim == 2:
        rows, columns = array.shape
        if columns in (1, 2):
            return array
        if rows in (1, 2):
            return array.T
    raise ValueError(
        f"{method}: {argument} for tag {tag!r} must have shape (L,), (L, C) or (C, L) with C = 1 (mono) or "
        f"2 (stereo), got shape {array.shape}"
    )


def frames_of(
    array: np.ndarray, tag: str, method: str = "add_audio", argument: str = "snd_tensor"
) -> tuple[np.ndarray, bool]:
    """A private ``(frames, channels)`` copy of ``array`` (float32, float64 or int16), and whether it needs clipping.

    Raises:
        TypeError: an integer dtype other than int16, or bool.
        ValueError: a shape outside the rules, no samples, NaN, or a clip too long for one event.
    """
    frames = _as_frames(array, tag, method, argument)
    kind = frames.dtype.kind
    if kind in "biu" and (kind != "i" or frames.dtype.itemsize != 2):
        raise TypeError(
            f"{method}: {argument} for tag {tag!r} must hold float samples in [-1, 1] or int16 PCM samples, got "
            f"dtype {frames.dtype} (convert it, e.g. x.astype('float32') / 32768 for 16-bit integer samples)"
        )
    if frames.size == 0:
        raise ValueError(f"{method}: {argument} for tag {tag!r} is empty (shape {array.shape})")
    if frames.size * 2 > MAX_BYTES:
        raise ValueError(
            f"{method}: {argument} for tag {tag!r} has {frames.size} samples, too many for one event (2 GiB)"
        )
    if kind != "f":  # int16 (of either byte order): PCM as is
        return np.array(frames, dtype=np.int16, order="C"), False
    low, high = frames.min(), frames.max()
    if low != low or high != high:
        raise ValueError(f"{method}: {argument} for tag {tag!r} contains NaN samples")
    dtype = np.float64 if frames.dtype.itemsize >= 8 else np.float32  # native byte order
    return np.array(frames, dtype=dtype, order="C"), bool(low < -1.0 or high > 1.0)


def pcm16(frames: np.ndarray) -> np.ndarray:
    """16-bit PCM samples of ``frames`` (int16 unchanged; floats clipped to [-1, 1] and scaled by 32767)."""
    if frames.dtype == np.int16:
        return frames
    return np.rint(np.clip(frames, -1.0, 1.0) * FULL_SCALE).astype(np.int16)


def wav_bytes(pcm: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit PCM WAV file of the ``(frames, channels)`` int16 array ``pcm``."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(pcm.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(np.ascontiguousarray(pcm, dtype=np.int16).tobytes())  # native order: wave swaps if needed
    return buffer.getvalue()


def value(tag: str, pcm: np.ndarray, sample_rate: int) -> Summary.Value:
    """A ``Summary.Value`` holding ``pcm`` (int16, ``(frames, channels)``) as a WAV ``Summary.Audio``."""
    audio = Summary.Audio(
        sample_rate=float(sample_rate),
        num_channels=pcm.shape[1],
        length_frames=pcm.shape[0],
        encoded_audio_string=wav_bytes(pcm, sample_rate),
        content_type=CONTENT_TYPE,
    )
    return Summary.Value(tag=tag, metadata=METADATA, audio=audio)


def encode_event(item: tuple) -> bytes:
    """Serialize the deferred event ``(encode_event, tag, frames, sample_rate, wall_time, step)`` (writer thread)."""
    _, tag, frames, sample_rate, wall_time, step = item
    return summary_event(wall_time, step, value(tag, pcm16(frames), sample_rate).SerializeToString())


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """The ``(frames, channels)`` int16 samples and the sample rate of a 16-bit PCM WAV file.

    Raises:
        ValueError: not a 16-bit PCM WAV file.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise ValueError(f"expected 16-bit samples, got {8 * wav.getsampwidth()}-bit")
            channels, rate = wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(f"not a PCM WAV file: {error}") from error
    return np.frombuffer(raw, dtype=np.int16).reshape(-1, channels).copy(), rate  # wave gives native order


def clips_of(value: Summary.Value) -> list[tuple[bytes, str, float]]:
    """``(encoded, label, sample_rate)`` for each clip of an audio value, legacy ``audio`` or string tensor.

    A tensor's sample rate is read from each WAV header (0.0 when it has none). Raises ValueError when the
    value holds no audio.
    """
    if value.HasField("audio"):
        return [(value.audio.encoded_audio_string, "", float(value.audio.sample_rate))]
    if value.HasField("tensor") and value.tensor.string_val:
        cells = to_array(value.tensor)
        rows = cells.reshape(-1, cells.shape[-1] if cells.ndim == 2 else 1)
        clips = []
        for row in rows:
            label = row[1].decode("utf-8", "replace") if len(row) > 1 else ""
            clips.append((row[0], label, _rate(row[0])))
        return clips
    raise ValueError(f"value {value.tag!r} holds no audio")


def _rate(encoded: bytes) -> float:
    try:
        with wave.open(io.BytesIO(encoded), "rb") as wav:
            return float(wav.getframerate())
    except (wave.Error, EOFError):
        return 0.0
