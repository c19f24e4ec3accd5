"""Hyperparameters: the three summaries of TensorBoard's hparams plugin, as tensorboardX and torch write them.

A *session* (one training run) is a run holding ``_hparams_/session_start_info`` (the hparam values) and
``_hparams_/session_end_info`` (its status); ``_hparams_/experiment`` lists the hparams and the metrics to
show. The data lives in ``SummaryMetadata.plugin_data.content`` (an ``HParamsPluginData``); the value itself
is TensorBoard's null tensor (float32, shape ``[0]``). Each metric is an ordinary scalar in the session's run,
whose last value the plugin shows.

Unlike tensorboardX, which drops every value that is not a Python ``bool``, ``str``, ``int`` or ``float``
silently, :func:`hparam` converts numpy and torch numbers, 0-d arrays and one-element tensors, and raises
for anything else.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf import struct_pb2

from lightboard.proto.hparams_pb2 import (
    DATA_TYPE_BOOL,
    DATA_TYPE_FLOAT64,
    DATA_TYPE_STRING,
    STATUS_SUCCESS,
    Experiment,
    HParamInfo,
    HParamsPluginData,
    MetricInfo,
    MetricName,
    SessionEndInfo,
    SessionStartInfo,
)
from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
from lightboard.proto.tensor_pb2 import TensorProto
from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
from lightboard.proto.types_pb2 import DT_FLOAT
from lightboard.tensor import to_numpy

PLUGIN_NAME = "hparams"
EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_INFO_TAG = "_hparams_/session_start_info"
SESSION_END_INFO_TAG = "_hparams_/session_end_info"

NULL_TENSOR = TensorProto(dtype=DT_FLOAT, tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=0)]))
"""TensorBoard's placeholder value for summaries whose data is all in the metadata."""

_TYPE_NAMES = {DATA_TYPE_STRING: "str", DATA_TYPE_BOOL: "bool", DATA_TYPE_FLOAT64: "real number"}


@dataclass(frozen=True)
class HParam:
    """One hyperparameter: its name, ``DataType``, value and optional discrete domain."""

    name: str
    type: int
    value: struct_pb2.Value
    domain: tuple[struct_pb2.Value, ...] | None = None


def _number(value: Any) -> float:
    """A real number as a float; float16/float32 values as the shortest decimal that rounds to them.

    So ``np.float32(0.1)`` is stored as 0.1, the number the user wrote, not as 0.10000000149011612.
    """
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return float(str(value))
    return float(value)


def _as_python(value: Any, where: str, method: str) -> bool | float | str | None:
    """``value`` as a Python bool, float or str (None for None), by tensorboardX's rules plus numbers of any kind.

    Raises:
        TypeError: naming ``where``, for values that are none of those.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, numbers.Real):  # int, float, numpy integer and floating scalars
        return _number(value)
    if callable(value) and not hasattr(value, "__array__"):  # tensorboardX logs functions and classes by name
        return str(getattr(value, "__name__", value))
    expected = f"must be a bool, str, real number or one-element array (None skips it), got {type(value).__name__}"
    if not hasattr(value, "__array__"):  # lists and other containers are not numbers, even with one element
        raise TypeError(f"{method}: {where} {expected}")
    try:
        array = to_numpy(value, argument=where, method=method, tag="")
    except TypeError as error:
        raise TypeError(f"{method}: {where} {expected}") from error
    if array.size != 1:
        raise TypeError(f"{method}: {where} {expected} of shape {array.shape}")
    item = array.reshape(())[()]
    return bool(item) if isinstance(item, np.bool_) else _number(item)


def _proto_value(value: bool | float | str) -> tuple[int, struct_pb2.Value]:
    if isinstance(value, bool):
        return DATA_TYPE_BOOL, struct_pb2.Value(bool_value=value)
    if isinstance(value, str):
        return DATA_TYPE_STRING, struct_pb2.Value(string_value=value)
    return DATA_TYPE_FLOAT64, struct_pb2.Value(number_value=value)


def hparam(name: str, value: Any, domain: Sequence[Any] | None = None, *, method: str = "add_hparams") -> HParam | None:
    """The :class:`HParam` of ``value``, or None if ``value`` is None (tensorboardX skips those).

    bool (numpy and torch bools too) → BOOL; str → STRING; any real number, 0-d array or one-element
    tensor → FLOAT64 (float32 as its shortest decimal, e.g. 0.1; NaN and ±inf are kept: TensorBoard shows
    them as empty); a function or class → its ``__name__`` as a STRING. ``domain`` lists the values the
    hparam may take (each of the same type).

    Raises:
        TypeError: the value, or a domain value, is of no such type, or the domain mixes types.
        ValueError: the domain is empty.
    """
    where = f"hparam_dict[{name!r}]"
    converted = _as_python(value, where, method)
    if converted is None:
        return None
    data_type, proto = _proto_value(converted)
    if domain is None:
        return HParam(name, data_type, proto)
    where = f"hparam_domain_discrete[{name!r}]"
    if isinstance(domain, (str, bytes, Mapping)) or not isinstance(domain, Sequence):
        raise TypeError(f"{method}: {where} must be a list of values, got {type(domain).__name__}")
    if not domain:
        raise ValueError(f"{method}: {where} is empty")
    values = []
    for index, item in enumerate(domain):
        converted_item = _as_python(item, f"{where}[{index}]", method)
        item_type, item_proto = (None, None) if converted_item is None else _proto_value(converted_item)
        if item_type != data_type:
            raise TypeError(
                f"{method}: {where}[{index}] must be a {_TYPE_NAMES[data_type]} like the hparam's "
                f"value {value!r}, got {item!r}"
            )
        values.append(item_proto)
    return HParam(name, data_type, proto, tuple(values))


def in_domain(param: HParam) -> bool:
    """Whether the value of ``param`` is one of its domain's values (True without a domain)."""
    if param.domain is None:
        return True
    return any(param.value == item for item in param.domain)


def _value(tag: str, data: HParamsPluginData) -> Summary.Value:
    metadata = SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME, content=data.SerializeToString()),
        data_class=DataClass.DATA_CLASS_TENSOR,
    )
    return Summary.Value(tag=tag, metadata=metadata, tensor=NULL_TENSOR)


def experiment(params: Sequence[HParam], metric_tags: Sequence[str], time_created: float) -> Summary.Value:
    """The ``_hparams_/experiment`` value: which hparams (with types and domains) and metrics to show."""
    infos = []
    for param in params:
        info = HParamInfo(name=param.name, type=param.type)
        if param.domain is not None:
            info.domain_discrete.values.extend(param.domain)
        infos.append(info)
    metrics = [MetricInfo(name=MetricName(tag=tag)) for tag in metric_tags]
    content = Experiment(hparam_infos=infos, metric_infos=metrics, time_created_secs=time_created)
    return _value(EXPERIMENT_TAG, HParamsPluginData(version=0, experiment=content))


def session_start(params: Sequence[HParam], start_time: float) -> Summary.Value:
    """The ``_hparams_/session_start_info`` value: this session's hparam values."""
    info = SessionStartInfo(start_time_secs=start_time)
    for param in params:
        info.hparams[param.name].CopyFrom(param.value)
    return _value(SESSION_START_INFO_TAG, HParamsPluginData(version=0, session_start_info=info))


def session_end(end_time: float, status: int = STATUS_SUCCESS) -> Summary.Value:
    """The ``_hparams_/session_end_info`` value (status SUCCESS, as tensorboardX writes)."""
    info = SessionEndInfo(status=status, end_time_secs=end_time)  # type: ignore[arg-type]
    return _value(SESSION_END_INFO_TAG, HParamsPluginData(version=0, session_end_info=info))


def summary(params: Sequence[HParam], metric_tags: Sequence[str], wall_time: float) -> Summary:
    """A ``Summary`` with the experiment, session start and session end values."""
    return Summary(
        value=[
            experiment(params, metric_tags, wall_time),
            session_start(params, wall_time),
            session_end(wall_time),
        ]
    )


def parse(value: Summary.Value) -> HParamsPluginData:
    """The ``HParamsPluginData`` of an hparams value (for readers and tests).

    Raises:
        ValueError: the value does not belong to the hparams plugin.
    """
    if value.metadata.plugin_data.plugin_name != PLUGIN_NAME:
        raise ValueError(f"value {value.tag!r} is not an hparams summary")
    return HParamsPluginData.FromString(value.metadata.plugin_data.content)
