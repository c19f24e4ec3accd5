"""The writer's alerts: NaN / inf always checked, rules, actions, and ``alerts=False`` as tensorboardX."""

from __future__ import annotations

import math
import os
import pathlib
import warnings

import pytest

import lightboard
from lightboard import SummaryWriter, TrainingAlert, TrainingAlertWarning, read
from lightboard.alerts import ALERT_TAG, Alert, Diverged, NonFinite, Plateau, RuleError, Stalled, Threshold
from lightboard.events.record import iter_records
from lightboard.proto.event_pb2 import Event
from tests.alerts.series import SERIES, write_series


def events(run: pathlib.Path) -> list[Event]:
    """Every event of the run's files."""
    found = []
    for name in sorted(os.listdir(run)):
        found += [Event.FromString(record) for record in iter_records((run / name).read_bytes())]
    return found


def test_first_non_finite_value_of_each_tag_warns_once_and_is_recorded(tmp_path: pathlib.Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with SummaryWriter(tmp_path) as writer:
            writer.add_scalar("loss", 1.0, 0)
            writer.add_scalar("loss", math.nan, 1)
            writer.add_scalar("loss", math.inf, 2)
            writer.add_scalar("grad norm", -math.inf, 3)  # the tag as stored: grad_norm
            writer.add_scalar("ok", 2.0, 4)
    assert [type(warning.message) for warning in caught] == [TrainingAlertWarning] * 2
    assert caught[0].filename == __file__  # attributed to the add_scalar call
    assert "nan" in str(caught[0].message) and "loss" in str(caught[0].message)
    recorded = read(tmp_path)["."].alerts()
    assert [(alert.tag, alert.step, alert.rule) for alert in recorded] == [("loss", 1, "nan"), ("grad_norm", 3, "nan")]
    assert math.isnan(recorded[0].value) and recorded[1].value == -math.inf
    assert read(tmp_path).scalars(".", "loss").value.tolist()[1:] == [pytest.approx(math.nan, nan_ok=True), math.inf]


def test_warning_is_filterable(tmp_path: pathlib.Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=lightboard.TrainingAlertWarning)
        with SummaryWriter(tmp_path) as writer:
            writer.add_scalar("loss", math.nan, 1)
    assert len(read(tmp_path)["."].alerts()) == 1


def test_alerts_false_writes_what_tensorboardx_writes(tmp_path: pathlib.Path) -> None:
    from tensorboardX import SummaryWriter as TensorboardXWriter

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_series(SummaryWriter(tmp_path / "ours", alerts=False))
    write_series(TensorboardXWriter(str(tmp_path / "theirs")))

    def summaries(run: pathlib.Path) -> list[tuple]:
        return [(e.step, v.tag, v.simple_value) for e in events(run) for v in e.summary.value]

    ours, theirs = summaries(tmp_path / "ours"), summaries(tmp_path / "theirs")
    assert len(ours) == sum(len(points) for points in SERIES.values())
    assert repr(ours) == repr(theirs)  # repr: NaN equals NaN
    assert read(tmp_path / "ours")["."].alerts() == []


def test_rules_record_what_check_finds_on_any_writer(tmp_path: pathlib.Path) -> None:
    rules = [Threshold("loss", above=10), Diverged("loss", factor=10, window=5), Plateau("val/acc", 50, mode="max")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_series(SummaryWriter(tmp_path / "run", alerts=rules))
    recorded = read(tmp_path).alerts()
    assert sorted((alert.rule, alert.tag, alert.step) for alert in recorded) == [
        ("diverged", "train/loss", 60),
        ("nan", "train/loss", 90),
        ("plateau", "val/acc", 90),
        ("threshold", "train/loss", 60),
    ]
    assert len(caught) == 4
    steps = [event.step for event in events(tmp_path / "run") for v in event.summary.value if v.tag == ALERT_TAG]
    assert steps == [60, 61, 90, 91]  # strictly increasing, or TensorBoard would keep one alert per step
    # check() on the same logdir reports the writer's records once, not again from its own rules
    found = lightboard.alerts.check(tmp_path, [NonFinite(), *rules])
    assert sorted((alert.rule, alert.step) for alert in found) == sorted((alert.rule, alert.step) for alert in recorded)


def test_raise_stops_the_loop_at_the_call_that_found_it(tmp_path: pathlib.Path) -> None:
    logged = []
    with SummaryWriter(tmp_path, alerts=[Threshold("loss", above=5)], on_alert="raise") as writer:
        with pytest.raises(TrainingAlert) as raised:
            for step in range(100):
                writer.add_scalar("loss", float(step), step)
                logged.append(step)
        writer.add_text("checkpoint", "saved at the alert", step)  # the loop can checkpoint and stop
    assert logged == [0, 1, 2, 3, 4, 5]
    alert = raised.value.alert
    assert (alert.rule, alert.tag, alert.step, alert.value) == ("threshold", "loss", 6, 6.0)
    assert read(tmp_path).scalars(".", "loss").step.tolist() == list(range(7))  # the value itself is logged
    assert [a.step for a in read(tmp_path)["."].alerts()] == [6]


def test_a_callable_and_a_rule_of_its_own(tmp_path: pathlib.Path) -> None:
    seen: list[Alert] = []
    rules = [NonFinite("^loss$", on_alert="raise")]
    with SummaryWriter(tmp_path, alerts=rules, on_alert=seen.append) as writer:
        writer.add_scalar("acc", math.nan, 1)  # the default NaN check: the writer's action (the callable)
        with pytest.raises(TrainingAlert, match="loss"):
            writer.add_scalar("loss", math.nan, 2)  # its own rule: raise, and no second NaN alert for it
        writer.add_scalar("loss", math.nan, 3)  # once per tag
    assert not writer._check_every  # NaN rules only: finite values take the hot path
    assert [(alert.tag, alert.step) for alert in seen] == [("acc", 1)]
    assert [(alert.tag, alert.step) for alert in read(tmp_path)["."].alerts()] == [("acc", 1), ("loss", 2)]


def test_shell_command_gets_the_alert_in_its_environment(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out.txt"
    command = f'echo "$LIGHTBOARD_RUN|$LIGHTBOARD_TAG|$LIGHTBOARD_STEP|$LIGHTBOARD_VALUE|$LIGHTBOARD_RULE" > {out}'
    with SummaryWriter(tmp_path / "run", on_alert=command) as writer:
        writer.add_scalar("loss", math.inf, 7)
    deadline = 50
    while not out.exists() or not out.read_text().endswith("\n"):
        deadline -= 1
        assert deadline, "the command did not run"
        import time

        time.sleep(0.1)
    assert out.read_text() == f"{tmp_path / 'run'}|loss|7|inf|nan\n"


def test_add_scalars_alerts_go_to_the_sub_run(tmp_path: pathlib.Path) -> None:
    with pytest.warns(TrainingAlertWarning):
        with SummaryWriter(tmp_path) as writer:
            writer.add_scalars("loss", {"train": 1.0, "val": math.nan}, 5)
    logdir = read(tmp_path)
    assert [(alert.run, alert.tag, alert.step) for alert in logdir.alerts()] == [("loss/val", "loss", 5)]
    assert logdir.alerts(runs="train") == [] and len(logdir.alerts(runs="^loss/")) == 1
    assert logdir["."].alerts() == logdir["loss/train"].alerts() == []


def test_new_style_and_display_name_values_are_checked(tmp_path: pathlib.Path) -> None:
    with pytest.warns(TrainingAlertWarning):
        with SummaryWriter(tmp_path) as writer:
            writer.add_scalar("loss", math.nan, 3, new_style=True)
    assert [alert.step for alert in read(tmp_path).alerts()] == [3]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"alerts": [Diverged("loss"), "plateau"]}, "'plateau' is not a rule"),
        ({"alerts": "nan"}, "alerts must be True, False or a list of rules"),
        ({"alerts": [Stalled(1), Stalled(2)]}, "one Stalled rule per writer"),
        ({"on_alert": "rasie"}, "'rasie' is not a command on PATH"),
        ({"on_alert": ["warn", 3]}, "3 is not 'warn', 'raise'"),
        ({"alerts": [Threshold("x", above=1, on_alert="no-such-program-x")]}, "no-such-program-x"),
    ],
)
def test_bad_alerts_fail_when_the_writer_starts(tmp_path: pathlib.Path, options: dict, named: str) -> None:
    with pytest.raises(RuleError, match=named):
        SummaryWriter(tmp_path, **options)
    assert not tmp_path.joinpath("x").exists()


def test_alert_records_render_and_parse_back() -> None:
    from lightboard.alerts.record import from_markdown, to_markdown

    alert = Alert("r", "loss", 3, 1.5, "stalled", math.inf, "no add_* call", "Thread 0x1 (most recent call first):")
    text = to_markdown(alert)
    assert text.startswith("**lightboard alert: stalled** `loss` at step 3: no add_* call")
    assert from_markdown(text, "r", 0, 0.0) == alert
    assert from_markdown("just text", "r", 0, 0.0) is None
    assert ALERT_TAG == "lightboard/alerts"
