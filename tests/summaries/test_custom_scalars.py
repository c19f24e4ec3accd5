"""Custom-scalars layouts: tensorboardX's dict form, the two shorthands, merging across calls, and bad input.

Layouts are read back with TensorBoard's loader and its own ``layout_pb2``; tensorboardX's
``summary.custom_scalars`` serves as the reference for the dict form.
"""

from __future__ import annotations

import glob
import os
from typing import Any

import pytest
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import metadata as cs_metadata
from tensorboard.util import tensor_util
from tensorboardX.summary import custom_scalars as tbx_custom_scalars

from lightboard import SummaryWriter
from lightboard.proto.summary_pb2 import Summary
from lightboard.summaries import custom_scalars

LAYOUT = {
    "Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
    "USA": {
        "dow": ["Margin", ["dow/aaa", "dow/bbb", "dow/ccc"]],
        "nasdaq": ["Margin", ["nasdaq/aaa", "nasdaq/bbb", "nasdaq/ccc"]],
    },
}


def layouts(logdir: str) -> list[tuple[int, layout_pb2.Layout]]:
    """``(step, Layout)`` of every layout written to the run ``logdir``, decoded as TensorBoard's plugin does."""
    found = []
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for event in LegacyEventFileLoader(path).Load():
            for value in event.summary.value:
                assert value.tag == cs_metadata.CONFIG_SUMMARY_TAG
                assert value.metadata.plugin_data.plugin_name == cs_metadata.PLUGIN_NAME
                assert value.metadata.data_class == 2  # DATA_CLASS_TENSOR
                array = tensor_util.make_ndarray(value.tensor)
                assert array.shape == ()  # rank 0, as the plugin's points[0].numpy.item() expects
                found.append((event.step, layout_pb2.Layout.FromString(array.item())))
    return found


def last_layout(logdir: str) -> layout_pb2.Layout:
    return layouts(logdir)[-1][1]


def as_dict(layout: layout_pb2.Layout) -> dict[str, dict[str, Any]]:
    """``{category: {chart: ("multiline", [regex]) or ("margin", [(value, lower, upper)])}}``."""
    result: dict[str, dict[str, Any]] = {}
    for category in layout.category:
        charts = result.setdefault(category.title, {})
        for chart in category.chart:
            if chart.WhichOneof("content") == "multiline":
                charts[chart.title] = ("multiline", list(chart.multiline.tag))
            else:
                charts[chart.title] = ("margin", [(s.value, s.lower, s.upper) for s in chart.margin.series])
    return result


def test_dict_layout_matches_tensorboardx(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_custom_scalars(LAYOUT)
    ((step, mine),) = layouts(str(tmp_path))
    reference = layout_pb2.Layout.FromString(tbx_custom_scalars(LAYOUT).value[0].tensor.string_val[0])
    assert step == 0
    assert mine == reference
    assert as_dict(mine) == {
        "Taiwan": {"twse": ("multiline", ["twse/0050", "twse/2330"])},
        "USA": {
            "dow": ("margin", [("dow/aaa", "dow/bbb", "dow/ccc")]),
            "nasdaq": ("margin", [("nasdaq/aaa", "nasdaq/bbb", "nasdaq/ccc")]),
        },
    }


def test_shorthands_use_tensorboardx_defaults(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path / "multi")) as writer:
        writer.add_custom_scalars_multilinechart(["loss/.*", "acc"])
    with SummaryWriter(str(tmp_path / "margin")) as writer:
        writer.add_custom_scalars_marginchart(["v", "lo", "hi"])
    assert as_dict(last_layout(str(tmp_path / "multi"))) == {"default": {"untitled": ("multiline", ["loss/.*", "acc"])}}
    assert as_dict(last_layout(str(tmp_path / "margin"))) == {"default": {"untitled": ("margin", [("v", "lo", "hi")])}}


def test_calls_of_one_writer_add_up(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_custom_scalars_multilinechart(["loss/.*"], category="train", title="losses")
        writer.add_custom_scalars_marginchart(["acc", "acc_lo", "acc_hi"], category="train", title="accuracy")
        writer.add_custom_scalars(LAYOUT)
        writer.add_custom_scalars_multilinechart(["loss/(train|val)"], category="train", title="losses")  # replaces
    assert as_dict(last_layout(str(tmp_path))) == {
        "train": {
            "losses": ("multiline", ["loss/(train|val)"]),
            "accuracy": ("margin", [("acc", "acc_lo", "acc_hi")]),
        },
        "Taiwan": {"twse": ("multiline", ["twse/0050", "twse/2330"])},
        "USA": {
            "dow": ("margin", [("dow/aaa", "dow/bbb", "dow/ccc")]),
            "nasdaq": ("margin", [("nasdaq/aaa", "nasdaq/bbb", "nasdaq/ccc")]),
        },
    }
    assert [step for step, _ in layouts(str(tmp_path))] == [0, 0, 0, 0]
    categories = [category.title for category in last_layout(str(tmp_path)).category]
    assert categories == ["train", "Taiwan", "USA"]  # first-seen order


def test_layout_survives_close_and_reuse(tmp_path: Any) -> None:
    writer = SummaryWriter(str(tmp_path))
    writer.add_custom_scalars_multilinechart(["a"], title="first")
    writer.close()
    writer.add_custom_scalars_multilinechart(["b"], title="second")  # a new event file in the same run
    writer.close()
    assert as_dict(last_layout(str(tmp_path))) == {
        "default": {"first": ("multiline", ["a"]), "second": ("multiline", ["b"])}
    }


def test_layouts_are_per_writer(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path / "a")) as first, SummaryWriter(str(tmp_path / "b")) as second:
        first.add_custom_scalars_multilinechart(["x"])
        second.add_custom_scalars_multilinechart(["y"])
    assert as_dict(last_layout(str(tmp_path / "a"))) == {"default": {"untitled": ("multiline", ["x"])}}
    assert as_dict(last_layout(str(tmp_path / "b"))) == {"default": {"untitled": ("multiline", ["y"])}}


def test_kinds_are_case_insensitive_and_margins_take_several_triples(tmp_path: Any) -> None:
    layout = {"c": {"m": ["multiline", ("a", "b")], "g": ("MARGIN", [["v", "l", "u"], ("v2", "l2", "u2")])}}
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_custom_scalars(layout)
    assert as_dict(last_layout(str(tmp_path))) == {
        "c": {"m": ("multiline", ["a", "b"]), "g": ("margin", [("v", "l", "u"), ("v2", "l2", "u2")])}
    }


def test_write_to_disk_false_writes_nothing(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path / "never"), write_to_disk=False) as writer:
        writer.add_custom_scalars(LAYOUT)
        writer.add_custom_scalars_multilinechart(["a"])
    assert not (tmp_path / "never").exists()


def test_parse_round_trip() -> None:
    summary = custom_scalars.summary(custom_scalars.layout_from_dict(LAYOUT))
    assert as_dict(custom_scalars.parse(summary.value[0])) == as_dict(
        layout_pb2.Layout.FromString(summary.value[0].tensor.string_val[0])
    )
    with pytest.raises(ValueError, match="not a custom-scalars layout"):
        custom_scalars.parse(Summary.Value(tag="x", simple_value=1.0))


# -- bad input -------------------------------------------------------------------------------------------------

BAD_LAYOUTS = [  # (layout, error, message)
    ([("c", {})], TypeError, "layout must be a dict"),
    ({}, ValueError, "layout is empty"),
    ({"c": ["Multiline", ["a"]]}, TypeError, r"layout\['c'\] must be a dict"),
    ({"c": {}}, ValueError, r"layout\['c'\] has no charts"),
    ({1: {"t": ["Multiline", ["a"]]}}, TypeError, "category titles must be str"),
    ({"c": {2: ["Multiline", ["a"]]}}, TypeError, "chart titles must be str"),
    ({"c": {"t": "Multiline"}}, ValueError, r"layout\['c'\]\['t'\] must be \[kind, tags\]"),
    ({"c": {"t": ["Multiline"]}}, ValueError, r"layout\['c'\]\['t'\] must be \[kind, tags\]"),
    ({"c": {"t": ["Multiline", ["a"], "x"]}}, ValueError, r"layout\['c'\]\['t'\] must be \[kind, tags\]"),
    (
        {"c": {"t": ["Line", ["a"]]}},
        ValueError,
        r"layout\['c'\]\['t'\]\[0\] must be 'Multiline' or 'Margin', got 'Line'",
    ),
    ({"c": {"t": [None, ["a"]]}}, ValueError, r"\[0\] must be 'Multiline' or 'Margin'"),
    ({"c": {"t": ["Multiline", "loss"]}}, TypeError, r"layout\['c'\]\['t'\]\[1\] must be a list of str"),
    ({"c": {"t": ["Multiline", []]}}, ValueError, r"layout\['c'\]\['t'\]\[1\] of chart 't' is empty"),
    ({"c": {"t": ["Multiline", ["a", 3]]}}, TypeError, r"layout\['c'\]\['t'\]\[1\] must hold str"),
    ({"c": {"t": ["Multiline", ["loss/(train"]]}}, ValueError, "'loss/\\(train' is not a regular expression"),
    ({"c": {"t": ["Margin", ["a", "b"]]}}, ValueError, r"margin chart 't' must be 3 tags \[value, lower, upper\]"),
    ({"c": {"t": ["Margin", ["a", "b", "c", "d"]]}}, ValueError, "must be 3 tags"),
    ({"c": {"t": ["Margin", []]}}, ValueError, "margin chart 't' is empty"),
    ({"c": {"t": ["Margin", "abc"]}}, TypeError, "margin chart 't' must be \\[value, lower, upper\\]"),
    ({"c": {"t": ["Margin", [["a", "b", "c"], ["d"]]]}}, ValueError, "must be 3 tags"),
    ({"c": {"t": ["Margin", ["a", "b", 3]]}}, TypeError, "must be a list of str, got str 'a'"),
]


@pytest.mark.parametrize(("layout", "error", "message"), BAD_LAYOUTS, ids=[f"{i}" for i in range(len(BAD_LAYOUTS))])
def test_bad_layouts_raise_clear_errors(tmp_path: Any, layout: Any, error: type[Exception], message: str) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_custom_scalars_multilinechart(["kept"])
        with pytest.raises(error, match=f"^add_custom_scalars: .*{message}"):
            writer.add_custom_scalars(layout)
        writer.add_custom_scalars_multilinechart(["kept too"], title="second")
    # the failed call changed nothing: the layout holds the two good charts only
    assert as_dict(last_layout(str(tmp_path))) == {
        "default": {"untitled": ("multiline", ["kept"]), "second": ("multiline", ["kept too"])}
    }


BAD_SHORTHANDS = [  # (method, kwargs, error, message)
    ("multilinechart", {"tags": "loss"}, TypeError, "tags must be a list of str"),
    ("multilinechart", {"tags": []}, ValueError, "tags of chart 'untitled' is empty"),
    ("multilinechart", {"tags": ["(x"]}, ValueError, "is not a regular expression"),
    ("multilinechart", {"tags": ["a"], "category": 3}, TypeError, "category must be a str"),
    ("multilinechart", {"tags": ["a"], "title": None}, TypeError, "title must be a str"),
    ("marginchart", {"tags": ["a", "b"]}, ValueError, r"must be 3 tags \[value, lower, upper\]"),
    ("marginchart", {"tags": ["a", "b", "c", "d"]}, ValueError, "must be 3 tags"),
    ("marginchart", {"tags": None}, TypeError, "tags of margin chart 'untitled' must be"),
    ("marginchart", {"tags": ["a", "b", "c"], "category": ["x"]}, TypeError, "category must be a str"),
]


@pytest.mark.parametrize(
    ("method", "kwargs", "error", "message"), BAD_SHORTHANDS, ids=[f"{v[0]}-{v[3][:30]}" for v in BAD_SHORTHANDS]
)
def test_bad_shorthand_calls_raise_clear_errors(
    tmp_path: Any, method: str, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(error, match=f"^add_custom_scalars_{method}: .*{message}"):
            getattr(writer, f"add_custom_scalars_{method}")(**kwargs)
    assert layouts(str(tmp_path)) == []
