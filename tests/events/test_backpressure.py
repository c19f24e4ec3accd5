"""The queue stays bounded when the writer thread falls behind: by events, and by bytes of data to encode."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from lightboard import SummaryWriter, read
from lightboard.events import file as event_file
from lightboard.events import worker


@pytest.fixture
def stalled_writer_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer thread is never handed a file: whatever gets written, the caller writes."""
    monkeypatch.setattr(worker.scheduler(), "schedule", lambda file, urgent: None)


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_queued_pixels_and_frames_are_bounded_by_bytes(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, stalled_writer_thread: None, kind: str
) -> None:
    monkeypatch.setattr(event_file, "BACKPRESSURE_BYTES", 1 << 20)
    pytest.importorskip("PIL")
    image = np.random.default_rng(0).integers(0, 256, (3, 128, 128), dtype=np.uint8)  # 48 KiB of pixels
    clip = np.linspace(-1, 1, 48_000, dtype=np.float32)  # 1 s at 48 kHz: 96 KiB of 16-bit frames
    most = 0
    with SummaryWriter(tmp_path, max_queue=100_000) as writer:
        file = writer.file_writer._file
        for step in range(200):
            if kind == "image":
                writer.add_image("sample", image, step)
            else:
                writer.add_audio("sample", clip, step, sample_rate=48_000)
            most = max(most, len(file._queue))
            assert file._queued_bytes <= (1 << 20) + 100 * 1024
    assert most <= 25  # 1 MiB of 48-96 KiB events; without the bound all 200 would wait for the thread
    logged = read(tmp_path).run(".")
    assert len(logged.images("sample") if kind == "image" else logged.audio("sample")) == 200
