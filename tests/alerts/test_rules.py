"""Each rule on logdirs written by tensorboardX and by lightboard (``alerts.check``), and rule validation."""

from __future__ import annotations

import math
import pathlib

import pytest

from lightboard import alerts
from lightboard.alerts import Diverged, NonFinite, Plateau, RuleError, Stalled, Threshold, parse_rule

EXPECTED = [  # rule, tag, step, value
    (NonFinite(), "train/loss", 90, math.nan),
    (Threshold("^lr$", below=1e-4), "lr", 14, 0.1 * 0.6**14),
    (Threshold("loss", above=10), "train/loss", 60, 40.0),
    (Diverged("loss", factor=10, window=5), "train/loss", 60, 40.0),
    (Plateau("val/acc", patience=50, mode="max"), "val/acc", 90, 0.4),
]


@pytest.mark.parametrize(("rule", "tag", "step", "value"), EXPECTED, ids=[rule.name for rule, *_ in EXPECTED])
def test_each_rule_fires_once_at_its_step(written: pathlib.Path, rule, tag: str, step: int, value: float) -> None:
    [alert] = alerts.check(written, [rule])
    assert (alert.run, alert.tag, alert.step, alert.rule) == ("run", tag, step, rule.name)
    assert alert.value == pytest.approx(value, rel=1e-6, nan_ok=True)
    assert alert.message


def test_all_rules_together_and_the_default(written: pathlib.Path) -> None:
    found = alerts.check(written, [rule for rule, *_ in EXPECTED])
    assert sorted((alert.rule, alert.tag, alert.step) for alert in found) == sorted(
        (rule.name, tag, step) for rule, tag, step, _ in EXPECTED
    )
    assert [(alert.rule, alert.step) for alert in alerts.check(written)] == [("nan", 90)]


def test_quiet_series_give_no_alert(written: pathlib.Path) -> None:
    rules = [Threshold("lr", above=1), Diverged("loss", factor=1000), Plateau("val/acc", 500, mode="max")]
    assert alerts.check(written, rules) == []
    assert alerts.check(written, [NonFinite("acc")]) == []


def test_batch_and_point_by_point_agree() -> None:
    import numpy as np

    values = np.array([3.0, 2.0, 2.5, 1.0, 8.0, 9.0, 9.5, np.inf, 0.5], np.float32)
    steps = np.arange(len(values)) * 10
    for rule in (NonFinite(), Threshold("x", above=8.9), Diverged("x", 4, 2), Plateau("x", 30), Plateau("x", 20)):
        one, many = rule.tracker(), rule.tracker()
        fired = next(
            (
                (index, message)
                for index, (s, v) in enumerate(zip(steps.tolist(), values.tolist(), strict=True))
                if (message := one.update(s, v))
            ),
            None,
        )
        assert many.update_many(steps, values) == fired, rule


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("nan", NonFinite()),
        ("nan:^loss", NonFinite("^loss")),
        ("diverged:loss:10", Diverged("loss", 10)),
        ("diverged:loss:factor=5:window=50", Diverged("loss", 5, 50)),
        ("plateau:val/acc:2000:mode=max", Plateau("val/acc", 2000, mode="max")),
        ("plateau:loss:100:0.01", Plateau("loss", 100, 0.01)),
        ("threshold:loss:above=10", Threshold("loss", above=10)),
        ("threshold:lr:below=1e-6", Threshold("lr", below=1e-6)),
        ("stalled:600", Stalled(600)),
    ],
)
def test_rule_specs(spec: str, expected) -> None:
    assert repr(parse_rule(spec)) == repr(expected)


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: parse_rule("bogus:loss"), "unknown rule 'bogus'"),
        (lambda: parse_rule("diverged:"), "tag pattern is empty"),
        (lambda: parse_rule("diverged:loss:0.5"), "factor must be > 1"),
        (lambda: parse_rule("diverged:loss:10:2.5"), "window must be an int"),
        (lambda: parse_rule("threshold:loss:abov=3"), "unknown parameter 'abov'"),
        (lambda: parse_rule("threshold:loss"), "give above=, below= or both"),
        (lambda: parse_rule("plateau:loss"), "patience"),
        (lambda: parse_rule("plateau:loss:10:mode=up"), "mode must be 'min' or 'max'"),
        (lambda: parse_rule("stalled:-1"), "seconds must be > 0"),
        (lambda: parse_rule("nan:a:b"), "too many parameters"),
        (lambda: Diverged(""), "tag pattern is empty"),
        (lambda: Diverged("loss[", 10), "bad tag pattern 'loss['"),
        (lambda: Threshold("x", above=1, below=2), "every value would alert"),
        (lambda: Threshold("x", above=math.nan), "above must be a finite number"),
        (lambda: Plateau("x", True), "patience must be an int"),
        (lambda: Diverged(None), "a tag pattern is required"),
    ],
)
def test_bad_rules_name_what_is_wrong(make, named: str) -> None:
    with pytest.raises(RuleError, match=named.replace("[", r"\[").replace("(", r"\(")):
        make()


def test_check_refuses_stalled(written: pathlib.Path) -> None:
    with pytest.raises(RuleError, match="Stalled"):
        alerts.check(written, [Stalled(1)])


def test_nan_and_inf_in_torch_and_tensorflow_files() -> None:
    fixtures = pathlib.Path(__file__).resolve().parents[1] / "reader" / "fixtures"
    found = {(alert.run, alert.tag): (alert.step, alert.value) for alert in alerts.check(fixtures)}
    assert found[("torch", "scalar/simple")] == (2, pytest.approx(math.nan, nan_ok=True))
    assert found[("torch", "scalar/new_style")][0] == 2
    assert found[("tensorflow/v1", "scalar/simple")][0] == 2  # v1 simple_value
    assert found[("tensorflow/v2", "scalar/f32")][0] == 2  # v2 tensors, migrated at read time
    assert found[("tensorflow/v2", "scalar/f64_input")] == (2, math.inf)
    assert found[("tensorboardx", "scalar/plain")][0] == 2
