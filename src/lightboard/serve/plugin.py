"""What a dashboard plugin is: its name, the reader kind whose tags it lists, how it turns a run's tag into
points, and any routes of its own. The table of plugins is :data:`lightboard.serve.plugins.PLUGINS`.

Every plugin gets the same two routes from :mod:`lightboard.serve.api`:

- ``GET /api/<name>/tags`` → ``{tag: [runs]}``, tags and runs in natural order;
- ``GET /api/<name>?run=R&tag=T`` → ``{"run", "tag", "total", "points"}``: every logged point of the tag in the
  run (objects with ``step``, ``wall_time`` and the kind's data), or, with ``steps=N``, N of them spread evenly
  over the steps (first and last kept), within ``xmin``/``xmax`` when given; ``total`` counts the points in
  that range, so a page can say "N of M steps shown".

A media plugin also has ``GET /api/<name>/blob?run=R&tag=T&step=S&index=I``: one sample's encoded bytes.

A plugin without ``points`` (the scalars) answers ``/api/<name>`` itself, through its ``routes``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response

from lightboard.reader import Run

Points = Callable[[Run, str], list[dict[str, Any]]]
"""Every point of a tag of a run, JSON-ready dicts with ``step`` and ``wall_time`` first, in logged order."""
Blob = Callable[[Run, str, int, int], tuple[bytes, str]]
"""The encoded bytes of one sample of a tag (run, tag, step, index) and their media type; LookupError when the
tag has no such step or index."""
Endpoint = Callable[[Request], Awaitable[Response]]


class NotFound(LookupError):
    """A run, tag or kind the logdir does not have (the API answers 404 with the message)."""


@dataclass(frozen=True)
class Plugin:
    """One dashboard's server side.

    Attributes:
        name: the dashboard's name, as in ``?dashboard=<name>`` and ``/api/<name>``.
        title: what its tab says.
        kind: the reader's kind (``Run.tags()`` key) of the tags it shows.
        points: a tag's points in a run; None when the plugin answers ``/api/<name>`` itself.
        blob: for media kinds, one sample's encoded bytes, answered at ``/api/<name>/blob?run&tag&step&index``.
        point_schema: the OpenAPI schema of one point (with ``points``).
        routes: ``(path, endpoint)`` of routes of its own.
        paths: the OpenAPI path items of those routes.
        schemas: OpenAPI component schemas those path items refer to.
        viewable: False for a dashboard the page cannot show yet: it is listed (and has the routes it has).
    """

    name: str
    title: str
    kind: str
    points: Points | None = None
    point_schema: dict[str, Any] = field(default_factory=dict)
    blob: Blob | None = None
    routes: tuple[tuple[str, Endpoint], ...] = ()
    paths: dict[str, Any] = field(default_factory=dict)
    schemas: dict[str, Any] = field(default_factory=dict)
    viewable: bool = True

    @property
    def served(self) -> bool:
        """Whether it has API routes (``/api/<name>/tags`` and the rest)."""
        return self.points is not None or bool(self.routes)


def spread(steps: np.ndarray, lo: float | None, hi: float | None, limit: int | None) -> tuple[np.ndarray, int]:
    """``(indices, total)``: of the points with ``steps`` (in logged order), the ``total`` ones within
    ``[lo, hi]``, and of those at most ``limit`` spread evenly by position, the first and last always kept."""
    inside = np.ones(len(steps), dtype=bool)
    if lo is not None:
        inside &= steps >= lo
    if hi is not None:
        inside &= steps <= hi
    indices = np.flatnonzero(inside)
    total = len(indices)
    if limit is not None and total > limit:
        picks = np.unique(np.round(np.linspace(0, total - 1, limit)).astype(np.int64))
        indices = indices[picks]
    return indices, total
