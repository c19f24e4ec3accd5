"""Logging to S3: bytes uploaded and wall time of lightboard's segments next to tensorboardX's S3 writer.

A real S3-protocol server (moto's, in its own process on loopback, with a request log: ``tests/s3server.py``)
receives a run of N steps (one ``add_scalar`` each) with a ``flush()`` every F steps, written by
``lightboard.SummaryWriter("s3://...")`` (fsspec + s3fs) and by ``tensorboardX.SummaryWriter("s3://...")``
(boto3; it keeps the whole file in memory and uploads all of it at every flush). Reported: the bytes of the
PUT requests the server received, the bytes stored at the end (the event data), their ratio, and the time
from the writer's creation to the end of ``close()``.

Then reading back: a run written by lightboard (the same N steps and flushes, so N/F segments) is read from a
second server whose every GET waits :data:`LATENCY` seconds, as a same-region round trip to a real store, by
``lightboard.read`` and by TensorBoard's ``EventAccumulator`` (its own S3 client, boto3): time to all points.

Last, the first read of a run of :data:`SEGMENTS` segments (one scalar each, uploaded directly) from a server
with the same latency, read three ways by ``lightboard.read``: one segment after another (as before read-ahead),
read ahead with s3fs's default 10 connections, and as now (read ahead, :data:`~lightboard.reader.storage.
S3_CONNECTIONS` connections): time, GET requests and the most requests the server answered at once.

Run ``.venv/bin/python benchmarks/storage.py`` (``--quick``: 5,000 steps, 100 segments) or ``make bench``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests/s3server.py
import section as section_cli

from tests.s3server import S3Server

BUCKET = "bench"
LATENCY = 0.02
"""Seconds each GET of the read-back server waits (a same-region S3 round trip is 10-30 ms)."""
SEGMENTS = 1_000
"""Segments of the run whose first read is timed (``--quick``: 100)."""


def log_run(writer_class: type, url: str, steps: int, flush_every: int) -> float:
    """Seconds to write ``steps`` scalars to ``url``, flushing every ``flush_every`` steps, then close."""
    started = time.perf_counter()
    writer = writer_class(url)
    for step in range(steps):
        writer.add_scalar("train/loss", 1.0 / (step + 1), step)
        if step % flush_every == flush_every - 1:
            writer.flush()
    writer.close()
    return time.perf_counter() - started


def stored_bytes(endpoint: str, prefix: str) -> int:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sum(item["Size"] for item in listing.get("Contents", []))


def section(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Run both writers against one server; print the table; return the raw numbers."""
    steps, flush_every = (5_000, 500) if quick else (100_000, 1_000)
    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="lightboard-bench-s3-") as root,
        S3Server(Path(root) / "requests.log") as server,
    ):
        os.environ.update(server.environment())
        os.environ["S3_ENDPOINT"] = server.endpoint  # tensorboardX's variable for the endpoint
        server.create_bucket(BUCKET)
        writers = {"lightboard": ("lightboard", "SummaryWriter"), "tensorboardX": ("tensorboardX", "SummaryWriter")}
        for name, (module, attribute) in writers.items():
            if progress:
                print(f"  storage: {name} ...", end="", flush=True, file=sys.stderr)
            try:
                writer_class = getattr(__import__(module), attribute)
                seconds = log_run(writer_class, f"s3://{BUCKET}/{name}/run", steps, flush_every)
                uploaded = server.uploaded(f"/{BUCKET}/{name}/run")
                stored = stored_bytes(server.endpoint, f"{name}/run")
                results[name] = {"seconds": seconds, "uploaded": uploaded, "stored": stored}
            except Exception as error:  # noqa: BLE001 - a peer that fails is reported, not fatal
                results[name] = {"error": f"{type(error).__name__}: {error}"}
            if progress:
                print(
                    f" {results[name].get('error') or format(results[name]['seconds'], '.2f') + ' s'}", file=sys.stderr
                )
        reads = read_back(Path(root), steps, flush_every, progress)
        segments = 100 if quick else SEGMENTS
        many = read_segments(Path(root), segments, progress)
    report(results, steps, flush_every, quick)
    report_reads(reads, steps, flush_every)
    report_segments(many, segments)
    return {
        "quick": quick,
        "steps": steps,
        "flush_every": flush_every,
        "results": results,
        "reads": reads,
        "segments": {"count": segments, "latency": LATENCY, "reads": many},
    }


def read_back(root: Path, steps: int, flush_every: int, progress: bool) -> dict[str, Any]:
    """Seconds for lightboard and TensorBoard to read every point of a lightboard run from a store with latency."""
    import s3fs

    import lightboard

    reads: dict[str, Any] = {}
    with S3Server(root / "reads.log", latency=LATENCY) as server:
        os.environ.update(server.environment())
        os.environ["S3_ENDPOINT"] = server.endpoint  # TensorBoard's S3 client reads it too
        s3fs.S3FileSystem.clear_instance_cache()  # a cached client would still talk to the first server
        server.create_bucket(BUCKET)
        log_run(lightboard.SummaryWriter, f"s3://{BUCKET}/read/run", steps, flush_every)
        for name, count in (("lightboard", lightboard_points), ("TensorBoard", tensorboard_points)):
            if progress:
                print(f"  storage: reading with {name} ...", end="", flush=True, file=sys.stderr)
            try:
                before = len(server.requests())
                started = time.perf_counter()
                points = count(f"s3://{BUCKET}/read")
                seconds = time.perf_counter() - started
                gets = sum(1 for method, _, _ in server.requests()[before:] if method in ("GET", "HEAD"))
                reads[name] = {"seconds": seconds, "points": points, "requests": gets}
                if points != steps:
                    raise RuntimeError(f"read {points} points of {steps}")
            except Exception as error:  # noqa: BLE001 - a peer that fails is reported, not fatal
                reads[name] = {"error": f"{type(error).__name__}: {error}"}
            if progress:
                print(f" {reads[name].get('error') or format(reads[name]['seconds'], '.2f') + ' s'}", file=sys.stderr)
    return reads


def upload_segments(url: str, segments: int) -> None:
    """Put a run of ``segments`` event files (one ``train/loss`` scalar each, steps 0, 1, ...) under ``url``."""
    import s3fs

    from lightboard.events.record import frame
    from lightboard.proto.event_pb2 import Event
    from lightboard.proto.summary_pb2 import Summary

    def segment(step: int) -> bytes:
        value = Summary.Value(tag="train/loss", simple_value=1.0 / (step + 1))
        return frame(Event(wall_time=1.7e9 + step, step=step, summary=Summary(value=[value])).SerializeToString())

    base = f"{url}/events.out.tfevents.1700000000.bench"
    s3fs.S3FileSystem().pipe({base + (f".{step:06d}" if step else ""): segment(step) for step in range(segments)})


READ_WAYS = {
    "one at a time": ("no read-ahead: a GET per segment, in turn (before read-ahead)", None, False),
    "10 connections": ("read ahead with s3fs's default pool (before this change)", 10, True),
    "now": ("read ahead, lightboard's pool (S3_CONNECTIONS)", None, True),
}


def read_segments(root: Path, segments: int, progress: bool) -> dict[str, Any]:
    """The first read of a run of ``segments`` segments from a store with :data:`LATENCY`, three ways."""
    import s3fs

    import lightboard
    from lightboard.reader import storage

    reads: dict[str, Any] = {}
    with S3Server(root / "segments.log", latency=LATENCY) as server:
        os.environ.update(server.environment())
        s3fs.S3FileSystem.clear_instance_cache()
        server.create_bucket(BUCKET)
        upload_segments(f"s3://{BUCKET}/segments/run", segments)
        for name, (_, connections, ahead) in READ_WAYS.items():
            if progress:
                print(f"  storage: {segments:,} segments, {name} ...", end="", flush=True, file=sys.stderr)
            s3fs.S3FileSystem.clear_instance_cache()  # a fresh client: nothing cached
            options = {"config_kwargs": {"max_pool_connections": connections}} if connections else None
            prefetch = storage.FsspecStore.prefetch
            if not ahead:
                storage.FsspecStore.prefetch = lambda self, ranges: None  # type: ignore[method-assign]
            try:
                before = len(server.requests())
                started = time.perf_counter()
                points = len(
                    lightboard.read(f"s3://{BUCKET}/segments", storage_options=options).scalars("run", "train/loss")
                )
                seconds = time.perf_counter() - started
            finally:
                storage.FsspecStore.prefetch = prefetch  # type: ignore[method-assign]
            gets = sum(1 for method, _, _ in server.requests()[before:] if method in ("GET", "HEAD"))
            in_flight = server.most_in_flight("GET", f"/{BUCKET}/segments/run/")
            reads[name] = {"seconds": seconds, "points": points, "requests": gets, "in_flight": in_flight}
            server.log.write_text("")  # the next way's most-in-flight count starts afresh
            if progress:
                print(f" {seconds:.2f} s", file=sys.stderr)
    return reads


def lightboard_points(url: str) -> int:
    import lightboard

    return len(lightboard.read(url).scalars("run", "train/loss"))


def tensorboard_points(url: str) -> int:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(f"{url}/run", size_guidance={"scalars": 0})
    accumulator.Reload()
    return len(accumulator.Scalars("train/loss"))


def report(results: dict[str, Any], steps: int, flush_every: int, quick: bool) -> None:
    print(f"\nLogging to S3{' (--quick)' if quick else ''}: {steps:,} scalars, flush() every {flush_every:,} steps\n")
    print(f"  {'writer':<14} {'uploaded MB':>12} {'stored MB':>10} {'uploaded/stored':>16} {'wall s':>8}")
    for name, result in results.items():
        if "error" in result:
            print(f"  {name:<14} not measured: {result['error']}")
            continue
        ratio = result["uploaded"] / result["stored"] if result["stored"] else float("nan")
        print(
            f"  {name:<14} {result['uploaded'] / 1e6:>12.3f} {result['stored'] / 1e6:>10.3f} {ratio:>15.2f}x "
            f"{result['seconds']:>8.2f}"
        )
    ours, theirs = results.get("lightboard", {}), results.get("tensorboardX", {})
    print("\nNotes:")
    print("  - bytes uploaded: the body bytes of the PUT/POST requests in moto's request log, on loopback")
    if "error" not in ours and "error" not in theirs and ours and theirs:
        print(
            f"  - tensorboardX uploads {theirs['uploaded'] / ours['uploaded']:.0f}x the bytes and takes "
            f"{theirs['seconds'] / ours['seconds']:.1f}x the time: it uploads the whole file at every flush"
        )
    print("\nTargets (issue 7):")
    if "error" in ours or not ours:
        print("  [n/a ] bytes uploaded <= 1.1 x bytes logged")
    else:
        ratio = ours["uploaded"] / ours["stored"]
        print(
            f"  [{'PASS' if ratio <= 1.1 else 'MISS'}] bytes uploaded <= 1.1 x bytes logged  (measured: {ratio:.3f}x)"
        )


def report_reads(reads: dict[str, Any], steps: int, flush_every: int) -> None:
    segments = steps // flush_every
    print(f"\nReading it back from S3 ({LATENCY * 1000:.0f} ms per GET): {steps:,} points in {segments:,} segments\n")
    print(f"  {'reader':<14} {'GET/HEAD requests':>18} {'wall s':>8}")
    for name, result in reads.items():
        if "error" in result:
            print(f"  {name:<14} not measured: {result['error']}")
        else:
            print(f"  {name:<14} {result['requests']:>18,} {result['seconds']:>8.2f}")
    ours, theirs = reads.get("lightboard", {}), reads.get("TensorBoard", {})
    if ours and theirs and "error" not in ours and "error" not in theirs:
        print(
            f"\n  - TensorBoard / lightboard: {theirs['seconds'] / ours['seconds']:.0f}x the time (lightboard: one "
            "listing, then the segments fetched concurrently, one GET each)"
        )


def report_segments(reads: dict[str, Any], segments: int) -> None:
    print(f"\nFirst read of a run of {segments:,} segments ({LATENCY * 1000:.0f} ms per GET), lightboard.read\n")
    print(f"  {'how':<16} {'GET/HEAD requests':>18} {'most in flight':>15} {'wall s':>8}  what")
    for name, result in reads.items():
        print(
            f"  {name:<16} {result['requests']:>18,} {result['in_flight']:>15} {result['seconds']:>8.2f}  "
            f"{READ_WAYS[name][0]}"
        )
    first, now = reads.get("one at a time"), reads.get("now")
    if first and now and now["seconds"] > 0:
        print(
            f"\n  - read ahead now: {first['seconds'] / now['seconds']:.1f}x faster than one at a time; the time "
            "left is mostly moto's own work per request (one Python process), not the latency"
        )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return section_cli.main(__doc__, section, argv)


if __name__ == "__main__":
    sys.exit(main())
