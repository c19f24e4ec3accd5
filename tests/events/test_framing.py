"""The C framing loop produces exactly the bytes of its pure-Python twin, which tests elsewhere tie to protobuf."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightboard.events import _framing as framing  # built by `pip install -e .` (make venv)
from lightboard.events import record
from lightboard.events.wire import encode_scalar_event, scalar_event_prefix


def _failing_encoder(item: tuple) -> bytes:
    raise ValueError(f"bad event {item[1]}")


def _other_encoder(item: tuple) -> bytes:
    return b"other:" + item[1]


_scalars = st.builds(
    lambda wall, step, tag, value: (encode_scalar_event, wall, step, scalar_event_prefix(tag), value),
    st.floats(allow_nan=True) | st.sampled_from([0.0, -0.0]),
    st.integers(-(1 << 63), (1 << 63) - 1) | st.integers(0, 200),
    st.text(max_size=40),
    st.floats(width=64) | st.sampled_from([3.5e38, 3.4028235677973366e38, -1e300, 1e-46]),
)
_items = st.lists(
    st.one_of(
        _scalars,
        st.binary(max_size=300),
        st.binary(max_size=20).map(lambda raw: (_other_encoder, raw)),
        st.integers().map(lambda n: (_failing_encoder, n)),
        # a scalar-shaped tuple with an int value: the C loop must hand it to the Python encoder
        st.integers(-5, 5).map(lambda n: (encode_scalar_event, 1.0, n, scalar_event_prefix("t"), n)),
        st.sampled_from([1, None, (), (lambda item: "not bytes",)]),
    ),
    max_size=40,
)


@settings(max_examples=1500, deadline=None)
@given(items=_items)
def test_c_and_python_framing_agree(items: list) -> None:
    data, failure = framing.frame_batch(items, encode_scalar_event)
    expected, expected_failure = record.frame_batch_python(items, encode_scalar_event)
    assert data == expected
    assert type(failure) is type(expected_failure)
    assert str(failure) == str(expected_failure)


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=5000))
def test_crc_paths_agree(data: bytes) -> None:
    assert framing.masked_crc32c(data) == record.masked_crc32c_python(data) == framing.masked_crc32c_portable(data)


@pytest.mark.parametrize("frame_batch", [framing.frame_batch, record.frame_batch_python])
def test_a_foreign_item_is_skipped_and_reported(frame_batch: object) -> None:
    data, failure = frame_batch([b"a", 1, (), (lambda item: "text",), b"b"], encode_scalar_event)  # type: ignore[operator]
    assert data == record.frame(b"a") + record.frame(b"b")
    assert isinstance(failure, TypeError) and "bytes or a tuple" in str(failure)


def test_the_writer_uses_the_extension_unless_told_not_to() -> None:
    pure = os.environ.get("LIGHTBOARD_PURE_PYTHON") == "1"
    assert record.frame_batch is (record.frame_batch_python if pure else framing.frame_batch)


def test_pure_python_switch() -> None:
    code = "from lightboard.events import record; print(record.frame_batch is record.frame_batch_python)"
    env = dict(os.environ, LIGHTBOARD_PURE_PYTHON="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
