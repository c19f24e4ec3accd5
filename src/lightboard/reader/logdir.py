"""A logdir: its runs (every directory directly holding an event file), discovered and read incrementally."""

from __future__ import annotations

import concurrent.futures
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from lightboard.reader import frames, ranks
from lightboard.reader.cursor import Damage
from lightboard.reader.run import Run
from lightboard.reader.series import RESTART_POLICIES, Scalars
from lightboard.reader.storage import LOCAL, store_for

if TYPE_CHECKING:
    from lightboard.alerts.record import Alert

Progress = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``, called as a read goes."""


def discover(logdir: str) -> dict[str, str]:
    """``{run name: directory}`` for every directory under ``logdir`` that directly holds an event file.

    Run names are paths relative to ``logdir`` with ``/`` separators, ``"."`` for ``logdir`` itself (as in
    TensorBoard). Symbolic links are followed once (a link cycle is not walked twice). ``logdir`` may be an
    fsspec URL (``s3://bucket/exp``): the directories are then URLs too.
    """
    store, root = store_for(os.fspath(logdir))
    return store.discover(root)


class Logdir:
    """Every run of a logdir, a run directory or one event file, local or at an fsspec URL; see :func:`read`."""

    def __init__(
        self, path: str | os.PathLike[str], restarts: str = "preempt", storage_options: dict[str, Any] | None = None
    ) -> None:
        if restarts not in RESTART_POLICIES:
            raise ValueError(f"restarts must be one of {RESTART_POLICIES}, got {restarts!r}")
        self._store, self.path = store_for(os.fspath(path), storage_options)
        if not self._store.exists(self.path):
            raise FileNotFoundError(f"no such logdir or event file: {self.path!r}")
        self.restarts = restarts
        self._runs: dict[str, Run] = {}

    def __repr__(self) -> str:
        return f"Logdir({self.path!r}, {len(self._runs)} runs)"

    def refresh(self, progress: Progress | None = None, threads: int = 1, runs: Iterable[str] | None = None) -> int:
        """Read what was written since the last refresh: new bytes, new files, new runs. Returns bytes read.

        A partial record at the end of a file (a writer mid-write) is left for the next refresh. With
        ``threads`` > 1, that many runs are read at once (the compiled scan lets the GIL go): faster on a
        logdir of many runs, for a few MB more memory per thread (the C library's per-thread heaps); for a
        remote logdir, that many runs' requests are in flight at once.

        A remote logdir (an fsspec URL) is listed once per refresh; only files whose listed size grew are
        fetched, with ranged reads of their new bytes.

        With ``runs``, every run is listed but only those named are read (a reader that shows a big logdir while
        it reads it, a part at a time).
        """
        for name, (directory, file) in self._store.runs(self.path).items():
            if name not in self._runs:
                self._runs[name] = Run(name, directory, self.restarts, file=file, store=self._store)
        self._runs = dict(sorted(self._runs.items()))
        chosen = list(self._runs.values()) if runs is None else [self.run(name) for name in runs]
        report = None
        if progress is not None:
            total = sum(run.pending() for run in chosen)
            done = 0
            lock = threading.Lock()
            progress(0, total)

            def report(consumed: int) -> None:
                nonlocal done
                with lock:
                    done += consumed
                    progress(done, max(total, done))

        threads = min(threads, len(chosen))
        if threads < 2:
            return sum(run.refresh(report) for run in chosen)
        with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="lightboard-read") as pool:
            return sum(pool.map(lambda run: run.refresh(report), chosen))

    @property
    def local(self) -> bool:
        """Whether the logdir is on this machine's file system (not at an fsspec URL)."""
        return self._store is LOCAL

    @property
    def runs(self) -> list[str]:
        """Run names, sorted."""
        return list(self._runs)

    def run(self, name: str) -> Run:
        """The run called ``name``. Raises KeyError naming the runs there are."""
        try:
            return self._runs[name]
        except KeyError:
            raise KeyError(f"no run {name!r} in {self.path!r}; runs: {self.runs}") from None

    __getitem__ = run

    def __iter__(self) -> Iterator[Run]:
        return iter(self._runs.values())

    def __len__(self) -> int:
        return len(self._runs)

    def tags(self) -> dict[str, dict[str, list[str]]]:
        """``{run: {kind: [tags]}}``."""
        return {name: run.tags() for name, run in self._runs.items()}

    def scalars(self, run: str, tag: str) -> Scalars:
        """The scalar series ``(step, wall_time, value)`` of one (run, tag)."""
        return self.run(run).scalars(tag)

    def ranks(self, run: str) -> dict[int, Run]:
        """The per-rank streams of ``run`` (``SummaryWriter(ranks="all")`` wrote ``<run>/rank-NNNNN``), by rank.

        Raises KeyError naming the runs that have rank streams when ``run`` has none.
        """
        groups = ranks.group(self.runs)
        if run not in groups:
            raise KeyError(f"run {run!r} has no rank streams; runs with some: {list(groups)}")
        return {rank: self._runs[name] for rank, name in groups[run].items()}

    def aggregate(self, run: str, tag: str, how: str = "mean") -> tuple[Scalars, np.ndarray]:
        """``tag`` across the rank streams of ``run``, step by step: ``(Scalars, ranks per step)`` with the
        ranks' ``how`` (``"mean"``, ``"min"`` or ``"max"``) at each step; see :func:`ranks.aggregate`."""
        streams = self.ranks(run)
        return ranks.aggregate({rank: stream.scalars(tag) for rank, stream in streams.items()}, how)

    @property
    def damage(self) -> list[Damage]:
        """Every problem found in the logdir's files so far (what was skipped and where)."""
        return [problem for run in self._runs.values() for problem in run.damage]

    def alerts(self, runs: str | None = None) -> list[Alert]:
        """The alerts lightboard writers recorded in the runs (matching the regular expression ``runs``), by time.

        Each is a :class:`lightboard.alerts.Alert`: run, tag, step, wall_time, rule, value, message (and the
        stacks of a stall). :func:`lightboard.alerts.check` adds what rules find in any writer's scalars.
        """
        pattern = re.compile(runs) if runs else None
        chosen = (run for name, run in self._runs.items() if not pattern or pattern.search(name))
        found = [alert for run in chosen for alert in run.alerts()]
        return sorted(found, key=lambda alert: alert.wall_time)

    def scalars_frame(self, runs: str | None = None, tags: str | None = None, pivot: bool = False):
        """Scalars as a tidy pandas DataFrame ``run, tag, step, wall_time, value`` (needs pandas).

        ``runs`` / ``tags`` are regular expressions that must match somewhere in the name (``re.search``).
        ``pivot=True`` gives one row per (run, step) and one column per tag instead.
        """
        return frames.scalars_frame(self, runs, tags, pivot)

    def scalars_arrow(self, runs: str | None = None, tags: str | None = None):
        """Scalars as a pyarrow Table with the columns of :meth:`scalars_frame` (needs pyarrow)."""
        return frames.scalars_arrow(self, runs, tags)

    def scalars_polars(self, runs: str | None = None, tags: str | None = None):
        """Scalars as a polars DataFrame with the columns of :meth:`scalars_frame` (needs polars)."""
        return frames.scalars_polars(self, runs, tags)

    def hparams(self):
        """One row per run that logged hyperparameters: the hparams, then the last value of each scalar tag."""
        return frames.hparams_frame(self)


def read(
    path: str | os.PathLike[str],
    restarts: str = "preempt",
    progress: Progress | None = None,
    threads: int = 1,
    storage_options: dict[str, Any] | None = None,
) -> Logdir:
    """Read a logdir, a run directory or one event file, written by any TensorBoard writer.

    Returns a :class:`Logdir` listing runs and, per run, tags by kind, with the data as numpy arrays and
    DataFrames. Call :meth:`Logdir.refresh` later to read only what was appended since (live training).

    Args:
        path: a directory (every directory under it directly holding ``*tfevents*`` files is a run) or
            an event file; local, or an fsspec URL such as ``s3://bucket/exp``, ``gs://...``, ``memory://...``
            (needs ``pip install 'lightboard[cloud]'``, plus the protocol's package, e.g. the ``s3`` extra).
            Paths the reader hands back (:meth:`Run.files`, :class:`Damage`) are then full URLs.
        restarts: ``"preempt"`` (default, as TensorBoard's data server): a point at step ``s`` drops the
            earlier-read points of its tag with step ``>= s``, so a resumed run shows the new points only;
            ``"keep"``: every point as written, in file order.
        progress: called as ``progress(bytes_done, bytes_total)`` while reading.
        threads: how many runs to read at once (see :meth:`Logdir.refresh`); e.g. ``os.cpu_count()``.
        storage_options: for a URL, passed to fsspec (credentials, ``endpoint_url``, ...), as the writer's;
            else fsspec's own configuration applies (e.g. ``FSSPEC_S3_ENDPOINT_URL``, botocore's variables).

    Damaged files never raise: a record with a bad payload checksum is skipped, a bad length checksum ends
    that file, and each is listed in :attr:`Logdir.damage`.
    """
    logdir = Logdir(path, restarts, storage_options)
    logdir.refresh(progress, threads)
    return logdir
