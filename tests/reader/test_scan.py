"""The C scanner and its pure-Python twin agree on every input, valid or damaged, and never raise.

The fuzz test runs 10,000 deterministic cases (random truncations, bit flips, garbage appended or inserted,
random payloads with valid checksums, records spliced together) through both scanners.
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import numpy as np
import pytest
from lightboard.reader._scan import Scanner as CScanner  # built by `pip install -e .` (make venv)

from lightboard.events.record import frame
from lightboard.reader import scan
from lightboard.reader.scan import BROKEN, COMPLETE, PARTIAL, PythonScanner
from tests.reader import corpus

FUZZ_CASES = 10_000
FEED_DEADLINE_S = 30.0
"""How long a feed is repeated until another thread has run during one."""


@pytest.fixture(scope="module")
def payloads(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return corpus.hand_made() + corpus.written_by_lightboard(tmp_path_factory.mktemp("kinds")) + corpus.from_fixtures()


def outcome(scanner_class: type, data: bytes) -> tuple:
    scanner = scanner_class()
    result = scanner.feed(data)
    taken = {tag: (bytes(s), bytes(w), bytes(v), double) for tag, (s, w, v, double) in scanner.take().items()}
    return result, taken, scanner.tags()


def test_the_reader_uses_the_extension_unless_told_not_to() -> None:
    import os

    assert scan.USING_EXTENSION is (os.environ.get("LIGHTBOARD_PURE_PYTHON") != "1")


def test_valid_corpus_agrees_and_routes_as_documented(payloads: list[bytes]) -> None:
    data = b"".join(frame(p) for p in payloads)
    c, python = outcome(CScanner, data), outcome(PythonScanner, data)
    assert c == python
    (offset, state, bad_crc, malformed, others), taken, tags = c
    assert (offset, state, bad_crc) == (len(data), COMPLETE, [])
    assert len(malformed) == 2  # the over-long varint and the value running past its summary

    def points(tag: str) -> tuple[np.ndarray, np.ndarray]:
        steps, _, values, double = taken[tag]
        return np.frombuffer(steps, np.int64), np.frombuffer(values, np.float64 if double else np.float32)

    assert points("t/float")[1].tolist() == [0.25, 0.5]
    _, values = points("t/double")
    assert values.dtype == np.float64 and values.tolist() == [0.1, 1e300]  # doubles float32 cannot hold
    assert points("t/half")[1].tolist() == [1.5, -2.0]
    assert points("t/bf16")[1].tolist() == [2.5]
    assert points("t/shape11")[1].tolist() == [3.0]
    assert points("t/node")[1].tolist() == [4.0]  # node_name stands in for a missing tag
    assert points("t/negative")[0].tolist() == [-5]
    assert points("t/big")[0].tolist() == [2**62]
    assert "t/\ufffd-not-utf8" in taken
    other_tags = {tag for tag, *_ in others}
    assert {"t/vector", "t/int", "t/two", "t/text"} <= other_tags  # not one floating-point number
    assert "t/vector" not in taken and "t/text" not in taken
    assert tags["t/first"] == (True, b"\x12\x05First")  # the first metadata is kept
    assert tags["t/text"][0] is False
    assert {field for tag, _, _, field, _ in others if tag is None} == {4, 7, 8}
    assert all(math.isfinite(s) for s in np.frombuffer(taken["loss"][0], np.int64))


def mutate(rng: random.Random, payloads: list[bytes]) -> bytes:
    """Frame a random handful of payloads and damage the result in one or more random ways."""
    records = [frame(rng.choice(payloads)) for _ in range(rng.randint(0, 12))]
    if rng.random() < 0.2:  # a random payload behind valid checksums: the protobuf parse must cope
        records.insert(rng.randint(0, len(records)), frame(rng.randbytes(rng.randint(0, 60))))
    data = bytearray(b"".join(records))
    for _ in range(rng.randint(1, 3)):
        action = rng.randrange(5)
        if action == 0 and data:  # truncate
            del data[rng.randrange(len(data)) :]
        elif action == 1 and data:  # flip bits
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif action == 2:  # garbage appended
            data += rng.randbytes(rng.randint(1, 40))
        elif action == 3:  # garbage inserted
            at = rng.randint(0, len(data))
            data[at:at] = rng.randbytes(rng.randint(1, 20))
        else:  # a record spliced in at a random place
            at = rng.randint(0, len(data))
            data[at:at] = frame(rng.choice(payloads))
    return bytes(data)


def test_fuzz_c_and_python_agree_and_never_raise(payloads: list[bytes]) -> None:
    states = {COMPLETE: 0, PARTIAL: 0, BROKEN: 0}
    damaged = 0
    for case in range(FUZZ_CASES):
        data = mutate(random.Random(case), payloads)
        c = outcome(CScanner, data)
        assert c == outcome(PythonScanner, data), f"case {case}"
        (offset, state, bad_crc, malformed, _), _, _ = c
        assert 0 <= offset <= len(data)
        assert state == COMPLETE or offset < len(data)
        states[state] += 1
        damaged += bool(bad_crc or malformed)
    assert min(states.values()) > 500 and damaged > 1000, (states, damaged)  # every outcome well exercised


def test_feeding_in_pieces_equals_one_feed(payloads: list[bytes]) -> None:
    """A growing file: each feed resumes at the offset the last one returned, partial records included."""
    rng = random.Random(7)
    for scanner_class in (CScanner, PythonScanner):
        for _ in range(200):
            data = b"".join(frame(rng.choice(payloads)) for _ in range(rng.randint(1, 10)))
            whole = outcome(scanner_class, data)
            scanner, offset, visible = scanner_class(), 0, 0
            others: list = []
            while visible < len(data):
                visible = min(len(data), visible + rng.randint(1, 200))
                consumed, state, _, _, found = scanner.feed(data[offset:visible])
                others += found
                offset += consumed
                assert state == (COMPLETE if offset == visible else PARTIAL)
            taken = {t: (bytes(s), bytes(w), bytes(v), d) for t, (s, w, v, d) in scanner.take().items()}
            assert (offset, others, taken, scanner.tags()) == (len(data), whole[0][4], whole[1], whole[2])


def test_take_hands_over_and_resets() -> None:
    scanner = CScanner()
    scanner.feed(frame(corpus.event(1, corpus.Summary.Value(tag="a", simple_value=2.0))))
    (steps, walls, values, double), = scanner.take().values()
    assert np.frombuffer(steps, np.int64).tolist() == [1] and not double
    array = np.frombuffer(values, np.float32)
    array[0] = 5.0  # writable, and owned by the array now
    assert scanner.take() == {}
    del steps, walls, values
    assert array.tolist() == [5.0]


def test_large_columns_grow_without_copying_and_stay_exact() -> None:
    data = b"".join(frame(corpus.event(i, corpus.Summary.Value(tag="x", simple_value=i * 0.5))) for i in range(300_000))
    scanner = CScanner()
    assert scanner.feed(data)[:2] == (len(data), COMPLETE)
    steps, _, values, _ = scanner.take()["x"]
    assert np.array_equal(np.frombuffer(steps, np.int64), np.arange(300_000))
    assert np.array_equal(np.frombuffer(values, np.float32), np.arange(300_000, dtype=np.float32) * 0.5)


def test_python_twin_reads_a_file_path(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1"
    path.write_bytes(frame(corpus.event(3, corpus.Summary.Value(tag="a", simple_value=1.0))))
    assert outcome(PythonScanner, path.read_bytes())[1]["a"][3] is False


def plain_scalars(count: int, tags: int = 4) -> bytes:
    """``count`` scalar events in the layout every writer uses (the scan's fast path)."""
    return b"".join(
        frame(corpus.event(step, corpus.Summary.Value(tag=f"t{step % tags}", simple_value=step * 0.5)))
        for step in range(count)
    )


def test_feed_lets_other_threads_run_and_refuses_a_second_thread() -> None:
    import threading

    data = plain_scalars(200_000)
    scanner = CScanner()
    scanner.feed(plain_scalars(4))
    scanner.take()  # every tag seen: the feed below runs on the GIL-free path
    refused, done = [], threading.Event()

    def other_thread() -> None:
        while not done.is_set():
            try:
                scanner.tags()
            except RuntimeError as error:
                refused.append(str(error))

    watcher = threading.Thread(target=other_thread)
    watcher.start()
    # One feed takes ~10 ms; on a loaded machine the OS may not run the other thread within it, so feed
    # again (each feed lets the GIL go afresh) until it has run, for at most FEED_DEADLINE_S. A feed that
    # kept the GIL would never let it run: that still fails, after the deadline.
    feeds, deadline = 0, time.monotonic() + FEED_DEADLINE_S
    try:
        while True:
            result = scanner.feed(data)
            feeds += 1
            assert result[:2] == (len(data), COMPLETE)
            taken = scanner.take()  # only feed marks the scanner busy: a refusal comes from a feed
            assert sum(len(np.frombuffer(steps, np.int64)) for steps, _, _, _ in taken.values()) == 200_000
            if refused or time.monotonic() > deadline:
                break
    finally:
        done.set()
        watcher.join()
    # The other thread ran while feed was running (the GIL was let go) and was told the scanner was busy
    assert refused and refused[0] == "a Scanner was used from two threads at once", f"not seen in {feeds} feeds"
    assert sorted(scanner.tags()) == ["t0", "t1", "t2", "t3"]
