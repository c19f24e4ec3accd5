"""Reading logdirs at fsspec URLs: ``memory://`` and a real S3-protocol server (moto's, through s3fs over HTTP).

The data read must be the local read's of the same bytes; a refresh lists once and fetches only new bytes
(segments already read are never fetched again: counted through a wrapper of ``cat_file`` and in the S3
server's own request log); damage, partial records and missing URLs behave as for local files.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lightboard
from lightboard import SummaryWriter
from lightboard.events.record import frame
from lightboard.reader import Logdir, Run, cursor, discover
from tests.reader import corpus

SRC = str(Path(__file__).resolve().parents[2] / "src")


def need(module: str) -> Any:
    """Import ``module``, or skip the test when it is missing (in CI, where it is installed, fail instead)."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"needs {module.split('.')[0]}")


def scalar_record(step: int, value: float, tag: str = "loss") -> bytes:
    return frame(corpus.event(step, corpus.Summary.Value(tag=tag, simple_value=value)))


def upload(fs: Any, local: Path, url: str) -> None:
    """Copy every file under ``local`` to ``url`` (same relative names)."""
    for path in sorted(local.rglob("*")):
        if path.is_file():
            fs.pipe(f"{url}/{path.relative_to(local).as_posix()}", path.read_bytes())


def assert_same_run(ours: Run, theirs: Run) -> None:
    """Same tags, kinds and data (every scalar, every other value, graphs) and no damage."""
    assert ours.tags() == theirs.tags()
    for kind, tags in theirs.tags().items():
        for tag in tags:
            if kind == "scalars":
                for a, b in zip(ours.scalars(tag), theirs.scalars(tag), strict=True):
                    np.testing.assert_array_equal(a, b)
            elif kind == "graphs":
                assert ours.graphs() == theirs.graphs()
            else:
                assert ours.values(tag) == theirs.values(tag)
    assert ours.damage == theirs.damage == []


def assert_same_data(remote: Logdir, local: Logdir) -> None:
    """Same runs, each with the same data."""
    assert remote.runs == local.runs
    for name in local.runs:
        assert_same_run(remote.run(name), local.run(name))


class Counted:
    """Wraps a filesystem's ``cat_file`` and ``find`` to record the ranged reads and listings made."""

    def __init__(self, fs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads: list[tuple[str, int, int]] = []
        self.listings = 0
        cat_file, find = fs.cat_file, fs.find

        def counted_cat_file(path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
            self.reads.append((path.rsplit("/", 1)[-1], start, end))
            return cat_file(path, start=start, end=end, **kwargs)

        def counted_find(*args: Any, **kwargs: Any) -> Any:
            self.listings += 1
            return find(*args, **kwargs)

        monkeypatch.setattr(fs, "cat_file", counted_cat_file)
        monkeypatch.setattr(fs, "find", counted_find)

    def take(self) -> tuple[list[tuple[str, int, int]], int]:
        """The reads and listings since the last take."""
        reads, listings = self.reads, self.listings
        self.reads, self.listings = [], 0
        return reads, listings


# ---- memory:// -------------------------------------------------------------------------------------------


@pytest.fixture
def memory() -> Iterator[tuple[Any, str]]:
    """fsspec's in-memory filesystem and a fresh root URL in it (removed afterwards)."""
    fsspec = need("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"memory://lightboard-{uuid.uuid4().hex}"
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)


def test_memory_logdir_reads_as_the_local_one(memory: tuple[Any, str], logged: tuple[Path, dict]) -> None:
    fs, root = memory
    local_dir, _ = logged
    upload(fs, local_dir, f"{root}/exp")
    local = lightboard.read(local_dir)
    remote = lightboard.read(f"{root}/exp/")  # a trailing slash is the same logdir
    assert_same_data(remote, local)
    assert remote.path == f"{root}/exp/" and len(remote.runs) >= 2
    for name in local.runs:
        files = remote.run(name).files()
        assert files and all(path.startswith(f"{root}/exp/{name}/events.out.tfevents.") for path in files)
        assert [path.rsplit("/", 1)[1] for path in files] == [os.path.basename(p) for p in local.run(name).files()]
        assert remote.run(name).directory == f"{root}/exp/{name}"
    assert discover(f"{root}/exp") == {name: f"{root}/exp/{name}" for name in local.runs}
    threaded = lightboard.read(f"{root}/exp", threads=4)
    assert_same_data(threaded, local)


def test_runs_nested_at_the_root_and_a_single_event_file(memory: tuple[Any, str]) -> None:
    fs, root = memory
    fs.pipe(f"{root}/events.out.tfevents.1.host", scalar_record(0, 1.0))
    fs.pipe(f"{root}/b/deep/events.out.tfevents.1.host", scalar_record(0, 2.0))
    fs.pipe(f"{root}/a/events.out.tfevents.1.host", scalar_record(0, 3.0) + scalar_record(1, 4.0))
    fs.pipe(f"{root}/a/events.out.tfevents.2.host", scalar_record(2, 5.0))
    fs.pipe(f"{root}/a/checkpoint.pt", b"not events")
    fs.pipe(f"{root}/c/notes.txt", b"no event file here")
    logdir = lightboard.read(root)
    assert logdir.runs == [".", "a", "b/deep"]
    assert logdir.scalars("a", "loss").value.tolist() == [3.0, 4.0, 5.0]
    assert logdir.run(".").files() == [f"{root}/events.out.tfevents.1.host"]
    one = lightboard.read(f"{root}/a/events.out.tfevents.1.host")  # just that file
    assert one.runs == ["."] and one.scalars(".", "loss").step.tolist() == [0, 1]
    assert one.run(".").files() == [f"{root}/a/events.out.tfevents.1.host"]
    assert lightboard.read(f"{root}/a").scalars(".", "loss").step.tolist() == [0, 1, 2]


def test_refresh_fetches_only_new_segments_and_appended_bytes(
    memory: tuple[Any, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs, root = memory
    writer = SummaryWriter(str(tmp_path / "a"))
    for step in range(100):
        writer.add_scalar("loss", step * 0.5, step)
    writer.flush()
    (local_file,) = (tmp_path / "a").iterdir()
    base = local_file.name
    uploaded = local_file.read_bytes()
    fs.pipe(f"{root}/a/{base}", uploaded)  # the writer's first segment
    grown = scalar_record(0, 0.0, "acc")
    fs.pipe(f"{root}/b/events.out.tfevents.1.host", grown)  # an object rewritten longer (a store that can)
    counted = Counted(fs, monkeypatch)
    logdir = lightboard.read(root)
    reads, listings = counted.take()
    assert listings == 1
    assert sorted(reads) == sorted([(base, 0, len(uploaded)), ("events.out.tfevents.1.host", 0, len(grown))])

    segments = []
    for segment in range(1, 4):  # the writer flushes: each flush a new segment object
        for step in range(segment * 100, segment * 100 + 100):
            writer.add_scalar("loss", step * 0.5, step)
        writer.flush()
        data = local_file.read_bytes()[len(uploaded) :]
        uploaded += data
        fs.pipe(f"{root}/a/{base}.{segment:06d}", data)
        segments.append(data)
    more = scalar_record(1, 1.0, "acc") + scalar_record(2, 2.0, "acc")
    fs.pipe(f"{root}/b/events.out.tfevents.1.host", grown + more)
    assert logdir.refresh() == sum(map(len, segments)) + len(more)
    reads, listings = counted.take()
    assert listings == 1
    assert sorted(reads) == sorted(
        [(f"{base}.{n:06d}", 0, len(data)) for n, data in enumerate(segments, 1)]
        + [("events.out.tfevents.1.host", len(grown), len(grown) + len(more))]
    )
    assert logdir.refresh() == 0 and counted.take() == ([], 1)  # nothing new: one listing, no read
    writer.close()
    assert logdir.scalars("a", "loss").step.tolist() == list(range(400))
    assert logdir.scalars("b", "acc").value.tolist() == [0.0, 1.0, 2.0]
    assert logdir.run("a").files() == [f"{root}/a/{base}"] + [f"{root}/a/{base}.{n:06d}" for n in (1, 2, 3)]
    assert_same_run(logdir.run("a"), lightboard.read(tmp_path).run("a"))


def test_read_ahead_is_bounded_and_never_reads_twice(memory: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from lightboard.reader import cursor

    fs, root = memory
    base = f"{root}/run/events.out.tfevents.1.host"
    records = [scalar_record(step, step * 2.0) for step in range(30)]
    fs.pipe(base, records[0])
    for segment in range(1, 30):
        fs.pipe(f"{base}.{segment:06d}", records[segment])
    batches: list[int] = []
    cat_ranges = fs.cat_ranges

    def counted_cat_ranges(paths: list[str], *args: Any, **kwargs: Any) -> list[Any]:
        batches.append(len(paths))
        return cat_ranges(paths, *args, **kwargs)

    monkeypatch.setattr(fs, "cat_ranges", counted_cat_ranges)
    monkeypatch.setattr(cursor, "PREFETCH_BYTES", 10 * len(records[0]))
    counted = Counted(fs, monkeypatch)
    logdir = lightboard.read(root)
    assert sum(batches) == 30 and len(batches) >= 3 and max(batches) <= 10  # at most PREFETCH_BYTES ahead
    reads, _ = counted.take()
    assert len(reads) == 30 and len(set(reads)) == 30  # each segment fetched once, read from what was fetched
    assert logdir.scalars("run", "loss").value.tolist() == [step * 2.0 for step in range(30)]


def test_a_writer_logging_to_the_url_is_read_live(memory: tuple[Any, str]) -> None:
    _, root = memory
    writer = SummaryWriter(f"{root}/run")
    writer.add_scalar("loss", 0.0, 0)
    writer.flush()
    logdir = lightboard.read(root)
    for step in range(1, 5):
        writer.add_scalar("loss", float(step), step)
        writer.add_text("note", f"step {step}", step)
        writer.flush()
        assert logdir.refresh() > 0
        assert logdir.scalars("run", "loss").step.tolist() == list(range(step + 1))
    writer.close()
    assert len(logdir.run("run").files()) >= 5 and logdir.damage == []
    assert [point.step for point in logdir.run("run").text("note/text_summary")] == [1, 2, 3, 4]


def test_partial_trailing_record_waits_and_large_records(
    memory: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fs, root = memory
    url = f"{root}/events.out.tfevents.1.host"
    records = [scalar_record(step, step) for step in range(10)]
    data = b"".join(records)
    cut = len(data) - len(records[-1]) // 2
    fs.pipe(url, data[:cut])
    logdir = lightboard.read(root)
    assert logdir.scalars(".", "loss").step.tolist() == list(range(9))
    fs.pipe(url, data[:-1])
    assert logdir.refresh() == 0 and len(logdir.scalars(".", "loss")) == 9
    fs.pipe(url, data + scalar_record(10, 10.0))
    assert logdir.refresh() == len(records[-1]) + len(scalar_record(10, 10.0))
    assert logdir.scalars(".", "loss").step.tolist() == list(range(11)) and logdir.damage == []

    monkeypatch.setattr(cursor, "REMOTE_BLOCK_SIZE", 64)  # records larger than a block
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("loss", 1.0, 0)
        writer.add_image("picture", np.zeros((3, 16, 16)), 0)
        writer.add_scalar("loss", 2.0, 1)
    upload(fs, tmp_path, f"{root}/images")
    run = lightboard.read(f"{root}/images").run(".")
    assert run.scalars("loss").value.tolist() == [1.0, 2.0]
    assert run.images("picture")[0].to_array().shape == (16, 16, 3)


def test_damage_is_reported_with_urls_and_offsets(memory: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    fs, root = memory
    records = [scalar_record(step, step) for step in range(6)]
    payload_flip = bytearray(records[1])
    payload_flip[20] ^= 0x01
    length_flip = bytearray(records[4])
    length_flip[0] ^= 0x01
    url = f"{root}/run/events.out.tfevents.1.host"
    fs.pipe(url, records[0] + bytes(payload_flip) + records[2] + records[3] + bytes(length_flip) + records[5])
    logdir = lightboard.read(root)
    assert logdir.scalars("run", "loss").step.tolist() == [0, 2, 3]
    offsets = np.cumsum([0] + [len(r) for r in records])
    assert [(d.path, d.offset, d.problem) for d in logdir.damage] == [
        (url, offsets[1], "payload checksum"),
        (url, offsets[4], "length checksum"),
    ]
    fs.pipe(url, fs.cat_file(url) + scalar_record(9, 9.0))  # a broken file is not read again
    counted = Counted(fs, monkeypatch)
    assert logdir.refresh() == 0 and counted.take()[0] == []

    shrinking = f"{root}/other/events.out.tfevents.1.host"
    fs.pipe(shrinking, scalar_record(0, 0.0) + scalar_record(1, 1.0))
    logdir.refresh()
    fs.pipe(shrinking, scalar_record(0, 0.0))
    logdir.refresh()
    assert [(d.offset, d.problem) for d in logdir.damage if d.path == shrinking] == [(offsets[2], "file shrank")]
    assert len(logdir.scalars("other", "loss")) == 2


def test_a_missing_url_is_a_clear_error(memory: tuple[Any, str]) -> None:
    _, root = memory
    with pytest.raises(FileNotFoundError, match=r"no such logdir or event file: 'memory://lightboard-\w+/nope'"):
        lightboard.read(f"{root}/nope")


def test_file_urls_are_local_paths(tmp_path: Path) -> None:
    (tmp_path / "events.out.tfevents.1.host").write_bytes(scalar_record(0, 1.0))
    logdir = lightboard.read(f"file://{tmp_path}")
    assert logdir.path == str(tmp_path) and logdir.run(".").files() == [str(tmp_path / "events.out.tfevents.1.host")]


PROBE = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {src!r})
    for name in {blocked!r}:
        sys.modules[name] = None  # as if not installed
    import lightboard
    assert lightboard.read({local!r}).scalars(".", "loss").value.tolist() == [1.0]
    assert "fsspec" not in sys.modules or sys.modules["fsspec"] is None, "a local read imported fsspec"
    try:
        lightboard.read({url!r})
    except ImportError as error:
        print(error)
    """
)


@pytest.mark.parametrize(
    ("blocked", "url", "extra"), [(["fsspec"], "memory://exp", "cloud"), (["s3fs"], "s3://bucket/exp", "s3")]
)
def test_missing_fsspec_names_the_extra(tmp_path: Path, blocked: list[str], url: str, extra: str) -> None:
    if blocked != ["fsspec"]:
        need("fsspec")
    (tmp_path / "events.out.tfevents.1.host").write_bytes(scalar_record(0, 1.0))
    code = PROBE.format(src=SRC, blocked=blocked, local=str(tmp_path), url=url)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    installed = f"which is not installed: pip install 'lightboard[{extra}]'"
    assert result.stdout.strip() == f"reading {url} needs {blocked[0]}, {installed}"


# ---- S3 (moto's server, through s3fs over HTTP) ------------------------------------------------------------

BUCKET = "reader-bucket"


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    need("s3fs")
    need("boto3")
    need("moto.server")
    from tests.s3server import S3Server

    with S3Server(tmp_path_factory.mktemp("s3") / "requests.log") as server:
        server.create_bucket(BUCKET)
        yield server


@pytest.fixture
def s3(s3_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """An s3fs filesystem on the server (the one lightboard's reader gets too), and the server."""
    import s3fs

    for name, value in s3_server.environment().items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    s3fs.S3FileSystem.clear_instance_cache()
    yield s3fs.S3FileSystem(), s3_server
    s3fs.S3FileSystem.clear_instance_cache()  # later tests must not reuse a client of this server


def gets(server: Any, prefix: str) -> list[str]:
    """Object reads (GET of a key, not a listing) under ``/bucket/prefix/`` in the server's log so far."""
    start = f"/{BUCKET}/{prefix}/"
    return [path[len(start) :] for method, path, _ in server.requests() if method == "GET" and path.startswith(start)]


def listings(server: Any) -> int:
    """Bucket listings in the server's log so far."""
    return sum(1 for method, path, _ in server.requests() if method == "GET" and path.rstrip("/") == f"/{BUCKET}")


def test_s3_logdir_reads_as_the_local_one(s3: tuple[Any, Any], logged: tuple[Path, dict]) -> None:
    fs, _ = s3
    local_dir, _ = logged
    upload(fs, local_dir, f"s3://{BUCKET}/same")
    local = lightboard.read(local_dir)
    remote = lightboard.read(f"s3://{BUCKET}/same", threads=2)
    assert_same_data(remote, local)
    for name in remote.runs:
        assert all(path.startswith(f"s3://{BUCKET}/same/{name}/events.") for path in remote.run(name).files())


def test_s3_refresh_gets_only_new_segments(s3: tuple[Any, Any], tmp_path: Path) -> None:
    fs, server = s3
    with SummaryWriter(str(tmp_path / "run")) as writer:
        for step in range(3_000):
            writer.add_scalar("loss", step * 0.25, step)
            if step % 100 == 0:
                writer.add_histogram("weights", np.arange(step % 7 + 1), step)
    (local_file,) = (tmp_path / "run").iterdir()
    data = local_file.read_bytes()
    records = []
    offset = 0
    while offset < len(data):  # split into whole records, as a writer's segments hold
        length = int.from_bytes(data[offset : offset + 8], "little")
        records.append(data[offset : offset + length + 16])
        offset += length + 16
    thirds = [b"".join(records[: len(records) // 3]), b"".join(records[len(records) // 3 :])]
    prefix = "segments/run"
    base = local_file.name
    fs.pipe(f"s3://{BUCKET}/{prefix}/{base}", thirds[0])
    logdir = lightboard.read(f"s3://{BUCKET}/segments")
    assert gets(server, prefix) == [base]
    before_list, before_get = listings(server), len(gets(server, prefix))

    fs.pipe(f"s3://{BUCKET}/{prefix}/{base}.000001", thirds[1])
    assert logdir.refresh() == len(thirds[1])
    assert gets(server, prefix)[before_get:] == [f"{base}.000001"]  # the first segment is not fetched again
    assert listings(server) - before_list == 1  # one listing per refresh
    assert logdir.refresh() == 0
    assert len(gets(server, prefix)) == before_get + 1 and listings(server) - before_list == 2
    assert_same_data(logdir, lightboard.read(tmp_path))
    assert logdir.run("run").files() == [f"s3://{BUCKET}/{prefix}/{base}", f"s3://{BUCKET}/{prefix}/{base}.000001"]


def test_s3_writer_segments_damage_and_missing_urls(s3: tuple[Any, Any]) -> None:
    fs, _ = s3
    with SummaryWriter(f"s3://{BUCKET}/written/run") as writer:
        for step in range(300):
            writer.add_scalar("loss", float(step), step)
            if step % 100 == 99:
                writer.flush()
    logdir = lightboard.read(f"s3://{BUCKET}/written")
    assert logdir.scalars("run", "loss").step.tolist() == list(range(300)) and logdir.damage == []
    files = logdir.run("run").files()
    assert len(files) >= 4 and files == sorted(files)
    single = lightboard.read(files[1])
    assert single.runs == ["."] and len(single.scalars(".", "loss")) == 100

    records = [scalar_record(step, step) for step in range(4)]
    broken = bytearray(records[2])
    broken[20] ^= 0x01
    url = f"s3://{BUCKET}/damaged/events.out.tfevents.1.host"
    fs.pipe(url, records[0] + records[1] + bytes(broken) + records[3])
    damaged = lightboard.read(url)
    assert [(d.path, d.offset, d.problem) for d in damaged.damage] == [
        (url, len(records[0]) + len(records[1]), "payload checksum")
    ]
    with pytest.raises(FileNotFoundError, match="no such logdir or event file: 's3://reader-bucket/nope'"):
        lightboard.read(f"s3://{BUCKET}/nope")
    with pytest.raises(FileNotFoundError, match="no such logdir"):
        lightboard.read("s3://no-such-bucket-here/exp")


def test_s3_storage_options_reach_fsspec(s3: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    fs, server = s3
    fs.pipe(f"s3://{BUCKET}/options/run/events.out.tfevents.1.host", scalar_record(0, 7.0))
    import s3fs

    from tests.s3server import free_port

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):  # only the options know the server now
        monkeypatch.setenv(name, f"http://127.0.0.1:{free_port()}")
    s3fs.S3FileSystem.clear_instance_cache()
    logdir = lightboard.read(f"s3://{BUCKET}/options", storage_options={"endpoint_url": server.endpoint})
    assert logdir.scalars("run", "loss").value.tolist() == [7.0]


def test_a_run_of_many_segments_is_fetched_concurrently(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3: tuple[Any, Any],  # s3: the client's environment
) -> None:
    """Each GET waits 50 ms, as a real store's round trip: 120 segments read one request at a time would take
    6 s; read ahead, they are in flight together (the server counts them) and each is fetched once."""
    import s3fs

    from tests.s3server import S3Server

    with S3Server(tmp_path / "slow.log", latency=0.05) as slow:
        slow.create_bucket(BUCKET)
        for name, value in slow.environment().items():
            monkeypatch.setenv(name, value)
        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem()
        base = "events.out.tfevents.1.host"
        fs.pipe(f"s3://{BUCKET}/many/run/{base}", scalar_record(0, 0.0))
        for segment in range(1, 120):
            fs.pipe(f"s3://{BUCKET}/many/run/{base}.{segment:06d}", scalar_record(segment, segment / 2))
        logdir = lightboard.read(f"s3://{BUCKET}/many")
        assert logdir.scalars("run", "loss").value.tolist() == [step / 2 for step in range(120)]
        fetched = [path for method, path, _ in slow.requests() if method == "GET" and "/many/run/" in path]
        names = [base] + [f"{base}.{segment:06d}" for segment in range(1, 120)]
        assert sorted(fetched) == [f"/{BUCKET}/many/run/{name}" for name in names]
        assert slow.most_in_flight("GET", f"/{BUCKET}/many/run/") >= 5
        s3fs.S3FileSystem.clear_instance_cache()


def test_a_run_of_1000_segments_is_read_many_requests_at_a_time(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3: tuple[Any, Any],  # s3: the client's environment
) -> None:
    """1,000 segments behind 20 ms per GET: the first read lists the run once (no request per file for its size)
    and fetches each segment once, with far more than s3fs's default 10 requests in flight (the server counts them)."""
    import s3fs

    from lightboard.reader.storage import S3_CONNECTIONS
    from tests.s3server import S3Server

    with S3Server(tmp_path / "slow.log", latency=0.02) as slow:
        slow.create_bucket(BUCKET)
        for name, value in slow.environment().items():
            monkeypatch.setenv(name, value)
        s3fs.S3FileSystem.clear_instance_cache()
        base = f"/{BUCKET}/thousand/run/"
        names = ["events.out.tfevents.1.host"] + [f"events.out.tfevents.1.host.{n:06d}" for n in range(1, 1000)]
        s3fs.S3FileSystem().pipe(
            {f"s3:/{base}{name}": scalar_record(step, step / 2) for step, name in enumerate(names)}
        )
        s3fs.S3FileSystem.clear_instance_cache()  # the reader's client is a new one
        before = len(slow.requests())
        logdir = lightboard.read(f"s3://{BUCKET}/thousand")
        assert logdir.scalars("run", "loss").value.tolist() == [step / 2 for step in range(1000)]
        requests = slow.requests()[before:]
        fetched = sorted(path for method, path, _ in requests if method == "GET" and path.startswith(base))
        assert fetched == sorted(base + name for name in names)  # each segment once
        others = [(method, path) for method, path, _ in requests if not path.startswith(base)]
        assert others == [("GET", f"/{BUCKET}")], others  # one listing (opening and reading share it), no stat
        assert slow.most_in_flight("GET", base) > 10
        assert S3_CONNECTIONS >= 32
        s3fs.S3FileSystem.clear_instance_cache()
