"""Where a logdir's files live: local disk (:class:`LocalStore`) or any fsspec URL (:class:`FsspecStore`).

A store finds the runs under a root, lists a run's event files, gives a file's size and opens it for ranged
reads (a :class:`Source`). :func:`store_for` picks the store once per logdir from its path: a URL
(``s3://bucket/exp``, ``gs://...``, ``memory://...``, any fsspec protocol) goes to fsspec, imported only then
(the ``cloud`` extra); a plain path or a ``file://`` URL stays on the local disk.

Remote stores see a logdir through one recursive listing per :meth:`FsspecStore.runs` (for object stores one
prefix listing, a request per 1,000 keys; opening a logdir and its first read share one), which also gives
every file's size: reading a file whose size has
not changed since the last read costs no request, and new bytes are fetched with ranged reads, many files'
at once (:meth:`FsspecStore.prefetch`). On S3 the reader's client keeps up to :data:`S3_CONNECTIONS`
connections (s3fs's default is 10): a run of 1,000 segments is fetched 64 requests at a time.
"""

from __future__ import annotations

import os
import time
from typing import Any, Protocol

from lightboard.urls import filesystem, is_url, local_path

S3_CONNECTIONS = 64
"""Connections the reader's S3 client keeps (``max_pool_connections``), unless ``storage_options`` set them."""
LISTING_REUSE_S = 1.0
"""How long the listing :meth:`FsspecStore.exists` made serves the next :meth:`FsspecStore.runs` of that path."""


def is_event_file(name: str) -> bool:
    """Whether a file name is an event file's (TensorBoard's rule: it contains ``tfevents``)."""
    return "tfevents" in name


class Source(Protocol):
    """One file opened for reading: ``with store.open(path) as source: source.read(offset, length)``."""

    def __enter__(self) -> Source: ...

    def __exit__(self, *exc: object) -> None: ...

    def size(self) -> int:
        """The file's size in bytes (for a remote file: as last listed)."""
        ...

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset`` (fewer at the end of the file)."""
        ...


class Store(Protocol):
    """The file operations the reader needs; paths are the store's own (local paths or full URLs)."""

    remote: bool
    """Whether reads are requests (read in larger blocks)."""

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a directory (a prefix, in an object store) or a file."""
        ...

    def runs(self, root: str) -> dict[str, tuple[str, str | None]]:
        """``{run name: (directory, the one file to read or None for all its event files)}``, sorted by name.

        ``root`` is a logdir or one event file (run ``"."`` reading just that file). A remote store lists
        ``root`` afresh here; :meth:`files` and :meth:`size` answer from that listing until the next call.
        """
        ...

    def discover(self, root: str) -> dict[str, str]:
        """``{run name: directory}`` for every directory under ``root`` directly holding an event file."""
        ...

    def files(self, directory: str) -> list[str]:
        """The event files of ``directory``, sorted by name. Raises OSError when it cannot be listed."""
        ...

    def size(self, path: str) -> int:
        """The size of a file. Raises OSError (FileNotFoundError) when it is gone."""
        ...

    def open(self, path: str) -> Source:
        """``path`` opened for reading. Raises OSError when it is gone or unreadable."""
        ...

    def prefetch(self, ranges: list[tuple[str, int, int]]) -> None:
        """Fetch ``(path, start, end)`` byte ranges at once, for the reads of the next :meth:`open` of each path.

        A remote store asks for them concurrently (one round trip for many segments instead of one each); a
        range that fails is simply read again, and its error met, by the read that wanted it.
        """
        ...


def store_for(path: str, storage_options: dict[str, Any] | None = None) -> tuple[Store, str]:
    """The store that holds ``path``, and ``path`` as that store names it (a ``file://`` URL as a local path).

    ``storage_options`` go to fsspec for a URL (credentials, ``endpoint_url``, ...); a local path ignores them.
    Raises ImportError naming the lightboard extra to install when fsspec (or the protocol's own package,
    e.g. s3fs) is missing.
    """
    if not is_url(path):
        return LOCAL, local_path(path)
    return FsspecStore(path, storage_options), path


class LocalFile:
    """A local file opened for reading."""

    __slots__ = ("_file",)

    def __init__(self, path: str) -> None:
        self._file = open(path, "rb")  # closed by __exit__

    def __enter__(self) -> LocalFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def size(self) -> int:
        """The file's size now."""
        return os.fstat(self._file.fileno()).st_size

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset``: only what the file holds (a small file, a small buffer)."""
        self._file.seek(offset)
        return self._file.read(length)


class LocalStore:
    """Files on the local disk."""

    remote = False

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        return os.path.exists(path)

    def runs(self, root: str) -> dict[str, tuple[str, str | None]]:
        """See :meth:`Store.runs`."""
        if os.path.isfile(root):
            return {".": (os.path.dirname(root), root)}
        return {name: (directory, None) for name, directory in self.discover(root).items()}

    def discover(self, root: str) -> dict[str, str]:
        """See :meth:`Store.discover`; symbolic links are followed once (a link cycle is not walked twice)."""
        runs: dict[str, str] = {}
        seen: set[str] = set()
        for directory, subdirectories, names in os.walk(root, followlinks=True):
            real = os.path.realpath(directory)
            if real in seen:
                subdirectories[:] = []
                continue
            seen.add(real)
            subdirectories.sort()
            if any(is_event_file(name) for name in names):
                name = os.path.relpath(directory, root).replace(os.sep, "/")
                runs[name] = directory
        return dict(sorted(runs.items()))

    def files(self, directory: str) -> list[str]:
        """See :meth:`Store.files`."""
        names = sorted(name for name in os.listdir(directory) if is_event_file(name))
        return [os.path.join(directory, name) for name in names]

    def size(self, path: str) -> int:
        """The size of ``path`` now."""
        return os.stat(path).st_size

    def open(self, path: str) -> LocalFile:
        """``path`` opened for reading."""
        return LocalFile(path)

    def prefetch(self, ranges: list[tuple[str, int, int]]) -> None:
        """Nothing to do: local reads are fast enough one at a time."""


LOCAL = LocalStore()
"""The local disk (stateless: one serves every logdir)."""


class RemoteFile:
    """A file behind fsspec, read with ranged requests up to its listed size (the first read may have been
    prefetched: ``prefetched`` holds ``(start, bytes)``)."""

    __slots__ = ("_fs", "_path", "_prefetched", "_size")

    def __init__(self, fs: Any, path: str, size: int, prefetched: tuple[int, bytes] | None = None) -> None:
        self._fs, self._path, self._size, self._prefetched = fs, path, size, prefetched

    def __enter__(self) -> RemoteFile:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def size(self) -> int:
        """The size the last listing gave."""
        return self._size

    def read(self, offset: int, length: int) -> bytes:
        """Bytes ``offset .. offset + length`` (no further than the listed size) in one ranged request."""
        end = min(offset + length, self._size)
        if end <= offset:
            return b""
        if self._prefetched is not None:
            start, data = self._prefetched
            self._prefetched = None
            if start == offset and len(data) >= end - offset:
                return data[: end - offset]
        return self._fs.cat_file(self._path, start=offset, end=end)


class FsspecStore:
    """Files behind one fsspec URL (``s3://bucket/exp``, ``gs://...``, ``memory://...``), listed once per refresh.

    Paths handed out are full URLs starting with the URL given (``s3://bucket/exp/run1/events...``). A run's
    files and every file's size come from the latest :meth:`runs` listing, so that a refresh makes one listing
    and then requests only the new bytes of files that grew (a segment already read is never fetched again).
    """

    remote = True

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        self.url = _trim(url)
        self.fs, self.root = filesystem(self.url, f"reading {url}", _with_connections(self.url, storage_options))
        self._files: dict[str, list[str]] = {}  # directory URL → its event files' URLs, sorted
        self._objects: dict[str, tuple[str, int]] = {}  # file URL → (fsspec path, listed size)
        self._prefetched: dict[str, tuple[int, bytes]] = {}  # file URL → (start, bytes) for its next open
        self._listing: tuple[str, float, dict[str, Any]] | None = None  # exists()'s: (path, when, listing)

    def __repr__(self) -> str:
        return f"FsspecStore({self.url!r})"

    def _path(self, url: str) -> str:
        url = _trim(url)
        if url == self.url:
            return self.root
        relative = _relative(url, self.url)
        if relative is None:
            raise ValueError(f"{url!r} is not under {self.url!r}")
        return f"{self.root.rstrip('/')}/{relative}"

    def exists(self, path: str) -> bool:
        """Whether ``path`` is an object or a prefix of some (asked afresh, not from a cached listing).

        Asked with the recursive listing :meth:`runs` makes, which a :meth:`runs` of ``path`` right after (within
        :data:`LISTING_REUSE_S`, as when a logdir is opened and first read) takes instead of listing again; an
        empty listing is checked with fsspec's ``exists`` (an empty bucket exists).
        """
        fs_path = self._path(path)
        try:
            found = self._find(fs_path)
        except FileNotFoundError:  # e.g. no such bucket
            return False
        if found:
            self._listing = (fs_path, time.monotonic(), found)
            return True
        return bool(self.fs.exists(fs_path))

    def _find(self, base: str) -> dict[str, Any]:
        """A fresh recursive listing of ``base`` (fsspec's cached listings would hide new files and sizes)."""
        self.fs.invalidate_cache(base)
        return self.fs.find(base, withdirs=False, detail=True)

    def runs(self, root: str) -> dict[str, tuple[str, str | None]]:
        """See :meth:`Store.runs`: one fresh recursive listing of ``root``, kept for :meth:`files` and :meth:`size`."""
        root = _trim(root)
        base = self._path(root)
        self._prefetched.clear()
        listed, self._listing = self._listing, None
        if listed is not None and listed[0] == base and time.monotonic() - listed[1] <= LISTING_REUSE_S:
            found = listed[2]
        else:
            found = self._find(base)
        if base in found:  # root is one file
            self._files, self._objects = {}, {root: (base, self._size(base, found[base]))}
            return {".": (_parent(root), root)}
        directories: dict[str, list[str]] = {}  # relative directory → its event files' URLs
        objects: dict[str, tuple[str, int]] = {}
        for name, info in found.items():
            relative = _relative(name, base)
            if relative is None:
                continue
            directory, _, file_name = relative.rpartition("/")
            if is_event_file(file_name):
                url = _join(root, relative)
                objects[url] = (name, self._size(name, info))
                directories.setdefault(directory, []).append(url)
        self._files = {_join(root, directory): sorted(urls) for directory, urls in directories.items()}
        self._objects = objects
        return dict(sorted(((directory or "."), (_join(root, directory), None)) for directory in directories))

    def _size(self, path: str, info: dict[str, Any]) -> int:
        size = info.get("size")
        return int(self.fs.size(path) if size is None else size)

    def discover(self, root: str) -> dict[str, str]:
        """See :meth:`Store.discover` (a listing, as :meth:`runs`)."""
        return {name: directory for name, (directory, file) in self.runs(root).items() if file is None}

    def files(self, directory: str) -> list[str]:
        """The event files the latest listing found directly in ``directory``."""
        return list(self._files.get(directory, ()))

    def size(self, path: str) -> int:
        """The size of ``path`` in the latest listing."""
        try:
            return self._objects[path][1]
        except KeyError:
            raise FileNotFoundError(f"not in the latest listing: {path!r}") from None

    def open(self, path: str) -> RemoteFile:
        """``path`` for ranged reads up to its listed size (no request until a read)."""
        try:
            fs_path, size = self._objects[path]
        except KeyError:
            raise FileNotFoundError(f"not in the latest listing: {path!r}") from None
        return RemoteFile(self.fs, fs_path, size, self._prefetched.pop(path, None))

    def prefetch(self, ranges: list[tuple[str, int, int]]) -> None:
        """See :meth:`Store.prefetch`: one ``cat_ranges`` call (concurrent requests on s3fs, gcsfs, ...)."""
        wanted = [(url, start, end) for url, start, end in ranges if url in self._objects and end > start]
        if len(wanted) < 2:
            return  # a lone range is read as well by its own read
        fetched = self.fs.cat_ranges(
            [self._objects[url][0] for url, _, _ in wanted],
            [start for _, start, _ in wanted],
            [end for _, _, end in wanted],
            on_error="return",
        )
        for (url, start, _), data in zip(wanted, fetched, strict=True):
            if isinstance(data, bytes):
                self._prefetched[url] = (start, data)


def _with_connections(url: str, storage_options: dict[str, Any] | None) -> dict[str, Any] | None:
    """``storage_options`` with :data:`S3_CONNECTIONS` for an ``s3://`` URL, unless they set the pool already.

    s3fs keeps 10 connections by default, which caps a read-ahead of many segments at 10 requests in flight.
    """
    if url.split("://", 1)[0].lower() not in ("s3", "s3a"):
        return storage_options
    options = dict(storage_options or {})
    config = dict(options.get("config_kwargs") or {})
    config.setdefault("max_pool_connections", S3_CONNECTIONS)
    options["config_kwargs"] = config
    return options


def _trim(url: str) -> str:
    """``url`` without trailing slashes (but ``memory://`` stays whole)."""
    while url.endswith("/") and not url.endswith("://"):
        url = url[:-1]
    return url


def _relative(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` (``""`` for ``base`` itself), or None when it is not under ``base``."""
    if path == base:
        return ""
    prefix = base if base.endswith("/") else base + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _join(base: str, relative: str) -> str:
    """``base/relative`` (``base`` for an empty ``relative``)."""
    if not relative:
        return base
    return base + relative if base.endswith("/") else f"{base}/{relative}"


def _parent(url: str) -> str:
    """The URL of the directory holding ``url``."""
    head, _, _ = url.rpartition("/")
    return head + "/" if head.endswith(":/") else head
