"""Alert rules: what makes a scalar series, or a silent writer, worth an alert.

A rule is a description (tag pattern and parameters, checked when it is made); :meth:`Rule.tracker` gives the
state that follows one (run, tag) series point by point. The writer feeds trackers each value as it is logged;
``lightboard watch`` and :func:`lightboard.alerts.check` feed them what the reader reads, in batches. A tracker
fires at most once: the caller forgets it after its first alert.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

Action = str | Callable[[Any], Any]
"""What to do on an alert: ``"warn"``, ``"raise"``, a shell command, or a callable taking the :class:`Alert`."""


class RuleError(ValueError):
    """A rule, a rule parameter, a tag pattern or an action that cannot work; the message names it."""


class Tracker:
    """The state of one rule on one series: :meth:`update` per point, :meth:`update_many` per batch."""

    def update(self, step: int, value: float) -> str | None:
        """Take one point; return the alert's message if it fires now."""
        raise NotImplementedError

    def update_many(self, steps: Any, values: Any) -> tuple[int, str] | None:
        """Take a batch (numpy arrays); return ``(index of the point that fired, message)`` or None."""
        for index, (step, value) in enumerate(zip(steps.tolist(), values.tolist(), strict=True)):
            message = self.update(step, value)
            if message is not None:
                return index, message
        return None


class Rule:
    """Base of the rules: a tag pattern (a regular expression, matched with ``re.search``) and an action.

    Args:
        tag: the tags the rule watches; ``None`` only where a rule says so (every tag).
        on_alert: this rule's action(s), instead of the writer's or ``watch``'s.
    """

    name: ClassVar[str] = ""
    params: ClassVar[tuple[str, ...]] = ()
    """Parameter names after ``tag``, in the order a rule spec (``diverged:loss:10:50``) gives them."""

    def __init__(self, tag: str | None, on_alert: Action | Sequence[Action] | None = None) -> None:
        if tag is not None and not isinstance(tag, str):
            raise RuleError(f"{self._label()}: the tag pattern must be a str, got {type(tag).__name__}")
        if tag is not None and not tag:
            raise RuleError(f"{self._label()}: the tag pattern is empty (pass a regular expression such as 'loss')")
        try:
            self._pattern = None if tag is None else re.compile(tag)
        except re.error as error:
            raise RuleError(f"{self._label()}: bad tag pattern {tag!r}: {error}") from None
        self.tag = tag
        self.on_alert = on_alert

    def _label(self) -> str:
        return type(self).__name__

    def matches(self, tag: str) -> bool:
        """Whether this rule watches ``tag``."""
        return self._pattern is None or self._pattern.search(tag) is not None

    def tracker(self) -> Tracker:
        """Fresh state for one series."""
        raise NotImplementedError

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in ("tag", *self.params))
        return f"{type(self).__name__}({shown})"

    def _number(self, name: str, value: Any, *, low: float | None = None, integer: bool = False) -> Any:
        """``value`` checked: a real number (an int if ``integer``), finite, greater than ``low``."""
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or (not integer and not math.isfinite(value)):
            wanted = "an int" if integer else "a finite number"
            raise RuleError(f"{self._label()}: {name} must be {wanted}, got {value!r}")
        if low is not None and not value > low:
            raise RuleError(f"{self._label()}: {name} must be > {low}, got {value!r}")
        return value


def _shown(value: float) -> str:
    return f"{value:.6g}"


# -- NaN and infinities --------------------------------------------------------------------------------


class NonFinite(Rule):
    """A NaN or ±inf value (the check a writer always makes unless ``alerts=False``).

    Args:
        tag: the tags to watch; default every tag.
    """

    name = "nan"

    def __init__(self, tag: str | None = None, *, on_alert: Action | Sequence[Action] | None = None) -> None:
        super().__init__(tag, on_alert)

    def tracker(self) -> Tracker:
        """Fires on the first non-finite value."""
        return _NonFiniteTracker()


class _NonFiniteTracker(Tracker):
    def update(self, step: int, value: float) -> str | None:
        if value - value:  # NaN or ±inf; 0.0 for every finite value
            return f"non-finite value {value}"
        return None

    def update_many(self, steps: Any, values: Any) -> tuple[int, str] | None:
        import numpy as np

        bad = np.flatnonzero(~np.isfinite(values))
        if not len(bad):
            return None
        index = int(bad[0])
        return index, f"non-finite value {float(values[index])}"


# -- thresholds -----------------------------------------------------------------------------------------


class Threshold(Rule):
    """A value above ``above`` or below ``below`` (NaN is left to :class:`NonFinite`).

    Args:
        tag: the tags to watch (a regular expression).
        above: alert when a value is greater than this.
        below: alert when a value is less than this.
    """

    name = "threshold"
    params = ("above", "below")

    def __init__(
        self,
        tag: str,
        above: float | None = None,
        below: float | None = None,
        *,
        on_alert: Action | Sequence[Action] | None = None,
    ) -> None:
        super().__init__(_required(self, tag), on_alert)
        if above is None and below is None:
            raise RuleError(f"Threshold({tag!r}): give above=, below= or both")
        self.above = None if above is None else float(self._number("above", above))
        self.below = None if below is None else float(self._number("below", below))
        if self.above is not None and self.below is not None and self.above < self.below:
            raise RuleError(f"Threshold({tag!r}): above={above} is less than below={below}: every value would alert")

    def tracker(self) -> Tracker:
        """Fires on the first value out of bounds."""
        return _ThresholdTracker(self.above, self.below)


class _ThresholdTracker(Tracker):
    def __init__(self, above: float | None, below: float | None) -> None:
        self.above = math.inf if above is None else above
        self.below = -math.inf if below is None else below

    def update(self, step: int, value: float) -> str | None:
        if value > self.above:
            return f"{_shown(value)} is above {_shown(self.above)}"
        if value < self.below:
            return f"{_shown(value)} is below {_shown(self.below)}"
        return None

    def update_many(self, steps: Any, values: Any) -> tuple[int, str] | None:
        import numpy as np

        out = np.flatnonzero((values > self.above) | (values < self.below))
        if not len(out):
            return None
        index = int(out[0])
        message = self.update(int(steps[index]), float(values[index]))
        assert message is not None
        return index, message


# -- divergence -----------------------------------------------------------------------------------------


class Diverged(Rule):
    """A positive quantity such as a loss that blew up: the mean of its last ``window`` values exceeds
    ``factor`` times the lowest such mean so far. Non-finite values are left to :class:`NonFinite`.

    Args:
        tag: the tags to watch (a regular expression).
        factor: how many times the best windowed mean the current one must exceed (> 1).
        window: how many consecutive values each mean takes (smooths out single spikes).
    """

    name = "diverged"
    params = ("factor", "window")

    def __init__(
        self,
        tag: str,
        factor: float = 10.0,
        window: int = 20,
        *,
        on_alert: Action | Sequence[Action] | None = None,
    ) -> None:
        super().__init__(_required(self, tag), on_alert)
        self.factor = float(self._number("factor", factor, low=1))
        self.window = self._number("window", window, low=0, integer=True)

    def tracker(self) -> Tracker:
        """Keeps a running sum of the last ``window`` finite values and the lowest mean."""
        return _DivergedTracker(self.factor, self.window)


class _DivergedTracker(Tracker):
    def __init__(self, factor: float, window: int) -> None:
        self.factor, self.window = factor, window
        self.values: deque[float] = deque()
        self.total = 0.0
        self.best = math.inf

    def update(self, step: int, value: float) -> str | None:
        if value - value:
            return None
        values = self.values
        values.append(value)
        self.total += value
        if len(values) > self.window:
            self.total -= values.popleft()
        elif len(values) < self.window:
            return None
        mean = self.total / self.window
        if mean < self.best:
            self.best = mean
        elif self.best > 0 and mean > self.factor * self.best:
            return (
                f"mean of the last {self.window} values {_shown(mean)} > {_shown(self.factor)} x the lowest "
                f"such mean {_shown(self.best)}"
            )
        return None


# -- plateaus -------------------------------------------------------------------------------------------


class Plateau(Rule):
    """No improvement for ``patience`` steps: the value did not get below (``mode="max"``: above) its best
    by more than ``min_delta`` since the step of that best. Non-finite values are ignored.

    Args:
        tag: the tags to watch (a regular expression).
        patience: steps without improvement that make a plateau.
        min_delta: how much better than the best a value must be to count as an improvement.
        mode: ``"min"`` (a loss, default) or ``"max"`` (an accuracy).
    """

    name = "plateau"
    params = ("patience", "min_delta", "mode")

    def __init__(
        self,
        tag: str,
        patience: int,
        min_delta: float = 0.0,
        mode: str = "min",
        *,
        on_alert: Action | Sequence[Action] | None = None,
    ) -> None:
        super().__init__(_required(self, tag), on_alert)
        self.patience = self._number("patience", patience, low=0, integer=True)
        self.min_delta = float(self._number("min_delta", min_delta))
        if self.min_delta < 0:
            raise RuleError(f"Plateau: min_delta must be >= 0, got {min_delta!r}")
        if mode not in ("min", "max"):
            raise RuleError(f"Plateau: mode must be 'min' or 'max', got {mode!r}")
        self.mode = mode

    def tracker(self) -> Tracker:
        """Keeps the best value and its step."""
        return _PlateauTracker(self.patience, self.min_delta, -1.0 if self.mode == "max" else 1.0)


class _PlateauTracker(Tracker):
    def __init__(self, patience: int, min_delta: float, sign: float) -> None:
        self.patience, self.min_delta, self.sign = patience, min_delta, sign
        self.best: float | None = None
        self.best_step = 0

    def update(self, step: int, value: float) -> str | None:
        if value - value:
            return None
        signed = self.sign * value
        if self.best is None or signed < self.best - self.min_delta:
            self.best, self.best_step = signed, step
        elif step - self.best_step >= self.patience:
            return (
                f"no improvement on {_shown(self.sign * self.best)} (step {self.best_step}) "
                f"for {step - self.best_step} steps"
            )
        return None


# -- hangs ----------------------------------------------------------------------------------------------


class Stalled(Rule):
    """Nothing logged for ``seconds`` (no ``add_*`` call in a writer; no new bytes in a run for ``watch``).

    A writer's watchdog thread writes the alert to disk at once, with every thread's stack.
    """

    name = "stalled"
    params = ("seconds",)

    def __init__(self, seconds: float, *, on_alert: Action | Sequence[Action] | None = None) -> None:
        super().__init__(None, on_alert)
        self.seconds = float(self._number("seconds", seconds, low=0))

    def tracker(self) -> Tracker:
        """Stalls are not a property of a series."""
        raise TypeError("Stalled watches a writer or a run, not a series")

    def __repr__(self) -> str:
        return f"Stalled({self.seconds!r})"


def _required(rule: Rule, tag: Any) -> Any:
    if tag is None:
        raise RuleError(f"{type(rule).__name__}: a tag pattern is required (a regular expression such as 'loss')")
    return tag


RULES: dict[str, type[Rule]] = {rule.name: rule for rule in (NonFinite, Threshold, Diverged, Plateau, Stalled)}
"""Rule classes by their spec name."""


def parse_rule(spec: str) -> Rule:
    """A rule from its spec ``NAME[:TAG[:PARAM...]]``: params in the rule's order or as ``key=value``.

    Examples: ``nan``, ``nan:^loss``, ``diverged:loss:10``, ``diverged:loss:factor=5:window=50``,
    ``plateau:val/acc:2000:mode=max``, ``threshold:loss:above=10``, ``stalled:600`` (no tag).

    Raises:
        RuleError: unknown rule, missing or bad parameter, empty tag pattern (the message quotes ``spec``).
    """
    name, *fields = spec.split(":")
    cls = RULES.get(name.strip().lower())
    if cls is None:
        raise RuleError(f"unknown rule {name!r} in {spec!r}; rules: {', '.join(RULES)}")
    names = list(cls.params) if cls is Stalled else ["tag", *cls.params]
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for field in fields:
        key, equals, text = field.partition("=")
        if equals and key in names:
            keywords[key] = _value(text)
        elif equals and key.isidentifier() and (positional or "tag" not in names):
            raise RuleError(f"rule {spec!r}: unknown parameter {key!r}; {name} takes {':'.join(names)}")
        elif keywords:
            raise RuleError(f"rule {spec!r}: positional parameter {field!r} after key=value ones")
        elif len(positional) == 0 and "tag" in names:
            positional.append(field)  # the tag pattern stays text
        else:
            positional.append(_value(field))
    if len(positional) > len(names):
        raise RuleError(f"rule {spec!r}: too many parameters; {name} takes {':'.join(names)}")
    try:
        return cls(*positional, **keywords)
    except RuleError as error:
        raise RuleError(f"rule {spec!r}: {error}") from None
    except TypeError as error:
        raise RuleError(f"rule {spec!r}: {error}; {name} takes {':'.join(names)}") from None


def _value(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text
