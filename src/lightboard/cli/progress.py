"""A one-line progress bar for long reads, drawn on a text stream (stderr) without any dependency."""

from __future__ import annotations

import shutil
import time
from typing import TextIO

THRESHOLD = 64 << 20
"""Bytes a read must have pending for the bar to appear on its own (on a terminal)."""
INTERVAL = 0.1
"""Seconds between redraws."""
_BLOCKS = " ▏▎▍▌▋▊▉█"
_UNITS = ("B", "kB", "MB", "GB", "TB")


def size(count: float) -> str:
    """A byte count for people: ``'512 B'``, ``'3.4 kB'``, ``'229 MB'``, ``'1.2 GB'``."""
    power = 0
    while round(count) >= 1000 and power < len(_UNITS) - 1:
        count /= 1000
        power += 1
    return f"{count:.0f} {_UNITS[power]}" if power == 0 or count >= 100 else f"{count:.1f} {_UNITS[power]}"


class ProgressBar:
    """``progress(bytes_done, bytes_total)`` for :func:`lightboard.read` that draws a bar on ``stream``.

    Whether it draws is decided at the first call: always when ``force``, else only when ``stream`` is a
    terminal and the read has at least ``threshold`` bytes to go. :meth:`close` ends the line.
    """

    def __init__(self, stream: TextIO, force: bool = False, threshold: int = THRESHOLD, label: str = "reading") -> None:
        self._stream = stream
        self._force = force
        self._threshold = threshold
        self._label = label
        self._visible: bool | None = None
        self._start = self._drawn = 0.0
        self._state = (0, 0)

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._visible is None:
            self._visible = self._force or (total >= self._threshold and self._stream.isatty())
            self._start, self._drawn = now, now - INTERVAL
        self._state = (done, total)
        if self._visible and now - self._drawn >= INTERVAL:
            self._drawn = now
            self._draw(now, "")

    def close(self) -> None:
        """Draw the final state and end the line, if the bar was shown; later calls draw nothing."""
        if self._visible:
            self._draw(time.monotonic(), "\n")
        self._visible = False

    def _draw(self, now: float, end: str) -> None:
        done, total = self._state
        fraction = done / total if total else 1.0
        text = f" {fraction:4.0%} {size(done)} / {size(total)}  {now - self._start:.1f} s"
        width = max(10, min(shutil.get_terminal_size().columns, 100) - len(self._label) - len(text) - 4)
        eighths = round(fraction * width * 8)
        bar = ("█" * (eighths // 8) + (_BLOCKS[eighths % 8] if eighths < width * 8 else "")).ljust(width)
        self._stream.write(f"\r{self._label} |{bar}|{text}{end}")
        self._stream.flush()
