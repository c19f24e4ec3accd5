"""A logdir: its runs (every directory directly holding an event file), discovered and read incrementally."""

from __future__ import annotations

import concurrent.futures
import os
import threading
from collections.abc import Callable, Iterator

from lightboard.reader import frames
from lightboard.reader.cursor import Damage
from lightboard.reader.run import Run, is_event_file
from lightboard.reader.series import RESTART_POLICIES, Scalars

Progress = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``, called as a read goes."""


def discover(logdir: str) -> dict[str, str]:
    """``{run name: directory}`` for every directory under ``logdir`` that directly holds an event file.

    Run names are paths relative to ``logdir`` with ``/`` separators, ``"."`` for ``logdir`` itself (as in
    TensorBoard). Symbolic links are followed once (a link cycle is not walked twice).
    """
    runs: dict[str, str] = {}
    seen: set[str] = set()
    for directory, subdirectories, names in os.walk(logdir, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:
            subdirectories[:] = []
            continue
        seen.add(real)
        subdirectories.sort()
        if any(is_event_file(name) for name in names):
            name = os.path.relpath(directory, logdir).replace(os.sep, "/")
            runs[name] = directory
    return dict(sorted(runs.items()))


class Logdir:
    """Every run of a logdir, a run directory or one event file; see :func:`lightboard.read`."""

    def __init__(self, path: str | os.PathLike[str], restarts: str = "preempt") -> None:
        if restarts not in RESTART_POLICIES:
            raise ValueError(f"restarts must be one of {RESTART_POLICIES}, got {restarts!r}")
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"no such logdir or event file: {self.path!r}")
        self.restarts = restarts
        self._runs: dict[str, Run] = {}

    def __repr__(self) -> str:
        return f"Logdir({self.path!r}, {len(self._runs)} runs)"

    def refresh(self, progress: Progress | None = None, threads: int = 1) -> int:
        """Read what was written since the last refresh: new bytes, new files, new runs. Returns bytes read.

        A partial record at the end of a file (a writer mid-write) is left for the next refresh. With
        ``threads`` > 1, that many runs are read at once (the compiled scan lets the GIL go): faster on a
        logdir of many runs, for a few MB more memory per thread (the C library's per-thread heaps).
        """
        if os.path.isfile(self.path):
            if "." not in self._runs:
                self._runs["."] = Run(".", os.path.dirname(self.path), self.restarts, file=self.path)
        else:
            for name, directory in discover(self.path).items():
                if name not in self._runs:
                    self._runs[name] = Run(name, directory, self.restarts)
            self._runs = dict(sorted(self._runs.items()))
        report = None
        if progress is not None:
            total = sum(run.pending() for run in self._runs.values())
            done = 0
            lock = threading.Lock()
            progress(0, total)

            def report(consumed: int) -> None:
                nonlocal done
                with lock:
                    done += consumed
                    progress(done, max(total, done))

        runs = list(self._runs.values())
        threads = min(threads, len(runs))
        if threads < 2:
            return sum(run.refresh(report) for run in runs)
        with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="lightboard-read") as pool:
            return sum(pool.map(lambda run: run.refresh(report), runs))

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

    @property
    def damage(self) -> list[Damage]:
        """Every problem found in the logdir's files so far (what was skipped and where)."""
        return [problem for run in self._runs.values() for problem in run.damage]

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
    path: str | os.PathLike[str], restarts: str = "preempt", progress: Progress | None = None, threads: int = 1
) -> Logdir:
    """Read a logdir, a run directory or one event file, written by any TensorBoard writer.

    Returns a :class:`Logdir` listing runs and, per run, tags by kind, with the data as numpy arrays and
    DataFrames. Call :meth:`Logdir.refresh` later to read only what was appended since (live training).

    Args:
        path: a directory (every directory under it directly holding ``*tfevents*`` files is a run) or
            an event file.
        restarts: ``"preempt"`` (default, as TensorBoard's data server): a point at step ``s`` drops the
            earlier-read points of its tag with step ``>= s``, so a resumed run shows the new points only;
            ``"keep"``: every point as written, in file order.
        progress: called as ``progress(bytes_done, bytes_total)`` while reading.
        threads: how many runs to read at once (see :meth:`Logdir.refresh`); e.g. ``os.cpu_count()``.

    Damaged files never raise: a record with a bad payload checksum is skipped, a bad length checksum ends
    that file, and each is listed in :attr:`Logdir.damage`.
    """
    logdir = Logdir(path, restarts)
    logdir.refresh(progress, threads)
    return logdir
