"""One run: the event files of one directory, read incrementally, with their data per tag and kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from google.protobuf.message import DecodeError

from lightboard.proto.summary_pb2 import Summary, SummaryMetadata
from lightboard.reader import points
from lightboard.reader.cursor import Damage, FileCursor, read_ahead
from lightboard.reader.scan import Scanner
from lightboard.reader.series import PREEMPT, Scalars, ScalarSeries, keep_mask
from lightboard.reader.storage import LOCAL, Store, is_event_file

if TYPE_CHECKING:
    from lightboard.alerts.record import Alert

SCALARS = "scalars"
GRAPHS = "graphs"
RUN_GRAPH_TAG = "__run_graph__"
_LEGACY_KINDS = {"simple_value": SCALARS, "histo": "histograms", "image": "images", "audio": "audio"}
_GRAPH_FIELDS = (4, 9)  # Event.graph_def, Event.meta_graph_def

__all__ = ["GRAPHS", "RUN_GRAPH_TAG", "SCALARS", "Run", "is_event_file"]


class Run:
    """The data of one run: a directory's event files (or one given file), read as they grow.

    Tags are grouped by kind, the TensorBoard plugin that owns them (``scalars``, ``histograms``, ``images``,
    ``audio``, ``text``, ``pr_curves``, ``hparams``, ``mesh``, ``custom_scalars``, ``graphs``, a third-party
    plugin's name, or ``tensors`` for tensors no plugin claims). A tag's kind comes from its first metadata.
    """

    def __init__(
        self, name: str, directory: str, restarts: str = PREEMPT, file: str | None = None, store: Store = LOCAL
    ) -> None:
        self.name = name
        self.directory = directory
        """The run's directory: a local path, or a URL for a remote logdir (see :mod:`lightboard.reader.storage`)."""
        self._store = store
        self.damage: list[Damage] = []
        """Problems found in this run's files (what was skipped, where); see :class:`Damage`."""
        self._file = file
        self._restarts = restarts
        self._cursors: dict[str, FileCursor] = {}
        self._scanner = Scanner()
        self._scalars: dict[str, ScalarSeries] = {}
        self._values: dict[str, list[tuple[int, float, bytes, str]]] = {}  # step, wall time, value, file
        self._graphs: list[tuple[int, float, int, bytes]] = []
        self._tags: dict[str, tuple[bool, bytes | None]] = {}
        self._kinds: dict[str, str] = {}
        self._grouped: dict[str, list[str]] | None = None  # tags(), until a refresh reads more
        self._reported: set[tuple[str, int, float]] = set()  # values already listed in damage

    def __repr__(self) -> str:
        return f"Run({self.name!r}, {sum(len(tags) for tags in self.tags().values())} tags)"

    # ---- reading ---------------------------------------------------------------------------------------

    def files(self) -> list[str]:
        """The run's event files, in the order they are read (by name, as TensorBoard)."""
        if self._file is not None:
            return [self._file]
        try:
            return self._store.files(self.directory)
        except OSError:
            return sorted(self._cursors)

    def pending(self) -> int:
        """Bytes appended to the run's files since the last read."""
        return sum(self._cursor(path).pending() for path in self.files())

    def _cursor(self, path: str) -> FileCursor:
        cursor = self._cursors.get(path)
        if cursor is None:
            cursor = self._cursors[path] = FileCursor(path, self._store)
        return cursor

    def refresh(self, progress: Callable[[int], None] | None = None) -> int:
        """Read what was appended since the last refresh (new files included); return the bytes read."""
        consumed = 0
        for cursor in read_ahead(self._store, [self._cursor(path) for path in self.files()]):
            others: list[tuple] = []
            consumed += cursor.read(self._scanner, self.damage, others, progress)
            for tag, step, wall_time, field, payload in others:
                if field == 5:
                    self._values.setdefault(tag, []).append((step, wall_time, payload, cursor.path))
                elif field in _GRAPH_FIELDS or field == 8:
                    self._graphs.append((step, wall_time, field, payload))
        for tag, (steps, walls, values, double) in self._scanner.take().items():
            series = self._scalars.get(tag)
            if series is None:
                series = self._scalars[tag] = ScalarSeries(self._restarts)
            series.append(steps, walls, values, double)
        if consumed:
            self._tags = self._scanner.tags()
            self._grouped = None
        return consumed

    # ---- tags and kinds ------------------------------------------------------------------------------

    def kind(self, tag: str) -> str:
        """The kind (plugin name) of ``tag``. Raises KeyError for a tag the run does not have."""
        kind = self._kinds.get(tag)
        if kind is None:
            if tag == RUN_GRAPH_TAG and self.graphs():
                return GRAPHS
            if tag not in self._tags:
                raise KeyError(f"run {self.name!r} has no tag {tag!r}")
            kind = self._kinds[tag] = self._kind_of(tag)
        return kind

    def _kind_of(self, tag: str) -> str:
        is_scalar, metadata = self._tags[tag]
        if is_scalar:
            return SCALARS
        if metadata:
            try:
                name = SummaryMetadata.FromString(metadata).plugin_data.plugin_name
            except DecodeError:
                name = ""
            if name:
                return name
        values = self._values.get(tag)
        if values:
            try:
                which = Summary.Value.FromString(values[0][2]).WhichOneof("value")
            except DecodeError:
                which = None
            return _LEGACY_KINDS.get(which or "", "tensors")
        return "tensors"

    def tags(self) -> dict[str, list[str]]:
        """``{kind: [tags]}``, tags sorted (a new dict each call: the caller may change it)."""
        if self._grouped is None:
            grouped: dict[str, list[str]] = {}
            for tag in sorted(self._tags):
                grouped.setdefault(self.kind(tag), []).append(tag)
            if self.graphs():
                grouped.setdefault(GRAPHS, []).append(RUN_GRAPH_TAG)
            self._grouped = grouped
        return {kind: list(tags) for kind, tags in self._grouped.items()}

    def metadata(self, tag: str) -> SummaryMetadata:
        """The first ``SummaryMetadata`` written for ``tag`` (empty when none was)."""
        self.kind(tag)
        raw = self._tags[tag][1]
        try:
            return SummaryMetadata.FromString(raw or b"")
        except DecodeError:
            return SummaryMetadata()

    # ---- data --------------------------------------------------------------------------------------------

    def scalars(self, tag: str) -> Scalars:
        """The scalar series of ``tag``: numpy arrays ``step``, ``wall_time``, ``value``."""
        self._expect(tag, SCALARS)
        series = self._scalars.get(tag)
        if series is None:
            series = self._scalars[tag] = ScalarSeries(self._restarts)
        return series.get()

    def scalar_tags(self) -> list[str]:
        """The run's scalar tags, sorted."""
        return self.tags().get(SCALARS, [])

    def steps(self, tag: str) -> np.ndarray:
        """The steps of ``tag``'s points, of any kind, without decoding them (preempted by default)."""
        if self.kind(tag) == SCALARS:
            return self.scalars(tag).step
        items = self.graphs() if tag == RUN_GRAPH_TAG else self._preempted(self._values.get(tag, []))
        return np.fromiter((item[0] for item in items), dtype=np.int64, count=len(items))

    def values(self, tag: str) -> list[tuple[int, float, Summary.Value]]:
        """``(step, wall_time, Summary.Value)`` of every non-scalar value of ``tag`` (preempted by default).

        A value that does not parse is left out and listed once in :attr:`damage`.
        """
        self.kind(tag)
        decoded = []
        for step, wall_time, payload, path in self._preempted(self._values.get(tag, [])):
            try:
                decoded.append((step, wall_time, Summary.Value.FromString(payload)))
            except DecodeError as error:
                self._report(path, tag, step, wall_time, f"undecodable value of {tag!r} at step {step}: {error}")
        return decoded

    def _report(self, path: str, tag: str, step: int, wall_time: float, problem: str) -> None:
        if (tag, step, wall_time) not in self._reported:
            self._reported.add((tag, step, wall_time))
            self.damage.append(Damage(path, -1, problem))

    def _preempted(self, items: list[tuple]) -> list[tuple]:
        if self._restarts != PREEMPT or len(items) < 2:
            return items
        keep = keep_mask(np.fromiter((item[0] for item in items), dtype=np.int64, count=len(items)))
        return items if keep is None else [item for item, kept in zip(items, keep, strict=True) if kept]

    def _points(self, tag: str, kind: str | None, decode: Callable[[int, float, Summary.Value], list]) -> list:
        if kind is not None:
            self._expect(tag, kind)
        result: list[Any] = []
        for step, wall_time, value in self.values(tag):
            try:
                result.extend(decode(step, wall_time, value))
            except ValueError as error:
                self._report(self.directory, tag, step, wall_time, f"undecodable value: {error}")
        return result

    def _expect(self, tag: str, kind: str) -> None:
        actual = self.kind(tag)
        if actual != kind:
            raise ValueError(f"tag {tag!r} of run {self.name!r} holds {actual}, not {kind}")

    def histograms(self, tag: str) -> list[points.Histogram]:
        """The histograms of ``tag`` (legacy ``histo`` values migrated as TensorBoard does)."""
        return self._points(tag, "histograms", points.histograms)

    def images(self, tag: str) -> list[points.Image]:
        """The images of ``tag`` (encoded; :meth:`Image.to_array` decodes one)."""
        return self._points(tag, "images", points.images)

    def audio(self, tag: str) -> list[points.Audio]:
        """The audio clips of ``tag`` (encoded WAV; :meth:`Audio.to_array` decodes one)."""
        return self._points(tag, "audio", points.audios)

    def text(self, tag: str) -> list[points.Text]:
        """The text values of ``tag``."""
        return self._points(tag, "text", points.texts)

    def pr_curves(self, tag: str) -> list[points.PrCurve]:
        """The PR curves of ``tag``."""
        return self._points(tag, "pr_curves", points.pr_curves)

    def tensors(self, tag: str) -> list[points.Tensor]:
        """The values of any tensor tag (meshes, third-party plugins, untagged tensors) as arrays."""
        return self._points(tag, None, points.tensors)

    def alerts(self) -> list[Alert]:
        """The alerts lightboard writers recorded in this run (text under ``lightboard/alerts``), in file order.

        Every one is kept, whatever ``restarts`` says; a value that is not an alert record is skipped.
        """
        from lightboard.alerts.record import ALERT_TAG, from_markdown
        from lightboard.summaries.text import text_of

        found = []
        for step, wall_time, payload, _ in self._values.get(ALERT_TAG, []):
            try:
                text = text_of(Summary.Value.FromString(payload))
            except (DecodeError, ValueError):
                continue
            alert = from_markdown(text, self.name, step, wall_time) if isinstance(text, str) else None
            if alert is not None:
                found.append(alert)
        return found

    def graphs(self) -> list[tuple[int, float, bytes]]:
        """``(step, wall_time, serialized GraphDef or MetaGraphDef)`` of the run's graph events."""
        return [(step, wall, payload) for step, wall, field, payload in self._graphs if field in _GRAPH_FIELDS]

    def run_metadata(self) -> list[tuple[int, float, bytes]]:
        """``(step, wall_time, serialized TaggedRunMetadata)`` of the run's run-metadata events."""
        return [(step, wall, payload) for step, wall, field, payload in self._graphs if field == 8]
