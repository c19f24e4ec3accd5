"""Query-string arguments of the viewer's API: parsed, checked, and refused with a message naming them."""

from __future__ import annotations

import math

from starlette.requests import Request


class BadArgument(ValueError):
    """An argument the API cannot use (answered 400 with the message)."""


def one(request: Request, name: str, default: str | None = None) -> str:
    """The argument ``name`` (``default`` when absent; BadArgument when absent without a default)."""
    value = request.query_params.get(name, default)
    if value is None:
        raise BadArgument(f"missing argument {name!r}")
    return value


def choice(request: Request, name: str, choices: tuple[str, ...]) -> str:
    """The argument ``name``, one of ``choices`` (the first when absent)."""
    value = one(request, name, choices[0])
    if value not in choices:
        raise BadArgument(f"argument {name!r} must be one of {', '.join(choices)}, got {value!r}")
    return value


def number(request: Request, name: str, default: float | None, low: float, high: float) -> float | None:
    """The argument ``name`` as a finite number in ``[low, high]`` (``default`` when absent)."""
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise BadArgument(f"argument {name!r} must be a number, got {text!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise BadArgument(f"argument {name!r} must be in [{low}, {high}], got {text!r}")
    return value


def whole(request: Request, name: str, default: int | None, low: int, high: int) -> int | None:
    """The argument ``name`` as a whole number in ``[low, high]`` (``default`` when absent)."""
    value = number(request, name, default, low, high)
    if value is not None and value != int(value):
        raise BadArgument(f"argument {name!r} must be a whole number, got {value}")
    return None if value is None else int(value)


def span(request: Request) -> tuple[float | None, float | None]:
    """``(xmin, xmax)``: the x range asked for, each end None when absent."""
    lo = number(request, "xmin", None, -math.inf, math.inf)
    hi = number(request, "xmax", None, -math.inf, math.inf)
    if lo is not None and hi is not None and lo > hi:
        raise BadArgument(f"argument 'xmin' ({lo}) must not exceed 'xmax' ({hi})")
    return lo, hi
