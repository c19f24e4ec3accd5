"""``lightboard watch``: a NaN written by another process is reported within 2 s; rules, --exec, exit statuses."""

from __future__ import annotations

import json
import math
import os
import pathlib
import queue
import subprocess
import sys
import threading
import time

import pytest

from lightboard.cli import main

WRITER = """
import math, sys, time
from lightboard import SummaryWriter

writer = SummaryWriter(sys.argv[1], alerts=False)  # nothing recorded: watch must find the NaN itself
for step in range(40):
    writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.flush()
    time.sleep(0.05)
writer.add_scalar("loss", math.nan, 40)
writer.flush()  # the NaN is in the file now
print(time.time(), flush=True)
time.sleep(5)
writer.close()
"""


def _lines(stream: object, into: queue.Queue) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put((time.time(), line))


def test_watch_reports_a_nan_written_by_another_process_within_2_s(tmp_path: pathlib.Path) -> None:
    logdir = tmp_path / "runs"  # does not exist yet: watch waits for it
    watch = subprocess.Popen(
        [sys.executable, "-m", "lightboard", "watch", str(logdir), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = None
    try:
        reported: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(watch.stdout, reported), daemon=True).start()
        time.sleep(0.5)
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(logdir / "exp1")], stdout=subprocess.PIPE, text=True
        )
        written = float(writer.stdout.readline())  # type: ignore[union-attr]
        seen, line = reported.get(timeout=30)
    finally:
        for process in (watch, writer):
            if process is not None:
                process.kill()
                process.wait()
    alert = json.loads(line)
    assert seen - written <= 2.0, f"reported {seen - written:.2f} s after the write"
    assert {key: alert[key] for key in ("run", "tag", "step", "rule", "value")} == {
        "run": "exp1",
        "tag": "loss",
        "step": 40,
        "rule": "nan",
        "value": "NaN",
    }


@pytest.fixture(scope="module")
def tensorboardx_logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A tensorboardX run ``tbx``: loss 1.0 then 100 from step 50, NaN at 100; acc flat at 0.5."""
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("watch")
    writer = SummaryWriter(str(root / "tbx"))
    for step in range(100):
        writer.add_scalar("loss", 1.0 if step < 50 else 100.0, step)
        writer.add_scalar("acc", 0.5, step)
    writer.add_scalar("loss", math.nan, 100)
    writer.close()
    return root


def test_once_applies_each_rule_and_prints_a_line_each(tensorboardx_logdir: pathlib.Path, capsys) -> None:
    rules = ["nan", "diverged:loss:10:5", "plateau:acc:20:mode=max", "threshold:loss:above=50"]
    argv = ["watch", str(tensorboardx_logdir), "--once", "--json", *(f"--rule={rule}" for rule in rules)]
    assert main(argv) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted((alert["rule"], alert["tag"], alert["step"]) for alert in found) == [
        ("diverged", "loss", 50),
        ("nan", "loss", 100),
        ("plateau", "acc", 20),
        ("threshold", "loss", 50),
    ]


def test_exit_on_alert_and_text_lines(tensorboardx_logdir: pathlib.Path, capsys) -> None:
    assert main(["watch", str(tensorboardx_logdir), "--once", "--exit-on-alert"]) == 3
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith("  nan: tbx loss at step 100: non-finite value nan")
    assert main(["watch", str(tensorboardx_logdir), "--once", "--exit-on-alert", "--rule", "nan:acc"]) == 0


def test_exec_runs_the_command_with_the_alert_in_its_environment(
    tensorboardx_logdir: pathlib.Path, tmp_path: pathlib.Path, capsys
) -> None:
    out = tmp_path / "out.txt"
    command = f'echo "$LIGHTBOARD_RUN $LIGHTBOARD_TAG $LIGHTBOARD_STEP $LIGHTBOARD_VALUE $LIGHTBOARD_RULE" >> {out}'
    assert main(["watch", str(tensorboardx_logdir), "--once", "--exec", command]) == 0
    assert out.read_text() == "tbx loss 100 nan nan\n"  # watch waited for it before exiting


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--rule", "bogus:loss"], "unknown rule 'bogus'"),
        (["--rule", "diverged:"], "the tag pattern is empty"),
        (["--rule", "threshold:loss"], "give above=, below= or both"),
        (["--stall", "0"], "seconds must be > 0"),
        (["--exec", "no-such-program-x --flag"], "--exec: 'no-such-program-x --flag': 'no-such-program-x' is not"),
        (["--interval", "0"], "--interval must be > 0"),
    ],
)
def test_bad_rules_exit_2_naming_them(tensorboardx_logdir: pathlib.Path, argv: list[str], named: str, capsys) -> None:
    assert main(["watch", str(tensorboardx_logdir), *argv]) == 2
    assert named in capsys.readouterr().err


def test_once_on_a_missing_logdir_exits_2(tmp_path: pathlib.Path, capsys) -> None:
    assert main(["watch", str(tmp_path / "nothing"), "--once"]) == 2
    assert "no such logdir" in capsys.readouterr().err


def test_writer_records_are_reported_with_their_stack(tmp_path: pathlib.Path, capsys) -> None:
    from lightboard import SummaryWriter
    from lightboard.alerts import Alert
    from lightboard.alerts.record import event

    with SummaryWriter(tmp_path / "run", alerts=False) as writer:
        stall = Alert("ignored", "", 7, 1.0, "stalled", 3.0, "no add_* call for 3.0 s", 'Thread 0x1 ("x"):\n  a')
        writer.file_writer.queue(event(stall))
    assert main(["watch", str(tmp_path), "--once", "--json"]) == 0
    [alert] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert alert == {**stall._asdict(), "run": "run"}
    assert os.environ.get("LIGHTBOARD_RUN") is None


def test_watch_reads_a_url_logdir(capsys) -> None:
    pytest.importorskip("fsspec")
    from lightboard import SummaryWriter

    url = "memory://watch-test/runs"
    with SummaryWriter(f"{url}/exp", alerts=False) as writer:
        writer.add_scalar("loss", 1.0, 0)
        writer.add_scalar("loss", math.inf, 1)
    assert main(["watch", url, "--once", "--json", "--exit-on-alert"]) == 3
    [alert] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (alert["run"], alert["tag"], alert["step"], alert["value"]) == ("exp", "loss", 1, "Infinity")
