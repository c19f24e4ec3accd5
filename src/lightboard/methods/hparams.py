"""``SummaryWriter`` methods for hparams (see :mod:`lightboard.methods`)."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lightboard.file_writer import DummyFileWriter, EventDefaults, FileWriter

_RUNS_ATTRIBUTE = "_lightboard_hparams_runs"
"""Instance attribute: the run directories this writer wrote hparams into (TensorBoard reads one per run)."""


class HparamsMethods:
    """hparams methods of :class:`lightboard.SummaryWriter`."""

    if TYPE_CHECKING:
        logdir: str
        _defaults: EventDefaults

        def _get_file_writer(self) -> FileWriter | DummyFileWriter: ...
        def _sub_writer(self, logdir: str) -> FileWriter | DummyFileWriter: ...
        def _release_sub_writer(self, logdir: str) -> None: ...
        def _queue(self, writer: FileWriter | DummyFileWriter, event: Any) -> None: ...

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        name: str | None = None,
        global_step: int | None = None,
        *,
        hparam_domain_discrete: Mapping[str, Sequence[Any]] | None = None,
        run_name: str | None = None,
        same_run: bool = False,
    ) -> None:
        """Log one training session's hyperparameters and final metrics for TensorBoard's HPARAMS tab.

        As in tensorboardX, the session is a new run ``<logdir>/<name>`` (default: ``str(time.time())``)
        holding the experiment, session-start and session-end summaries, and each metric as an ordinary
        scalar (tag cleaned like :meth:`add_scalar`'s) at ``global_step``. Nothing is written with
        ``write_to_disk=False``, and the session's run is written, synced and closed at once.

        Args:
            hparam_dict: hparam name → value. Accepted: bool (numpy and torch bools too), str, any real number
                (int, float, numpy scalars, 0-d arrays, one-element tensors; stored as float64), a function or
                class (stored as its ``__name__``); None skips the hparam.
            metric_dict: metric tag → one number (Python, numpy or tensor). Use tags that you do not log
                with ``add_scalar`` into this run (e.g. ``hparam/accuracy``): the HPARAMS tab shows the last
                value of the tag in the session's run.
            name: the session run's name, relative to this writer's ``logdir``.
            global_step: step of every value written (default 0, or the ``use_metadata`` step).
            hparam_domain_discrete: hparam name → every value it may take, each of the hparam's type
                (``torch.utils.tensorboard``'s keyword); the tab offers them as filter checkboxes.
            run_name: ``torch.utils.tensorboard``'s spelling of ``name``.
            same_run: write into this writer's own run instead of a new one (``name`` must then be None).
                TensorBoard reads one session per run: call it once per run.

        Raises:
            TypeError: a dict is not a mapping, a key is not a str, or a value is of no accepted type.
            ValueError: ``name`` and ``run_name`` disagree, ``same_run`` with a name, a domain for an
                unknown hparam or an empty domain, a metric with other than one element, or two metric tags
                that clean to the same tag.
        """
        from lightboard.proto.event_pb2 import Event
        from lightboard.summaries import hparams, scalar
        from lightboard.summaries.tags import check_tag, clean_tag
        from lightboard.tensor import to_float

        method = "add_hparams"
        for argument, mapping in (("hparam_dict", hparam_dict), ("metric_dict", metric_dict)):
            if not isinstance(mapping, Mapping):
                raise TypeError(f"{method}: {argument} must be a mapping (e.g. a dict), got {type(mapping).__name__}")
        run = _run_name(name, run_name, same_run, method)
        domains = _domains(hparam_domain_discrete, hparam_dict, method)
        params = []
        for key, value in hparam_dict.items():
            if not isinstance(key, str):
                raise TypeError(f"{method}: hparam_dict keys must be str, got {type(key).__name__} {key!r}")
            param = hparams.hparam(key, value, domains.get(key), method=method)
            if param is None:
                continue
            if not hparams.in_domain(param):
                warnings.warn(
                    f"{method}: hparam_dict[{key!r}] = {value!r} is not in hparam_domain_discrete[{key!r}]",
                    stacklevel=2,
                )
            params.append(param)
        metrics: dict[str, float] = {}
        for key, value in metric_dict.items():
            tag = clean_tag(check_tag(key, method))
            if tag in metrics:
                raise ValueError(f"{method}: metric_dict tags {key!r} and another both become the tag {tag!r}")
            metrics[tag] = to_float(value, argument=f"metric_dict[{key!r}]", method=method, tag=key)

        writer = self._hparams_writer(run)
        step, wall = self._defaults.step_and_time(global_step, None)
        summary = hparams.summary(params, list(metrics), wall)
        self._queue(writer, Event(wall_time=wall, step=step, summary=summary).SerializeToString())
        for tag, number in metrics.items():
            self._queue(writer, (scalar.encode_event, wall, step, scalar.event_prefix(tag), number))
        if writer is self._get_file_writer():
            writer.flush()
        else:  # tensorboardX closes the session's writer: its data shows at once, and no file stays open
            self._release_sub_writer(writer.get_logdir())

    def _hparams_writer(self, name: str | None) -> FileWriter | DummyFileWriter:
        """The writer of the session run: ``<logdir>/<name>``, a new ``<logdir>/<time>``, or the own run (None)."""
        runs: set[str] = self.__dict__.setdefault(_RUNS_ATTRIBUTE, set())
        base = self._get_file_writer().get_logdir()
        if name is None:
            path = base
        elif name:
            path = os.path.join(base, name)
        else:
            path = os.path.join(base, str(time.time()))
            while path in runs:  # two calls within the clock's resolution
                path = os.path.join(base, str(time.time()))
        if os.path.normpath(path) == os.path.normpath(base):
            path = base
        if path in runs:
            warnings.warn(
                f"add_hparams: run {path!r} already holds hparams from this writer; TensorBoard shows only "
                "the first set of a run (pass another name)",
                stacklevel=3,
            )
        runs.add(path)
        return self._get_file_writer() if path == base else self._sub_writer(path)


def _run_name(name: Any, run_name: Any, same_run: bool, method: str) -> str | None:
    """The session run's name ("" for a generated one), or None for the writer's own run."""
    for argument, value in (("name", name), ("run_name", run_name)):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise TypeError(
                f"{method}: {argument} must be a str, got {type(value).__name__}"
                + (" (pass hparam_domain_discrete by keyword)" if isinstance(value, Mapping) else "")
            )
    name = os.fspath(name) if name else None
    run_name = os.fspath(run_name) if run_name else None
    if name and run_name and name != run_name:
        raise ValueError(f"{method}: name={name!r} and run_name={run_name!r} disagree (run_name is an alias)")
    chosen = name or run_name
    if same_run:
        if chosen:
            raise ValueError(f"{method}: same_run=True writes into the writer's own run; do not pass a name")
        return None
    return chosen or ""


def _domains(domains: Any, hparam_dict: Mapping[str, Any], method: str) -> Mapping[str, Any]:
    """``hparam_domain_discrete`` checked to name only hparams of ``hparam_dict``."""
    if domains is None:
        return {}
    if not isinstance(domains, Mapping):
        raise TypeError(
            f"{method}: hparam_domain_discrete must be a mapping of hparam name to values, got {type(domains).__name__}"
        )
    for key in domains:
        if key not in hparam_dict:
            raise ValueError(f"{method}: hparam_domain_discrete names {key!r}, which is not in hparam_dict")
    return domains
