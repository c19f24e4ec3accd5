"""An alert, and how a run stores it: a text summary under :data:`ALERT_TAG` that TensorBoard's text
dashboard renders (a Markdown headline, the stacks of a stall in a code block) and that ends with a JSON
code block the reader parses back.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NamedTuple

ALERT_TAG = "lightboard/alerts"
"""The reserved tag of the alerts a writer records in its run (a text summary)."""
_JSON_BLOCK = re.compile(r"```json\n(\{.*\})\n```\s*\Z", re.DOTALL)
_STACK_BLOCK = re.compile(r"````text\n(.*?)\n````", re.DOTALL)
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class Alert(NamedTuple):
    """Something wrong with a run.

    Attributes:
        run: the run: a writer's directory when the writer raised it, the run's name in a logdir when read.
        tag: the series concerned; ``""`` for a stall.
        step: the step of the value that fired (a stall: the last step logged).
        wall_time: when it fired, in seconds since the epoch.
        rule: the rule's name: ``nan``, ``threshold``, ``diverged``, ``plateau`` or ``stalled``.
        value: the value that fired (a stall: the seconds without logging).
        message: one line saying what happened.
        stack: for a stall seen by the writer, every thread's Python stack (``faulthandler``'s format).
    """

    run: str
    tag: str
    step: int
    wall_time: float
    rule: str
    value: float
    message: str
    stack: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (non-finite floats as ``"NaN"``, ``"Infinity"``, ``"-Infinity"``)."""
        fields = self._asdict()
        fields["value"] = _json_float(self.value)
        if not self.stack:
            del fields["stack"]
        return fields

    def line(self) -> str:
        """One line for a terminal: rule, run, tag, step and message."""
        where = f"{self.run} {self.tag}".rstrip()
        return f"{self.rule}: {where} at step {self.step}: {self.message}"

    def environment(self) -> dict[str, str]:
        """The ``LIGHTBOARD_*`` variables a shell command action receives."""
        return {
            "LIGHTBOARD_RUN": self.run,
            "LIGHTBOARD_TAG": self.tag,
            "LIGHTBOARD_STEP": str(self.step),
            "LIGHTBOARD_VALUE": repr(float(self.value)),
            "LIGHTBOARD_RULE": self.rule,
            "LIGHTBOARD_MESSAGE": self.message,
            "LIGHTBOARD_WALL_TIME": repr(self.wall_time),
        }


def _json_float(value: float) -> float | str:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def to_markdown(alert: Alert) -> str:
    """The text stored for ``alert``: what TensorBoard shows, then the fields as a JSON code block."""
    subject = f"`{alert.tag}` " if alert.tag else ""
    head = f"**lightboard alert: {alert.rule}** {subject}at step {alert.step}: {alert.message}"
    fields = alert.as_dict()
    fields.pop("run")
    fields.pop("stack", None)
    parts = [head]
    if alert.stack:
        parts.append("````text\n" + alert.stack.rstrip("\n").replace("````", "'''") + "\n````")
    parts.append("```json\n" + json.dumps(fields, sort_keys=True) + "\n```")
    return "\n\n".join(parts)


def from_markdown(text: str, run: str, step: int, wall_time: float) -> Alert | None:
    """The alert stored as ``text`` (see :func:`to_markdown`) in ``run``, or None if it is not one.

    ``step`` and ``wall_time`` are the event's, used when the JSON lacks them.
    """
    found = _JSON_BLOCK.search(text)
    if found is None:
        return None
    try:
        fields = json.loads(found.group(1))
        value = fields.get("value", math.nan)
        stack = _STACK_BLOCK.search(text)
        return Alert(
            run=run,
            tag=str(fields.get("tag", "")),
            step=int(fields.get("step", step)),
            wall_time=float(fields.get("wall_time", wall_time)),
            rule=str(fields["rule"]),
            value=_NON_FINITE[value] if isinstance(value, str) else float(value),
            message=str(fields.get("message", "")),
            stack=stack.group(1) if stack else "",
        )
    except (ValueError, KeyError, TypeError):
        return None


def in_run(alert: Alert, run: str) -> Alert:
    """``alert`` attributed to ``run``."""
    return alert._replace(run=run)


def event(alert: Alert, step: int | None = None) -> bytes:
    """A serialized ``Event`` holding ``alert`` as a text summary under :data:`ALERT_TAG`, at ``step`` (default:
    the alert's; the alert's own step is in the text either way). Written as tensorboardX writes ``add_text``,
    from protobuf classes only (no numpy: a stall's watchdog must not import anything heavy)."""
    from lightboard.proto.event_pb2 import Event
    from lightboard.proto.plugins_pb2 import TextPluginData
    from lightboard.proto.summary_pb2 import DataClass, Summary, SummaryMetadata
    from lightboard.proto.tensor_pb2 import TensorProto
    from lightboard.proto.tensor_shape_pb2 import TensorShapeProto
    from lightboard.proto.types_pb2 import DT_STRING

    plugin = SummaryMetadata.PluginData(plugin_name="text", content=TextPluginData(version=0).SerializeToString())
    metadata = SummaryMetadata(plugin_data=plugin, data_class=DataClass.DATA_CLASS_TENSOR)
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)])
    tensor = TensorProto(dtype=DT_STRING, tensor_shape=shape, string_val=[to_markdown(alert).encode("utf-8")])
    summary = Summary(value=[Summary.Value(tag=ALERT_TAG, metadata=metadata, tensor=tensor)])
    return Event(
        wall_time=alert.wall_time, step=alert.step if step is None else step, summary=summary
    ).SerializeToString()
