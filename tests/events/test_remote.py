"""Event files in object storage: segments over a real S3-protocol server (moto's, through s3fs over HTTP).

Uploads are measured with the server's own request log: every logged byte is uploaded once, a writer killed
mid-run leaves everything it flushed readable, and an outage is ridden out (or raised at flush, losing nothing).
"""

from __future__ import annotations

import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from lightboard import SummaryWriter, read
from lightboard.events import remote, spool
from lightboard.events.file import EventWriteError

pytest.importorskip("s3fs", reason="needs lightboard[s3]")
pytest.importorskip("moto.server", reason="needs moto[server] (test extra)")

from tests.s3server import S3Server

BUCKET = "bucket"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with S3Server(tmp_path_factory.mktemp("s3") / "requests.log") as running:
        running.create_bucket(BUCKET)
        yield running


@pytest.fixture
def s3(server: S3Server, monkeypatch: pytest.MonkeyPatch):
    """An s3fs filesystem on the server; the environment points lightboard's writers there too."""
    import s3fs

    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    return s3fs.S3FileSystem()


def download(s3, prefix: str, into: pathlib.Path) -> list[str]:
    """Copy every object under ``prefix`` into ``into``; return their names, sorted."""
    names = sorted(path.rsplit("/", 1)[1] for path in s3.find(prefix))
    into.mkdir(parents=True, exist_ok=True)
    for name in names:
        (into / name).write_bytes(s3.cat_file(f"{prefix}/{name}"))
    return names


def test_every_flush_uploads_only_new_bytes(s3, server: S3Server, tmp_path: pathlib.Path) -> None:
    url = f"s3://{BUCKET}/linear/run"
    with SummaryWriter(url) as writer:
        for step in range(20_000):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
            writer.add_scalar("lr", 0.1, step)
            if step % 500 == 499:
                writer.flush()
    local = tmp_path / "local"
    with SummaryWriter(local) as writer:  # the same events in one local file: the bytes logged
        for step in range(20_000):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
            writer.add_scalar("lr", 0.1, step)
    logged = sum(path.stat().st_size for path in local.iterdir())
    uploaded = server.uploaded(f"/{BUCKET}/linear/run/")
    stored = sum(s3.du(f"{BUCKET}/linear/run", total=False).values())
    assert uploaded == stored, "each segment went up once"
    assert uploaded <= 1.1 * logged, (uploaded, logged)
    puts = [path for method, path, _ in server.requests() if method == "PUT" and path.startswith("/bucket/linear/")]
    assert len(puts) == 1 + 40  # the header at once, then one segment per flush
    names = download(s3, f"{BUCKET}/linear/run", tmp_path / "copy")
    assert names == sorted(names) and names[1:] == [f"{names[0]}.{index:06d}" for index in range(1, 41)]
    loss = read(tmp_path / "copy").scalars(".", "loss")
    np.testing.assert_array_equal(loss.step, np.arange(20_000))
    np.testing.assert_array_equal(loss.value, (1.0 / (np.arange(20_000) + 1)).astype(np.float32))


def segment_sizes(s3, prefix: str) -> list[int]:
    """The sizes of the data segments under ``prefix`` (the header object left out), in name order."""
    sizes = s3.du(prefix, total=False, refresh=True)
    return [sizes[name] for name in sorted(sizes)][1:]


def test_tensorboard_reads_the_segments_from_the_store(s3, server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """TensorBoard's own loader (its S3 client on boto3) reads the run's segments as one stream, in order."""
    pytest.importorskip("boto3")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.setattr(remote, "SEGMENT_BYTES", 4096)
    monkeypatch.setenv("S3_ENDPOINT", server.endpoint)
    url = f"s3://{BUCKET}/tensorboard/run"
    with SummaryWriter(url) as writer:
        for step in range(3_000):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
            if step % 1_000 == 999:
                writer.flush()
            if step % 500 == 0:
                writer.add_text("note", f"step {step}", step)
    accumulator = EventAccumulator(url, size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    loss = accumulator.Scalars("loss")
    assert [event.step for event in loss] == list(range(3_000))
    assert [event.value for event in loss] == (1.0 / (np.arange(3_000) + 1)).astype(np.float32).tolist()
    assert [event.step for event in accumulator.Tensors("note/text_summary")] == list(range(0, 3_000, 500))


def uploaded_points(url: str, tag: str) -> int:
    """How many points of ``tag`` the store holds so far (0 before its first segment is up)."""
    run = read(url).run(".")
    return len(run.scalars(tag)) if tag in run.scalar_tags() else 0


def test_segments_by_size_and_by_age(s3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "SEGMENT_BYTES", 4096)
    with SummaryWriter(f"s3://{BUCKET}/sized/run", flush_secs=0.3) as writer:
        for step in range(2_000):  # ~90 KB without a flush: full segments go up on their own
            writer.add_scalar("x", float(step), step)
        writer.add_scalar("x", -1.0, 5_000)  # the writer thread takes it on its own
        deadline = time.monotonic() + 10
        while uploaded_points(f"s3://{BUCKET}/sized/run", "x") < 2_001:  # flush_secs later, without a flush
            assert time.monotonic() < deadline, "a quiet writer's last events never went up"
            time.sleep(0.05)
        sizes = segment_sizes(s3, f"{BUCKET}/sized/run")
    assert sum(sizes) > 2_001 * 30 and max(sizes) <= 4096, sizes


def test_a_batch_larger_than_a_segment_is_cut_between_records(s3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "SEGMENT_BYTES", 4096)
    big = "a" * 10_000
    with SummaryWriter(f"s3://{BUCKET}/cut/run", max_queue=100_000, flush_secs=3600) as writer:
        for step in range(1_000):  # queued, then framed as one batch of ~45 KB by flush
            writer.add_scalar("x", float(step), step)
        writer.add_text("big", big, 0)  # one record larger than a segment: a segment of its own
        writer.add_scalar("x", 1_000.0, 1_000)
        writer.flush()
        sizes = segment_sizes(s3, f"{BUCKET}/cut/run")
    oversized = [size for size in sizes if size > 4096]
    assert len(oversized) == 1 and oversized[0] > 10_000, sizes
    assert len(sizes) >= sum(sizes) // 4096, sizes
    run = read(f"s3://{BUCKET}/cut/run").run(".")
    np.testing.assert_array_equal(run.scalars("x").step, np.arange(1_001))
    assert run.damage == []
    assert run.text("big/text_summary")[0].text == big


WRITER = textwrap.dedent(
    """
    import sys
    from lightboard import SummaryWriter
    writer = SummaryWriter(sys.argv[1], flush_secs=3600)
    step = 0
    while True:
        writer.add_scalar("loss", float(step), step)
        if step % 100 == 99:
            writer.flush()
            print(step, flush=True)
        step += 1
    """
)


def test_a_killed_writer_leaves_everything_it_flushed(s3, tmp_path: pathlib.Path) -> None:
    url = f"s3://{BUCKET}/killed/run"
    child = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    flushed = [int(child.stdout.readline()) for _ in range(30)]
    child.send_signal(signal.SIGKILL)
    child.wait()
    steps = read(url).scalars(".", "loss").step
    assert len(steps) >= flushed[-1] + 1
    np.testing.assert_array_equal(steps[: flushed[-1] + 1], np.arange(flushed[-1] + 1))


EXITING = textwrap.dedent(
    """
    import sys
    from lightboard import SummaryWriter
    from lightboard.events import remote
    remote.SEGMENT_BYTES = 4096  # background uploads are in flight when the script ends
    writer = SummaryWriter(sys.argv[1], flush_secs=3600)
    for step in range(20_000):
        writer.add_scalar("loss", float(step), step)
    """
)


def test_a_script_that_ends_without_close_uploads_everything(s3) -> None:
    url = f"s3://{BUCKET}/exiting/run"
    done = subprocess.run([sys.executable, "-c", EXITING, url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    np.testing.assert_array_equal(read(url).scalars(".", "loss").step, np.arange(20_000))


def test_an_outage_of_ten_seconds_is_ridden_out(s3, server: S3Server, tmp_path: pathlib.Path) -> None:
    with SummaryWriter(f"s3://{BUCKET}/outage/run") as writer:
        for step in range(1_000):
            writer.add_scalar("x", float(step), step)
        writer.flush()
        server.freeze()
        thaw = threading.Timer(10.0, server.thaw)
        thaw.start()
        try:
            for step in range(1_000, 2_000):
                writer.add_scalar("x", float(step), step)
            started = time.monotonic()
            writer.flush()  # waits for the server, then uploads
            waited = time.monotonic() - started
        finally:
            thaw.join()
    assert waited > 5.0
    np.testing.assert_array_equal(read(f"s3://{BUCKET}/outage/run").scalars(".", "x").step, np.arange(2_000))


def test_logging_never_waits_for_a_store_that_hangs(s3, server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the store answers nothing, segments fill up and their uploads hang: add_scalar goes on regardless
    (more than BACKPRESSURE_EVENTS of them, so the caller writes the queue itself too); then everything goes up."""
    monkeypatch.setattr(remote, "SEGMENT_BYTES", 4096)
    writer = SummaryWriter(f"s3://{BUCKET}/hanging/run", flush_secs=0.2)
    writer.add_scalar("x", 0.0, 0)
    writer.flush()
    server.freeze()
    try:
        logging = threading.Thread(target=lambda: [writer.add_scalar("x", float(s), s) for s in range(1, 20_001)])
        logging.start()
        logging.join(60)
        assert not logging.is_alive(), "add_scalar waited for the store"
    finally:
        server.thaw()
    writer.close()
    np.testing.assert_array_equal(read(f"s3://{BUCKET}/hanging/run").scalars(".", "x").step, np.arange(20_001))


def test_a_failure_that_persists_is_raised_at_flush_and_nothing_is_lost(
    s3, server: S3Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(remote, "RETRY_DELAYS", (0.01, 0.02))
    monkeypatch.setattr(remote, "SEGMENT_BYTES", 4096)
    monkeypatch.setattr(spool, "MEMORY_BYTES", 16_384)
    writer = SummaryWriter(f"s3://{BUCKET}/failing/run", flush_secs=0.1)
    file = writer.file_writer._file
    for step in range(500):
        writer.add_scalar("x", float(step), step)
    writer.flush()
    with server.refusing_uploads():  # the credentials stop working: every upload is refused
        for step in range(500, 3_000):  # full and aged segments fail in the background: logged, never raised
            writer.add_scalar("x", float(step), step)
        deadline = time.monotonic() + 30
        while "tried again later" not in caplog.text:
            assert time.monotonic() < deadline, "a failing background upload was not reported"
            time.sleep(0.05)
        with pytest.raises(EventWriteError, match=r"could not upload s3://bucket/failing/run/.* after 3 attempts"):
            writer.flush()  # flush waits for the store, so it says so
        unsent, spilled = file.unsent
        assert unsent > 2_000 * 30 and spilled > 0  # beyond the memory bound, the oldest wait on disk
    assert caplog.text.count("tried again later") == 1  # one warning for the whole outage
    # The store works again: what failed goes up in the background, with what came since
    for step in range(3_000, 3_200):
        writer.add_scalar("x", float(step), step)
    while "work again" not in caplog.text:
        assert time.monotonic() < deadline + 30, "uploads did not resume"
        time.sleep(0.05)
    writer.close()
    assert file.unsent == (0, 0)
    np.testing.assert_array_equal(read(f"s3://{BUCKET}/failing/run").scalars(".", "x").step, np.arange(3_200))


def test_embeddings_go_to_the_same_store(s3, tmp_path: pathlib.Path) -> None:
    pytest.importorskip("PIL")
    from google.protobuf import text_format

    from lightboard.proto.projector_pb2 import ProjectorConfig

    mat = np.arange(12, dtype=np.float32).reshape(4, 3)
    with SummaryWriter(f"s3://{BUCKET}/embedding/run") as writer:
        writer.add_embedding(mat, metadata=["a", "b", "c", "d"], label_img=np.zeros((4, 3, 8, 8)), global_step=2)
        writer.add_embedding(mat * 2, metadata=["a", "b", "c", "d"], global_step=2)  # replaces the entry
        writer.add_embedding(mat, tag="other", global_step=3)
    prefix = f"{BUCKET}/embedding/run"
    config = text_format.Parse(s3.cat_file(f"{prefix}/projector_config.pbtxt").decode(), ProjectorConfig())
    assert [entry.tensor_name for entry in config.embeddings] == ["default:00002", "other:00003"]
    tensors = s3.cat_file(f"{prefix}/00002/default/tensors.tsv").decode()
    assert tensors.splitlines()[1] == "6\t8\t10"
    assert not s3.exists(f"{prefix}/00002/default/sprite.png")  # the replacing entry has no images: removed
    assert s3.exists(f"{prefix}/00002/default/metadata.tsv")
