"""Custom-scalars layouts: a serialized ``Layout`` in a rank-0 DT_STRING tensor under ``custom_scalars__config__``.

A layout has categories (collapsible sections) of charts. A *Multiline* chart overlays every scalar tag
matched by one of its regular expressions (each matched from the start of the tag, as ``re.match`` does);
a *Margin* chart draws a value line with a shaded band between a lower and an upper series (exact tags).
TensorBoard shows the latest layout of each run and merges the runs' layouts by category title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from lightboard.proto.layout_pb2 import Category, Chart, Layout, MarginChartContent, MultilineChartContent
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_STRING

PLUGIN_NAME = "custom_scalars"
TAG = "custom_scalars__config__"

_METADATA = SummaryMetadata(
    plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME),
    data_class=DataClass.DATA_CLASS_TENSOR,
)


def _tags(tags: Any, where: str, method: str) -> list[str]:
    if isinstance(tags, (str, bytes)) or not isinstance(tags, Sequence):
        raise TypeError(f"{method}: {where} must be a list of str, got {type(tags).__name__} {tags!r}")
    for tag in tags:
        if not isinstance(tag, str):
            raise TypeError(f"{method}: {where} must hold str, got {type(tag).__name__} {tag!r}")
    return list(tags)


def multiline_chart(title: str, tags: Any, *, where: str = "tags", method: str = "add_custom_scalars") -> Chart:
    """A chart overlaying every scalar whose tag a regular expression of ``tags`` matches.

    Raises:
        TypeError: ``tags`` is not a list of str.
        ValueError: ``tags`` is empty or holds an invalid regular expression.
    """
    patterns = _tags(tags, where, method)
    if not patterns:
        raise ValueError(f"{method}: {where} of chart {title!r} is empty")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(
                f"{method}: {where} of chart {title!r}: {pattern!r} is not a regular expression: {error}"
            ) from None
    return Chart(title=title, multiline=MultilineChartContent(tag=patterns))


def margin_chart(title: str, tags: Any, *, where: str = "tags", method: str = "add_custom_scalars") -> Chart:
    """A chart of ``[value, lower, upper]`` tags, or of a list of such triples (one band each).

    Raises:
        TypeError: not a list of str (or of lists of str).
        ValueError: other than three tags in a triple, or no tags.
    """
    if isinstance(tags, (str, bytes)) or not isinstance(tags, Sequence):
        raise TypeError(f"{method}: {where} of margin chart {title!r} must be [value, lower, upper], got {tags!r}")
    if not tags:
        raise ValueError(f"{method}: {where} of margin chart {title!r} is empty")
    triples = [tags] if all(isinstance(tag, str) for tag in tags) else tags
    series = []
    for triple in triples:
        names = _tags(triple, where, method)
        if len(names) != 3:
            raise ValueError(
                f"{method}: {where} of margin chart {title!r} must be 3 tags [value, lower, upper], got {triple!r}"
            )
        series.append(MarginChartContent.Series(value=names[0], lower=names[1], upper=names[2]))
    return Chart(title=title, margin=MarginChartContent(series=series))


def _title(title: Any, what: str, method: str) -> str:
    if not isinstance(title, str):
        raise TypeError(f"{method}: {what} titles must be str, got {type(title).__name__} {title!r}")
    return title


def layout_from_dict(layout: Any, method: str = "add_custom_scalars") -> Layout:
    """tensorboardX's ``{category: {chart: ["Multiline", [regex, ...]] or ["Margin", [value, lower, upper]]}}``.

    Raises:
        TypeError: a level of the dict is not a mapping, titles or tags are not str.
        ValueError: empty layout or category, a chart kind other than Multiline or Margin, bad tags.
    """
    if not isinstance(layout, Mapping):
        raise TypeError(f"{method}: layout must be a dict {{category: {{chart: [kind, tags]}}}}, got {layout!r}")
    if not layout:
        raise ValueError(f"{method}: layout is empty")
    categories = []
    for category_title, charts in layout.items():
        _title(category_title, "category", method)
        if not isinstance(charts, Mapping):
            raise TypeError(
                f"{method}: layout[{category_title!r}] must be a dict {{chart: [kind, tags]}}, got {charts!r}"
            )
        if not charts:
            raise ValueError(f"{method}: layout[{category_title!r}] has no charts")
        category = Category(title=category_title)
        for chart_title, spec in charts.items():
            _title(chart_title, "chart", method)
            where = f"layout[{category_title!r}][{chart_title!r}]"
            if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) != 2:
                raise ValueError(f"{method}: {where} must be [kind, tags], kind 'Multiline' or 'Margin'; got {spec!r}")
            kind, tags = spec
            kind = kind.lower() if isinstance(kind, str) else kind
            if kind == "multiline":
                category.chart.append(multiline_chart(chart_title, tags, where=f"{where}[1]", method=method))
            elif kind == "margin":
                category.chart.append(margin_chart(chart_title, tags, where=f"{where}[1]", method=method))
            else:
                raise ValueError(f"{method}: {where}[0] must be 'Multiline' or 'Margin', got {spec[0]!r}")
        categories.append(category)
    return Layout(category=categories)


def merge(base: Layout, update: Layout) -> Layout:
    """``base`` with ``update``'s categories merged in by title; a chart titled like an existing one replaces it."""
    result = Layout()
    result.CopyFrom(base)
    by_title = {category.title: category for category in result.category}
    for new in update.category:
        category = by_title.get(new.title)
        if category is None:
            category = by_title[new.title] = result.category.add(title=new.title, closed=new.closed)
        for chart in new.chart:
            for index, old in enumerate(category.chart):
                if old.title == chart.title:
                    category.chart[index].CopyFrom(chart)
                    break
            else:
                category.chart.append(chart)
    return result


def summary(layout: Layout) -> Summary:
    """A ``Summary`` holding ``layout`` (rank-0 DT_STRING tensor, plugin ``custom_scalars``)."""
    tensor = TensorProto(dtype=DT_STRING, tensor_shape=TensorShapeProto(), string_val=[layout.SerializeToString()])
    return Summary(value=[Summary.Value(tag=TAG, metadata=_METADATA, tensor=tensor)])


def parse(value: Summary.Value) -> Layout:
    """The ``Layout`` of a custom-scalars value (for readers and tests).

    Raises:
        ValueError: the value does not belong to the custom-scalars plugin.
    """
    if value.metadata.plugin_data.plugin_name != PLUGIN_NAME:
        raise ValueError(f"value {value.tag!r} is not a custom-scalars layout")
    return Layout.FromString(value.tensor.string_val[0])
