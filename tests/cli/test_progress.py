"""The progress bar: shown when forced or for a long read on a terminal, throttled, ended with a newline."""

from __future__ import annotations

import io
import itertools
import os
import pathlib
import types

import pytest

from lightboard.cli import main
from lightboard.cli import progress as progress_module
from lightboard.cli.progress import ProgressBar, size


@pytest.fixture
def fast_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar's clock advances 1 µs per reading, as in a quick loop however slow or busy the machine
    (a real pause of the redraw interval between two calls would add a redraw)."""
    ticks = itertools.count()
    monkeypatch.setattr(progress_module, "time", types.SimpleNamespace(monotonic=lambda: 1000.0 + next(ticks) * 1e-6))


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (3400, "3.4 kB"),
        (999_999, "1.0 MB"),
        (229e6, "229 MB"),
        (1.2e9, "1.2 GB"),
        (5e15, "5000 TB"),
    ],
)
def test_size(count: float, text: str) -> None:
    assert size(count) == text


@pytest.mark.usefixtures("fast_clock")
def test_a_forced_bar_draws_and_ends_its_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, force=True)
    bar(0, 2000)
    bar(2000, 2000)  # within the redraw interval: drawn by close()
    bar.close()
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\rreading |")
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    assert "100% 2.0 kB / 2.0 kB" in text.splitlines()[-1]
    assert text.splitlines()[-1].split("|")[1].strip(" █") == ""


@pytest.mark.usefixtures("fast_clock")
def test_redraws_are_throttled() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, force=True)
    for done in range(10_000):
        bar(done, 10_000)
    bar.close()
    assert stream.getvalue().count("\r") <= 4


def test_not_a_terminal_nothing_unless_forced() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, threshold=0)
    bar(0, 10**12)
    bar(10**12, 10**12)
    bar.close()
    assert stream.getvalue() == ""


def _drain(leader: int) -> bytes:
    """Everything written to a pseudo-terminal whose other end is closed (one read may return only part)."""
    chunks = []
    try:
        while chunk := os.read(leader, 65536):
            chunks.append(chunk)
    except OSError:  # Linux: EIO once the closed end's output is all read
        pass
    finally:
        os.close(leader)
    return b"".join(chunks)


@pytest.mark.usefixtures("fast_clock")
def test_on_a_terminal_only_long_reads_show() -> None:
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal:
        short = ProgressBar(terminal, threshold=1000)
        short(0, 999)
        short.close()
        long = ProgressBar(terminal, threshold=1000)
        long(0, 1000)
        long(1000, 1000)
        long.close()
    shown = _drain(leader).decode()
    assert shown.count("reading |") == 2  # the long read's first state and its last
    assert "100% 1.0 kB / 1.0 kB" in shown


def test_progress_and_quiet_options(logdir: pathlib.Path, capsys) -> None:
    assert main(["ls", str(logdir), "--progress"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("\rreading |") and "100%" in err and err.endswith("\n")
    assert main(["export", str(logdir), "-o", "-", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
