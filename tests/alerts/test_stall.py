"""``Stalled``: a training process that hangs gets a stall alert on disk, with its stack, in time; ``"raise"``."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import time
import warnings

import pytest

from lightboard import SummaryWriter, TrainingAlert, TrainingAlertWarning, read
from lightboard.alerts import Stalled
from lightboard.alerts.follow import Follower

STALL_S = 1.0
HANGING = """
import sys, threading, time
from lightboard import SummaryWriter
from lightboard.alerts import Stalled

lock = threading.Lock()


def hang_on_lock():
    with lock:  # held below by this very thread: blocks for ever
        pass


def report(alert):  # runs on the watchdog thread once the alert is on disk
    print("numpy" in sys.modules, flush=True)


writer = SummaryWriter(sys.argv[1], alerts=[Stalled({stall})], on_alert=["warn", report], flush_secs=3600)
for step in range(5):
    writer.add_scalar("loss", 1.0 / (step + 1), step)
lock.acquire()
print(time.time(), flush=True)  # just after the last add_*
hang_on_lock()
"""


def test_a_process_hanging_on_a_lock_gets_a_stall_alert_with_its_stack(tmp_path: pathlib.Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HANGING.format(stall=STALL_S), str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        last_add = float(child.stdout.readline())  # type: ignore[union-attr]
        logdir = read(tmp_path)
        deadline = time.monotonic() + 30
        while not logdir["."].alerts():
            assert child.poll() is None and time.monotonic() < deadline, "no stall alert"
            time.sleep(0.02)
            logdir.refresh()
        seen = time.time()
        assert child.poll() is None  # still hanging: the alert did not wait for the process to end
        assert child.stdout.readline() == "False\n"  # type: ignore[union-attr] # the watchdog imported no numpy
    finally:
        child.kill()
        child.wait()
    [alert] = logdir["."].alerts()
    assert seen - last_add <= STALL_S + 1.0, f"alert on disk {seen - last_add:.2f} s after the last add_*"
    assert (alert.rule, alert.tag, alert.step) == ("stalled", "", 4)
    assert STALL_S <= alert.value <= STALL_S + 1.0
    assert "in hang_on_lock" in alert.stack and "('MainThread')" in alert.stack
    assert "('lightboard-alerts')" in alert.stack  # the watchdog's own stack, which wrote it
    # everything logged before the hang is on disk too (the writer flushed the file with the alert)
    assert logdir.scalars(".", "loss").step.tolist() == [0, 1, 2, 3, 4]


def test_raise_makes_the_next_add_raise_after_a_stall(tmp_path: pathlib.Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "raise" alone: no warning
        writer = SummaryWriter(tmp_path, alerts=[Stalled(0.1)], on_alert="raise")
        writer.add_scalar("loss", 1.0, 0)
        deadline = time.monotonic() + 30
        while writer._monitor.pending is None:
            assert time.monotonic() < deadline, "no stall"
            time.sleep(0.02)
        with pytest.raises(TrainingAlert, match="stalled") as raised:
            writer.add_histogram("w", [1.0, 2.0], 1)  # any add_*
        writer.add_scalar("loss", 0.5, 2)  # raised once: the loop can checkpoint and stop
        writer.close()
    assert raised.value.alert.rule == "stalled"
    logdir = read(tmp_path)
    assert [alert.rule for alert in logdir["."].alerts()] == ["stalled"]
    assert [histogram.step for histogram in logdir["."].histograms("w")] == [1]  # the raising call was logged


def test_no_stall_while_logging_nor_before_the_first_add_nor_after_close(tmp_path: pathlib.Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingAlertWarning)
        writer = SummaryWriter(tmp_path, alerts=[Stalled(0.3)])
        time.sleep(0.5)  # before the first add_*: not a stall (the job may still be loading data)
        for step in range(30):
            writer.add_scalar("loss", 1.0, step)
            time.sleep(0.02)
        writer.close()
        time.sleep(0.5)  # closed: the watchdog stopped
    assert read(tmp_path)["."].alerts() == []


def test_watch_reports_a_run_that_stops_growing_once_per_stall(tmp_path: pathlib.Path) -> None:
    clock = [0.0]
    follower = Follower([Stalled(10)], clock=lambda: clock[0])
    with SummaryWriter(tmp_path / "run", alerts=False) as writer:
        writer.add_scalar("loss", 1.0, 3)
        writer.flush()
        logdir = read(tmp_path, restarts="keep")
        assert follower.update(logdir) == []
        clock[0] = 9.0
        assert follower.update(logdir) == []
        clock[0] = 10.5
        [alert] = follower.update(logdir)
        assert (alert.run, alert.rule, alert.step, alert.value) == ("run", "stalled", 3, 10.5)
        clock[0] = 30.0
        assert follower.update(logdir) == []  # once per stall
        writer.add_scalar("loss", 1.0, 4)
        writer.flush()
        logdir.refresh()
        assert follower.update(logdir) == []  # it grew: the clock starts again
        clock[0] = 41.0
        assert [alert.step for alert in follower.update(logdir)] == [4]


SLOW_EXIT = """
import atexit, sys, time
from lightboard import SummaryWriter
from lightboard.alerts import Stalled

atexit.register(time.sleep, 1.5)  # a slow exit hook (joining workers, uploading...), registered first
writer = SummaryWriter(sys.argv[1], alerts=[Stalled(0.3)])
writer.add_scalar("loss", 1.0, 0)
"""


def test_a_slow_exit_is_no_stall(tmp_path: pathlib.Path) -> None:
    subprocess.run([sys.executable, "-c", SLOW_EXIT, str(tmp_path)], check=True, timeout=60)
    logdir = read(tmp_path)
    assert logdir.scalars(".", "loss").step.tolist() == [0]
    assert logdir["."].alerts() == []


def test_add_scalars_logs_every_value_before_raising_a_stall(tmp_path: pathlib.Path) -> None:
    writer = SummaryWriter(tmp_path, alerts=[Stalled(0.1)], on_alert="raise")
    writer.add_scalar("loss", 1.0, 0)
    deadline = time.monotonic() + 30
    while writer._monitor.pending is None:
        assert time.monotonic() < deadline, "no stall"
        time.sleep(0.02)
    with pytest.raises(TrainingAlert, match="stalled"):
        writer.add_scalars("pair", {"a": 1.0, "b": 2.0}, 3)
    writer.close()
    logdir = read(tmp_path)
    assert [logdir.scalars(f"pair/{key}", "pair").step.tolist() for key in "ab"] == [[3], [3]]
