"""Optional dependencies, imported on first use with an error that names the extra to install."""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise an ImportError saying which lightboard extra provides it.

    Args:
        module: the module to import, e.g. ``"PIL.Image"``.
        extra: the extra of lightboard that installs it, e.g. ``"images"``.
        purpose: what needs it, e.g. ``"add_image"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{purpose} needs {module.split('.')[0]}, which is not installed: pip install 'lightboard[{extra}]'"
        ) from error


def extension(module: str) -> ModuleType | None:
    """One of lightboard's optional C extensions, or None when it was not built or is switched off.

    ``LIGHTBOARD_PURE_PYTHON=1`` switches every extension off, so that their pure-Python twins serve (the
    tests run both). An extension is absent when the install had no C compiler (or, for images, no zlib).
    """
    if os.environ.get("LIGHTBOARD_PURE_PYTHON") == "1":
        return None
    try:
        return importlib.import_module(module)
    except ImportError:
        return None
