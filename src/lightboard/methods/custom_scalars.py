"""``SummaryWriter`` methods for custom scalars (see :mod:`lightboard.methods`)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lightboard.proto.layout_pb2 import Chart
    from lightboard.proto.summary_pb2 import Summary

_LAYOUT_ATTRIBUTE = "_lightboard_custom_scalars_layout"
"""Instance attribute: the layout written so far by this writer (every call writes the merged layout)."""
_lock = threading.Lock()  # orders merges and writes of concurrent calls (rare; one lock for all writers)


class CustomScalarsMethods:
    """custom scalars methods of :class:`lightboard.SummaryWriter`."""

    if TYPE_CHECKING:

        def _add_summary(self, summary: Summary, global_step: Any, walltime: Any) -> None: ...

    def add_custom_scalars(self, layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
        """Define charts of the CUSTOM SCALARS tab that combine scalars logged with :meth:`add_scalar`.

        Args:
            layout: ``{category: {chart_title: [kind, tags]}}``. ``kind`` ``"Multiline"`` overlays every scalar
                whose tag one of the regular expressions ``tags`` matches (from the tag's start);
                ``"Margin"`` takes exact tags ``[value, lower, upper]`` and shades the band between lower and
                upper (also a list of such triples, one band each).

        Unlike tensorboardX, where each call replaces the run's layout, the calls of one writer add up:
        a chart replaces only a chart of the same title in the same category. The layout is written into
        this writer's run at step 0 (or the ``use_metadata`` step).

        Raises:
            TypeError: a level of ``layout`` is not a dict, a title or tag is not a str.
            ValueError: an empty layout or category, a kind other than Multiline or Margin, a margin chart
                without exactly three tags, an empty tag list or an invalid regular expression.

        Example::

            writer.add_custom_scalars({
                "Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
                "USA": {"dow": ["Margin", ["dow/aaa", "dow/bbb", "dow/ccc"]]},
            })
        """
        from lightboard.summaries import custom_scalars

        self._write_layout(custom_scalars.layout_from_dict(layout))

    def add_custom_scalars_multilinechart(
        self, tags: Sequence[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """Add one chart overlaying the scalars whose tags the regular expressions ``tags`` match.

        Same as ``add_custom_scalars({category: {title: ["Multiline", tags]}})``.
        """
        from lightboard.summaries import custom_scalars

        method = "add_custom_scalars_multilinechart"
        chart = custom_scalars.multiline_chart(title, tags, method=method)
        self._write_chart(category, title, chart, method)

    def add_custom_scalars_marginchart(
        self, tags: Sequence[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """Add one chart of the scalar ``tags[0]`` with a band between ``tags[1]`` (lower) and ``tags[2]`` (upper).

        Same as ``add_custom_scalars({category: {title: ["Margin", tags]}})``.
        """
        from lightboard.summaries import custom_scalars

        method = "add_custom_scalars_marginchart"
        chart = custom_scalars.margin_chart(title, tags, method=method)
        self._write_chart(category, title, chart, method)

    def _write_chart(self, category: Any, title: Any, chart: Chart, method: str) -> None:
        from lightboard.proto.layout_pb2 import Category, Layout

        for argument, value in (("category", category), ("title", title)):
            if not isinstance(value, str):
                raise TypeError(f"{method}: {argument} must be a str, got {type(value).__name__} {value!r}")
        self._write_layout(Layout(category=[Category(title=category, chart=[chart])]))

    def _write_layout(self, layout: Any) -> None:
        """Merge ``layout`` into this writer's layout and write the result."""
        from lightboard.summaries import custom_scalars

        with _lock:
            previous = self.__dict__.get(_LAYOUT_ATTRIBUTE)
            merged = layout if previous is None else custom_scalars.merge(previous, layout)
            self._add_summary(custom_scalars.summary(merged), None, None)
            self.__dict__[_LAYOUT_ATTRIBUTE] = merged
