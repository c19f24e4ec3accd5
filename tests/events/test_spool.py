"""The spool of unsent bytes: a FIFO that moves its oldest bytes to a temporary file past a memory bound."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightboard.events import spool
from lightboard.events.spool import Spool

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.binary(max_size=40)),
        st.tuples(st.just("drop"), st.integers(0, 100)),
        st.tuples(st.just("read"), st.tuples(st.integers(0, 120), st.integers(0, 120))),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(operations=OPERATIONS)
def test_behaves_as_a_bytearray_whatever_is_spilled(operations: list) -> None:
    original = spool.MEMORY_BYTES
    spool.MEMORY_BYTES = 16  # spill early and often (hypothesis runs examples in one test: no monkeypatch)
    try:
        pending, model = Spool(), bytearray()
        for name, argument in operations:
            if name == "append":
                pending.append(argument)
                model += argument
            elif name == "drop":
                length = min(argument, len(model))
                pending.drop(length)
                del model[:length]
            else:
                offset, length = argument
                assert pending.read(offset, length) == bytes(model[offset : offset + length])
            assert len(pending) == len(model)
            assert pending.read(0, len(model)) == bytes(model)
    finally:
        spool.MEMORY_BYTES = original


def test_spills_past_the_bound_and_empties_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "MEMORY_BYTES", 1000)
    pending = Spool()
    for index in range(10):
        pending.append(bytes([index]) * 300)
    assert pending.spilled >= 2000 and len(pending) == 3000
    assert pending.read(0, 3000) == b"".join(bytes([index]) * 300 for index in range(10))
    pending.drop(3000)
    assert len(pending) == 0 and pending.spilled == 0
    pending.append(b"again")
    assert pending.read(0, 10) == b"again"


def test_a_disk_that_refuses_keeps_the_bytes_in_memory(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spool, "MEMORY_BYTES", 10)
    monkeypatch.setattr(spool.tempfile, "TemporaryFile", refuse)
    pending = Spool()
    with caplog.at_level(logging.WARNING):
        for index in range(5):
            pending.append(bytes([index]) * 10)
    assert pending.spilled == 0 and pending.read(0, 50) == b"".join(bytes([index]) * 10 for index in range(5))
    assert caplog.text.count("No space left on device") == 1
