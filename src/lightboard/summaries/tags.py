"""Tag cleaning as tensorboardX does it for scalars, histograms, images and video."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_INVALID = re.compile(r"[^-/\w.]")
_cache: dict[str, str] = {}


def check_tag(tag: object, method: str) -> str:
    """Return ``tag`` if it is a ``str``, else raise a TypeError naming ``method``."""
    if not isinstance(tag, str):
        raise TypeError(f"{method}: tag must be a str, got {type(tag).__name__} {tag!r}")
    return tag


def clean_tag(tag: str) -> str:
    """Replace characters outside ``[-/\\w.]`` with ``_`` and strip leading ``/`` (tensorboardX's rule).

    Existing logs carry tags cleaned this way, so the rule is kept exactly; a change is logged once.
    """
    cleaned = _cache.get(tag)
    if cleaned is None:
        cleaned = _INVALID.sub("_", tag).lstrip("/")
        if cleaned != tag:
            logger.info("Summary name %s is illegal; using %s instead.", tag, cleaned)
        if len(_cache) < 65536:
            _cache[tag] = cleaned
    return cleaned
