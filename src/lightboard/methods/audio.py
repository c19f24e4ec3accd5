"""``SummaryWriter`` methods for audio (see :mod:`lightboard.methods`)."""

from __future__ import annotations

import warnings
from typing import Any


class AudioMethods:
    """audio methods of :class:`lightboard.SummaryWriter`."""

    def add_audio(
        self,
        tag: str,
        snd_tensor: Any,
        global_step: int | None = None,
        sample_rate: int = 44100,
        walltime: float | None = None,
    ) -> None:
        """Log a sound clip, shown (and playable) in TensorBoard's audio dashboard.

        The clip is stored as a 16-bit PCM WAV file, encoded by the writer thread: the call itself only
        checks ``snd_tensor`` and copies it, so changing the tensor afterwards does not change the clip.

        Args:
            tag: name of the clip series (used as given, as in tensorboardX).
            snd_tensor: samples of shape ``(L,)`` (mono), ``(L, C)`` or ``(C, L)`` with ``C`` = 1 or 2
                (stereo); a shape that fits both, such as ``(2, 2)``, is read as ``(L, C)``. Floats should lie
                in [-1, 1]: values beyond it (±inf too) are clipped, with a ``UserWarning``, and each sample is
                stored as ``round(x * 32767)``. ``int16`` arrays are 16-bit PCM samples, stored unchanged.
                Any array or tensor (numpy, torch, jax, ...) or nested list.
            global_step: step of the clip (default 0, or the ``use_metadata`` step).
            sample_rate: samples per second and channel, in Hz.
            walltime: seconds since the epoch (default now, or the ``use_metadata`` time).

        Raises:
            TypeError: ``tag`` is not a str; ``snd_tensor`` is not numeric, or is of an integer dtype other
                than int16, or bool; ``sample_rate`` is not a number.
            ValueError: another shape, no samples, NaN samples, or a ``sample_rate`` that is not a whole
                number of Hz in 1..2**32-1.

        Example::

            t = np.linspace(0, 1, 16000, endpoint=False)
            writer.add_audio("tone", 0.5 * np.sin(2 * np.pi * 440 * t), step, sample_rate=16000)
        """
        from lightboard.summaries import audio
        from lightboard.summaries.tags import check_tag
        from lightboard.tensor import to_numpy

        check_tag(tag, "add_audio")
        rate = audio.check_sample_rate(sample_rate, tag)
        array = to_numpy(snd_tensor, argument="snd_tensor", method="add_audio", tag=tag)
        frames, clipped = audio.frames_of(array, tag)
        if clipped:
            # Same text for every call of a tag, so the default warning filter shows it once per tag.
            warnings.warn(
                f"add_audio: snd_tensor for tag {tag!r} has samples outside [-1, 1]; they are clipped",
                UserWarning,
                stacklevel=2,
            )
        step, wall = self._defaults.step_and_time(global_step, walltime)
        writer = self._get_file_writer()
        self._queue(writer, (audio.encode_event, tag, frames, rate, wall, step), frames.nbytes)
