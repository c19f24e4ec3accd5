"""The real TensorBoard shows a recorded alert in its text dashboard: the headline and a stall's stacks."""

from __future__ import annotations

import math
import pathlib
import time

from lightboard import SummaryWriter
from lightboard.alerts import Stalled
from tests.tensorboard_server import TensorBoardServer


def test_tensorboard_text_dashboard_shows_alerts(tmp_path: pathlib.Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SummaryWriter(tmp_path / "train", alerts=[Stalled(0.2)]) as writer:
            writer.add_scalar("loss", 0.5, 41)
            writer.add_scalar("loss", math.nan, 42)
            deadline = time.monotonic() + 30
            while "stalled" not in _alert_rules(tmp_path / "train"):  # written and flushed by the watchdog
                assert time.monotonic() < deadline, "no stall alert"
                time.sleep(0.05)
    with TensorBoardServer(tmp_path, load_fast=True) as server:
        server.wait_for_tags({"text": {"train": {"lightboard/alerts"}}})
        entries = server.get_json("/data/plugin/text/text", run="train", tag="lightboard/alerts")
    assert [entry["step"] for entry in entries] == [42, 43]  # an alert's event step is past the run's last alert's
    nan, stall = (entry["text"] for entry in entries)
    assert "<strong>lightboard alert: nan</strong> <code>loss</code> at step 42: non-finite value nan" in nan
    assert "<strong>lightboard alert: stalled</strong> at step 42: no add_* call for" in stall
    assert "Current thread 0x" in stall and "test_tensorboard_text_dashboard_shows_alerts" in stall


def _alert_rules(run: pathlib.Path) -> list[str]:
    from lightboard import read

    return [alert.rule for alert in read(run)["."].alerts()]
