"""Event file names: ``events.out.tfevents.<10-digit secs>.<host>.<pid>.<counter><suffix>``.

The pid and a process-wide counter keep two writers (processes, or writers of one process) that open
files in one directory in the same second from ever sharing a name (tensorboard-format.md §3).
Both TensorBoard loaders read a run's files in string order, so the counter is zero-padded: a
process's files of one second then sort in the order they were opened (``.000010`` after ``.000009``),
which ``purge_step`` and segment files rely on.
"""

from __future__ import annotations

import itertools
import os
import socket
import time

_counter = itertools.count()


def event_file_name(suffix: str = "", now: float | None = None) -> str:
    """Return a fresh event file base name; each call in a process gets a new counter value."""
    secs = int(time.time() if now is None else now)
    return f"events.out.tfevents.{secs:010d}.{socket.gethostname()}.{os.getpid()}.{next(_counter):06d}{suffix}"
