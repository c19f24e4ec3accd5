"""lightboard: fast, crash-safe TensorBoard logging — a drop-in replacement for tensorboardX.

``from lightboard import SummaryWriter`` gives tensorboardX's writer; ``lightboard.read(logdir)`` reads any
logdir into numpy and pandas. Importing the package itself
loads nothing heavy; the writer and its dependencies load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lightboard._version import __version__

__all__ = [
    "DummyFileWriter", "EventWriteError", "FileWriter", "GlobalSummaryWriter", "Logdir", "SummaryWriter",
    "TrainingAlert", "TrainingAlertWarning", "__version__", "read",
]

if TYPE_CHECKING:
    from lightboard.alerts import TrainingAlert, TrainingAlertWarning
    from lightboard.events.file import EventWriteError
    from lightboard.file_writer import DummyFileWriter, FileWriter
    from lightboard.global_writer import GlobalSummaryWriter
    from lightboard.reader import Logdir, read
    from lightboard.writer import SummaryWriter

_LAZY = {
    "SummaryWriter": "lightboard.writer",
    "FileWriter": "lightboard.file_writer",
    "DummyFileWriter": "lightboard.file_writer",
    "EventWriteError": "lightboard.events.file",
    "GlobalSummaryWriter": "lightboard.global_writer",
    "read": "lightboard.reader",
    "Logdir": "lightboard.reader",
    "TrainingAlert": "lightboard.alerts",
    "TrainingAlertWarning": "lightboard.alerts",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lightboard' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
