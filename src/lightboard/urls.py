"""Where a logdir lives: one rule for writers and readers to tell object storage URLs from local paths.

A path with a scheme of two letters or more followed by ``://`` (fsspec chains such as ``simplecache::s3://``
included) is an fsspec URL; ``file://...`` is the local path after it; anything else (``runs/x``, ``C:\\x``) is
local. Opening a URL needs fsspec (the ``cloud`` extra) and, for S3 and GCS, their packages (``s3``, ``gcs``).
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from lightboard.optional import require

_URL = re.compile(r"^(?:[A-Za-z][\w+.-]*::)*[A-Za-z][\w+.-]+://")
"""A URL fsspec can open (``s3://...``, ``simplecache::s3://...``); one-letter schemes are Windows drives."""
_BACKENDS = {"s3": ("s3fs", "s3"), "s3a": ("s3fs", "s3"), "gs": ("gcsfs", "gcs"), "gcs": ("gcsfs", "gcs")}
"""Protocol → (the module fsspec needs for it, the lightboard extra that installs it)."""


def is_url(path: str) -> bool:
    """Whether ``path`` names object storage (an fsspec URL other than ``file://``) rather than a local path."""
    return _URL.match(path) is not None and path[:7].lower() != "file://"


def local_path(path: str) -> str:
    """``path`` as a local path: a ``file://`` URL without its scheme, anything else as it is."""
    return path[7:] if path[:7].lower() == "file://" else path


def filesystem(url: str, purpose: str, storage_options: dict[str, Any] | None = None) -> tuple[Any, str]:
    """``(fsspec filesystem, path in it)`` for ``url``; ImportError naming the extra when a package is missing."""
    fsspec: ModuleType = require("fsspec", "cloud", purpose)
    for scheme in re.findall(r"([A-Za-z][\w+.-]+)(?:::|://)", url):
        backend = _BACKENDS.get(scheme.lower())
        if backend is not None:
            require(*backend, purpose)
    return fsspec.core.url_to_fs(url, **(storage_options or {}))
