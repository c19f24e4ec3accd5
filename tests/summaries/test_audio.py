"""``add_audio``: WAV files that decode (with the standard library) to the samples logged, and clear errors."""

from __future__ import annotations

import glob
import io
import os
import pathlib
import threading
import time
import warnings
import wave
from typing import Any

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.compat.proto.summary_pb2 import DataClass, Summary
from tensorboard.plugins.audio import plugin_data_pb2

from lightboard import SummaryWriter
from lightboard.summaries import audio

TAG = "speech/sample 1%"  # characters tensorboardX's tag cleaning would replace: add_audio must keep them


def audio_values(logdir: str | os.PathLike[str]) -> list[tuple[int, float, Summary.Value]]:
    """``(step, wall_time, value)`` of every audio value in ``logdir``, as TensorBoard's loader reads them."""
    files = sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))
    return [
        (event.step, event.wall_time, value)
        for path in files
        for event in LegacyEventFileLoader(path).Load()
        for value in event.summary.value
        if value.WhichOneof("value") == "audio"
    ]


def log_one(logdir: pathlib.Path, snd: Any, **kwargs: Any) -> Summary.Value:
    """Log one clip in a fresh writer and return the one audio value read back."""
    with SummaryWriter(logdir) as writer:
        writer.add_audio(TAG, snd, **kwargs)
    (found,) = audio_values(logdir)
    return found[2]


def decode(data: bytes) -> tuple[np.ndarray, int, int]:
    """``(frames × channels int16 samples, channels, sample rate)`` of a WAV file, read with :mod:`wave` only."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert wav.getsampwidth() == 2
        assert wav.getcomptype() == "NONE"
        channels, rate = wav.getnchannels(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    return np.frombuffer(raw, dtype=np.int16).reshape(-1, channels), channels, rate


def assert_quantized(pcm: np.ndarray, samples: np.ndarray) -> None:
    """``pcm`` is ``samples`` (floats in [-1, 1], frames × channels) to 16-bit quantization."""
    assert pcm.shape == samples.shape
    error = np.abs(pcm.astype(np.float64) - samples.astype(np.float64) * 32767)
    assert error.max() <= 0.5 + 1e-3


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_mono_float_decodes_to_the_samples(tmp_path: pathlib.Path, dtype: type) -> None:
    samples = np.random.default_rng(0).uniform(-1, 1, 3000).astype(dtype)
    samples[:3] = [-1.0, 0.0, 1.0]
    value = log_one(tmp_path, samples, global_step=7, sample_rate=16000, walltime=1234.5)
    assert value.audio.sample_rate == 16000
    assert value.audio.num_channels == 1
    assert value.audio.length_frames == 3000
    assert value.audio.content_type == "audio/wav"
    pcm, channels, rate = decode(value.audio.encoded_audio_string)
    assert (channels, rate) == (1, 16000)
    assert_quantized(pcm, samples.reshape(-1, 1))
    assert pcm[:3, 0].tolist() == [-32767, 0, 32767]


def test_value_carries_tag_step_time_and_audio_plugin_metadata(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_audio(TAG, np.zeros(10), global_step=5, walltime=99.25)
    ((step, wall_time, value),) = audio_values(tmp_path)
    assert (step, wall_time, value.tag) == (5, 99.25, TAG)
    metadata = value.metadata
    assert metadata.plugin_data.plugin_name == "audio"
    assert metadata.data_class == DataClass.DATA_CLASS_BLOB_SEQUENCE
    content = plugin_data_pb2.AudioPluginData.FromString(metadata.plugin_data.content)
    assert content.version == 0
    assert content.encoding == plugin_data_pb2.AudioPluginData.WAV


def test_default_sample_rate_is_44100(tmp_path: pathlib.Path) -> None:
    value = log_one(tmp_path, np.zeros(4))
    assert value.audio.sample_rate == 44100
    assert decode(value.audio.encoded_audio_string)[2] == 44100


@pytest.mark.parametrize("rate", [8000, np.int64(22050), 48000.0, torch.tensor(11025), None])
def test_sample_rate_spellings(tmp_path: pathlib.Path, rate: Any) -> None:
    expected = 44100 if rate is None else int(rate)
    value = log_one(tmp_path, np.zeros(4), sample_rate=rate)
    assert value.audio.sample_rate == expected
    assert decode(value.audio.encoded_audio_string)[2] == expected


def test_stereo_frames_by_channels(tmp_path: pathlib.Path) -> None:
    samples = np.random.default_rng(1).uniform(-1, 1, (500, 2))
    value = log_one(tmp_path, samples, sample_rate=8000)
    assert (value.audio.num_channels, value.audio.length_frames) == (2, 500)
    pcm, channels, _ = decode(value.audio.encoded_audio_string)
    assert channels == 2
    assert_quantized(pcm, samples)
    assert not np.array_equal(pcm[:, 0], pcm[:, 1])  # the channels are not mixed up or duplicated


@pytest.mark.parametrize(
    ("shape", "frames"),
    [((2, 300), (300, 2)), ((1, 300), (300, 1)), ((300, 1), (300, 1)), ((2, 2), (2, 2)), ((1, 2), (1, 2))],
)
def test_shape_rules(tmp_path: pathlib.Path, shape: tuple[int, int], frames: tuple[int, int]) -> None:
    """(L, C) as tensorboardX; (C, L) as torchaudio; a shape that fits both is (L, C)."""
    samples = np.random.default_rng(2).uniform(-1, 1, shape)
    expected = samples if shape == frames else samples.T
    pcm, channels, _ = decode(log_one(tmp_path, samples).audio.encoded_audio_string)
    assert channels == frames[1]
    assert_quantized(pcm, expected)


def test_int16_is_pcm_written_unchanged(tmp_path: pathlib.Path) -> None:
    samples = np.random.default_rng(3).integers(-32768, 32768, (400, 2)).astype(np.int16)
    samples[0] = [-32768, 32767]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = log_one(tmp_path, samples)
    pcm, _, _ = decode(value.audio.encoded_audio_string)
    assert np.array_equal(pcm, samples)


def test_big_endian_arrays(tmp_path: pathlib.Path) -> None:
    floats = np.random.default_rng(4).uniform(-1, 1, 300)
    pcm16 = np.array([-32768, -1, 0, 1, 32767], dtype=np.int16)
    with SummaryWriter(tmp_path) as writer:
        writer.add_audio(TAG, floats.astype(">f8"), 0)
        writer.add_audio(TAG, pcm16.astype(">i2"), 1)
    (_, _, first), (_, _, second) = audio_values(tmp_path)
    assert_quantized(decode(first.audio.encoded_audio_string)[0], floats.reshape(-1, 1))
    assert decode(second.audio.encoded_audio_string)[0][:, 0].tolist() == pcm16.tolist()


def test_torch_and_list_inputs(tmp_path: pathlib.Path) -> None:
    samples = np.linspace(-1, 1, 101)
    inputs = {
        "torch": torch.tensor(samples, dtype=torch.float32),
        "bf16": torch.tensor(samples, dtype=torch.bfloat16),
        "list": samples.tolist(),
    }
    with SummaryWriter(tmp_path) as writer:
        for step, snd in enumerate(inputs.values()):
            writer.add_audio(TAG, snd, step)
    found = audio_values(tmp_path)
    assert [step for step, _, _ in found] == [0, 1, 2]
    for (_, _, value), snd in zip(found, inputs.values(), strict=True):
        pcm, _, _ = decode(value.audio.encoded_audio_string)
        logged = snd.float().numpy() if isinstance(snd, torch.Tensor) else np.asarray(snd)
        assert_quantized(pcm, logged.reshape(-1, 1))


def test_out_of_range_is_clipped_with_a_warning(tmp_path: pathlib.Path) -> None:
    samples = np.array([0.5, 1.5, -2.0, np.inf, -np.inf, 1.0, -1.0])
    with pytest.warns(UserWarning, match=r"add_audio: snd_tensor for tag 'speech/sample 1%'.*outside \[-1, 1\]") as got:
        value = log_one(tmp_path, samples)
    assert got[0].filename == __file__  # points at the caller's line
    pcm, _, _ = decode(value.audio.encoded_audio_string)
    assert pcm[:, 0].tolist() == [16384, 32767, -32767, 32767, -32767, 32767, -32767]


def test_no_warning_within_range(tmp_path: pathlib.Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_one(tmp_path, np.array([-1.0, 1.0, 0.25]))


def test_samples_are_copied_at_the_call(tmp_path: pathlib.Path) -> None:
    samples = np.full((200, 2), 0.5)
    tensor = torch.full((200,), -0.25)
    with SummaryWriter(tmp_path) as writer:
        writer.add_audio(TAG, samples, 0)
        writer.add_audio(TAG, tensor, 1)
        samples[:] = 0.0  # the writer thread has not encoded yet (flush_secs=120, max_queue=10)
        tensor.fill_(0.0)
    first, second = (decode(value.audio.encoded_audio_string)[0] for _, _, value in audio_values(tmp_path))
    assert np.all(first == 16384)
    assert np.all(second == -8192)


def test_wav_is_encoded_on_the_writer_thread(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    original = audio.wav_bytes

    def recording(pcm: np.ndarray, sample_rate: int) -> bytes:
        threads.append(threading.get_ident())
        return original(pcm, sample_rate)

    monkeypatch.setattr(audio, "wav_bytes", recording)
    with SummaryWriter(tmp_path, flush_secs=0.05) as writer:
        writer.add_audio(TAG, np.zeros(16000), 0)
        deadline = time.monotonic() + 10
        while not threads and time.monotonic() < deadline:  # no flush(): it would write from this thread
            time.sleep(0.01)
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()
    assert len(audio_values(tmp_path)) == 1


def test_write_to_disk_false_checks_but_writes_nothing(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "off"
    with SummaryWriter(logdir, write_to_disk=False) as writer:
        writer.add_audio(TAG, np.zeros(10))
        with pytest.raises(ValueError, match="NaN"):
            writer.add_audio(TAG, np.array([np.nan]))
    assert not logdir.exists()


BAD_SAMPLES = [
    pytest.param(np.zeros((2, 3, 4)), ValueError, r"snd_tensor .*shape \(2, 3, 4\)", id="rank3"),
    pytest.param(np.zeros((3, 3)), ValueError, r"snd_tensor .*shape \(3, 3\)", id="3-channels-square"),
    pytest.param(np.zeros((10, 3)), ValueError, r"snd_tensor .*shape \(10, 3\)", id="3-channels"),
    pytest.param(np.float32(0.5), ValueError, r"snd_tensor .*shape \(\)", id="rank0"),
    pytest.param(np.zeros(0), ValueError, "snd_tensor .*empty", id="empty"),
    pytest.param(np.zeros((0, 2)), ValueError, "snd_tensor .*empty", id="empty-stereo"),
    pytest.param(np.zeros(5, np.int32), TypeError, "snd_tensor .*int32", id="int32"),
    pytest.param(np.zeros(5, np.int64), TypeError, "snd_tensor .*int64", id="int64"),
    pytest.param(np.zeros(5, np.uint8), TypeError, "snd_tensor .*uint8", id="uint8"),
    pytest.param(np.zeros(5, bool), TypeError, "snd_tensor .*bool", id="bool"),
    pytest.param(["a", "b"], TypeError, "snd_tensor .*numeric", id="strings"),
    pytest.param(np.zeros(5, complex), TypeError, "snd_tensor .*complex", id="complex"),
    pytest.param(np.array([0.1, np.nan]), ValueError, "snd_tensor .*NaN", id="nan"),
    pytest.param(torch.tensor([[0.1, float("nan")]]), ValueError, "snd_tensor .*NaN", id="nan-torch"),
]


@pytest.mark.parametrize(("snd", "error", "match"), BAD_SAMPLES)
def test_bad_samples(tmp_path: pathlib.Path, snd: Any, error: type[Exception], match: str) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error, match=f"^add_audio: {match}") as raised:
            writer.add_audio(TAG, snd)
    assert repr(TAG) in str(raised.value)
    assert audio_values(tmp_path) == []


@pytest.mark.parametrize(
    ("rate", "error"),
    [(0, ValueError), (-8000, ValueError), (44100.5, ValueError), (float("nan"), ValueError), (2**32, ValueError),
     ("44100", TypeError), (True, TypeError), ([44100], TypeError)],
)  # fmt: skip
def test_bad_sample_rate(tmp_path: pathlib.Path, rate: Any, error: type[Exception]) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error, match=f"^add_audio: sample_rate for tag {TAG!r}"):
            writer.add_audio(TAG, np.zeros(10), sample_rate=rate)
    assert audio_values(tmp_path) == []


def test_tag_must_be_a_string(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer, pytest.raises(TypeError, match="add_audio: tag must be a str"):
        writer.add_audio(5, np.zeros(10))  # type: ignore[arg-type]


def test_decode_wav_reads_what_wav_bytes_writes() -> None:
    pcm = np.array([[1, -1], [32767, -32768], [0, 5]], dtype=np.int16)
    decoded, rate = audio.decode_wav(audio.wav_bytes(pcm, 12345))
    assert rate == 12345
    assert np.array_equal(decoded, pcm)
    with pytest.raises(ValueError, match="not a PCM WAV file"):
        audio.decode_wav(b"RIFF....garbage")
