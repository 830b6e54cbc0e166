"""Expanding one recurring series over the horizon, quickly and within a cap.

``recurring-ical-events`` expands a series by asking dateutil for every rule
instance from DTSTART up to the end of the span, as a list. That is exact but
unbounded: ``FREQ=SECONDLY`` with no end yields 34 million instances over
thirteen months, and a daily rule that starts in the year 1 walks 740,000 days
before the horizon begins. Two guards keep every series cheap:

- :func:`rebase_distant_start` moves the DTSTART of a rule that is fine-grained
  for its age (hourly from last year, daily from the Middle Ages) forward to
  just before the horizon, by a whole number of rule steps, so the instances
  inside the horizon are exactly the same;
- :func:`expand_bounded` expands a series in one call when a cheap upper bound
  on its instances is within the cap, and otherwise in windows sized from the
  rule's density, stopping as soon as the cap is passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Component

from calendars.ics_source import when

# Seconds per rule step for the frequencies worth rebasing.
STEP_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400}
# dateutil takes about 2 microseconds a step; 20,000 steps before the horizon cost nothing.
REBASE_AFTER_STEPS = 20_000
# Rule parts that filter or multiply the instances of a step.
BY_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY",
            "BYWEEKNO", "BYMONTH", "BYSETPOS")  # fmt: skip
# Instances a day that each frequency can make at most, before BYHOUR, BYMINUTE, BYSECOND.
PER_DAY_DEFAULTS = {
    "SECONDLY": (24, 60, 60),
    "MINUTELY": (24, 60, 1),
    "HOURLY": (24, 1, 1),
}


class CannotExpand(ValueError):
    """A series that cannot be expanded both exactly and safely."""


def rules_of(event: Component) -> list[Any]:
    """The event's RRULE values (vRecur), however many it has."""
    value = event.get("RRULE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def rebase_distant_start(
    event: Component, horizon_start: datetime, as_utc: Callable[[Any], datetime]
) -> None:
    """Move a fine-grained rule's DTSTART forward to just before ``horizon_start``.

    Shifting DTSTART by a whole number of steps keeps every later instance, so
    the expansion inside the horizon is unchanged. A COUNT is reduced by the
    steps skipped, which is exact only when every step is an instance (no BY
    parts); a counted rule with BY parts that starts that far back raises
    :class:`CannotExpand`.
    """
    rules = rules_of(event)
    if len(rules) != 1 or "DTSTART" not in event:
        return
    rule = rules[0]
    freq = _first(rule, "FREQ")
    if freq not in STEP_SECONDS:
        return
    start = when(event, "DTSTART")
    step = timedelta(seconds=STEP_SECONDS[freq] * max(int(_first(rule, "INTERVAL") or 1), 1))
    if not isinstance(start, datetime) and step < timedelta(days=1):
        return  # a date rule finer than daily is nonsense that dateutil refuses anyway
    steps = (
        math.floor((horizon_start - duration_of(event) - _utc_or_wall(start, as_utc)) / step) - 2
    )
    if steps <= REBASE_AFTER_STEPS:
        return
    count = _first(rule, "COUNT")
    if count is not None:
        if any(part in rule for part in BY_PARTS):
            raise CannotExpand(
                f"FREQ={freq} with COUNT and BY parts from long before the horizon "
                "cannot be expanded exactly; give it an UNTIL or a later DTSTART"
            )
        if int(count) <= steps:
            del event["RRULE"]  # every instance lies before the horizon
            return
        rule["COUNT"] = [int(count) - steps]
    shift = step * steps
    _set_time(event, "DTSTART", start + shift)
    if "DTEND" in event:
        _set_time(event, "DTEND", when(event, "DTEND") + shift)


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a series' rules promise before it is expanded.

    ``total`` and ``per_day`` are upper bounds on its instances in the horizon
    and in any one day; ``first`` is a UTC instant no instance starts before.
    """

    total: float
    per_day: float
    first: datetime


def estimate(
    event: Component, overrides: int, horizon_days: int, as_utc: Callable[[Any], datetime]
) -> Estimate:
    extra = len(_listed(event.get("RDATE"))) + overrides + 1
    per_day, total = 0.0, float(extra)
    for rule in rules_of(event):
        defaults = PER_DAY_DEFAULTS.get(_first(rule, "FREQ"), (1, 1, 1))
        parts = ("BYHOUR", "BYMINUTE", "BYSECOND")
        rule_per_day = math.prod(
            len(rule.get(part, ())) or default
            for part, default in zip(parts, defaults, strict=True)
        )
        rule_total = float(rule_per_day * horizon_days)
        count = _first(rule, "COUNT")
        per_day += rule_per_day
        total += min(rule_total, float(count)) if count is not None else rule_total
    first = (
        _utc_or_wall(when(event, "DTSTART"), as_utc)
        if "DTSTART" in event
        else datetime.min.replace(tzinfo=UTC)
    )
    rdates = [
        _utc_or_wall(value, as_utc)
        for value in _listed(event.get("RDATE"))
        if isinstance(value, date)
    ]
    return Estimate(total, max(per_day, 1.0), min([first, *rdates]))


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Reader:
    """How to read the expansion library's occurrences."""

    identity: Callable[[Any], Any]
    start: Callable[[Any], datetime]  # as a UTC instant
    wanted: Callable[[Any], bool]  # inside the horizon


def expand_bounded(
    between: Callable[[datetime, datetime], Iterable[Any]],
    span: Window,
    *,
    cap: int,
    rules: Estimate,
    read: Reader,
    slack: timedelta,
) -> tuple[list[Any], bool]:
    """The series' wanted occurrences in ``span``, at most ``cap``, and whether it was cut.

    ``between`` is the series' own expansion. ``slack`` widens each window for
    dates and floating times, which the library compares as if in UTC.
    """
    if rules.total <= cap:
        return [o for o in between(span.start, span.end) if read.wanted(o)], False
    kept: dict[Any, Any] = {}
    window_start = max(span.start, rules.first - slack)
    size = timedelta(days=min(cap / rules.per_day, (span.end - span.start).days + 1))
    while window_start < span.end and len(kept) <= cap:
        window_end = min(window_start + max(size, timedelta(seconds=1)), span.end)
        found = list(between(window_start - slack, window_end))
        for occurrence in found:
            if read.wanted(occurrence):
                kept.setdefault(read.identity(occurrence), occurrence)
        # Grow over empty stretches, shrink where the rule is denser than a window should hold.
        size = size * 2 if not found else size / 2 if len(found) > 2 * cap else size
        window_start = window_end
    ordered = sorted(kept.values(), key=read.start)
    return ordered[:cap], len(ordered) > cap


def duration_of(event: Component) -> timedelta:
    """How long each instance lasts, as far as the master event says."""
    start = when(event, "DTSTART")
    if "DTEND" in event:
        end = when(event, "DTEND")
        if isinstance(start, datetime) == isinstance(end, datetime) and _naive(start) == _naive(
            end
        ):
            return max(end - start, timedelta(0))
    length = getattr(event.get("DURATION"), "dt", None)
    if isinstance(length, timedelta):
        return max(length, timedelta(0))
    return timedelta(days=1) if not isinstance(start, datetime) else timedelta(0)


def _utc_or_wall(value: date | datetime, as_utc: Callable[[Any], datetime]) -> datetime:
    """``value`` in UTC; for the year 1, whose local midnight is outside Python's range, its wall time."""
    try:
        return as_utc(value)
    except OverflowError:
        wall = (
            value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())
        )
        return wall.replace(tzinfo=UTC) + timedelta(days=1)


def _naive(value: date | datetime) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


def _first(rule: Any, part: str) -> Any:
    values = rule.get(part)
    if not values:
        return None
    return values[0] if isinstance(values, list) else values


def _set_time(event: Component, name: str, value: date | datetime) -> None:
    params = event[name].params
    event.pop(name)
    event.add(name, value, parameters=dict(params))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [
        getattr(d, "dt", d)
        for item in values
        for d in (item.dts if hasattr(item, "dts") else [item])
    ]
