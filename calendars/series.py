"""Expanding one recurring series over the horizon, quickly and within a cap.

``recurring-ical-events`` expands a series by asking dateutil for every rule
instance from DTSTART up to the end of the span, as a list. That is exact but
unbounded: ``FREQ=SECONDLY`` with no end yields 34 million instances over
thirteen months, and a daily rule that starts in the year 1 walks 740,000 days
before the horizon begins. Two guards keep every series cheap:

- :func:`rebase_distant_start` moves the DTSTART of a fine-grained rule
  (hourly or finer, or daily and weekly from centuries ago) forward to just
  before the horizon, by a whole number of rule steps, so the set of instances
  inside the horizon is exactly the same;
- :func:`expand_bounded` expands a series in one call when a cheap upper bound
  on its instances is within the cap, and otherwise in growing windows that
  stop as soon as the cap is passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Event

# Seconds per rule step for the frequencies worth rebasing.
STEP_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
}
# dateutil takes about 2 microseconds a step; 20,000 steps before the horizon cost nothing.
REBASE_AFTER_STEPS = 20_000
# Rule parts that filter or multiply the instances of a step.
BY_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY",
            "BYWEEKNO", "BYMONTH", "BYSETPOS")  # fmt: skip
FIRST_WINDOW = timedelta(hours=1)


class CannotExpand(ValueError):
    """A series that cannot be expanded both exactly and safely."""


def rules_of(event: Event) -> list[Any]:
    """The event's RRULE values (vRecur), however many it has."""
    value = event.get("RRULE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def rebase_distant_start(
    event: Event, horizon_start: datetime, as_utc: Callable[[Any], datetime]
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
    start = event["DTSTART"].dt
    step = timedelta(seconds=STEP_SECONDS[freq] * max(int(_first(rule, "INTERVAL") or 1), 1))
    if not isinstance(start, datetime) and step < timedelta(days=1):
        return  # a date rule finer than daily is nonsense that dateutil refuses anyway
    duration = _duration(event)
    steps = math.floor((horizon_start - duration - as_utc(start)) / step) - 1
    if steps <= REBASE_AFTER_STEPS:
        return
    count = _first(rule, "COUNT")
    if count is not None:
        if any(part in rule for part in BY_PARTS):
            raise CannotExpand(
                f"repeats every {freq.lower()[:-2] or freq.lower()} with COUNT and BY parts from long "
                "before the horizon; closewatch cannot expand it exactly"
            )
        if int(count) <= steps:
            del event["RRULE"]  # every instance lies before the horizon
            return
        rule["COUNT"] = [int(count) - steps]
    shift = step * steps
    _set_time(event, "DTSTART", start + shift)
    if "DTEND" in event:
        _set_time(event, "DTEND", event["DTEND"].dt + shift)


def instances_bound(event: Event, horizon_days: int) -> float:
    """An upper bound on the event's instances in a horizon of ``horizon_days``."""
    bound = float(len(_listed(event.get("RDATE"))) + 1)
    for rule in rules_of(event):
        freq = _first(rule, "FREQ")
        times = math.prod(
            len(rule.get(part, ())) or 1 for part in ("BYHOUR", "BYMINUTE", "BYSECOND")
        )
        per_day = {
            "SECONDLY": 86400,
            "MINUTELY": 1440 * times,
            "HOURLY": 24 * times,
        }.get(freq, times)
        rule_bound = float(per_day * (horizon_days + 2))
        count = _first(rule, "COUNT")
        bound += min(rule_bound, float(count)) if count is not None else rule_bound
    return bound


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


def expand_bounded(
    between: Callable[[datetime, datetime], Iterable[Any]],
    span: Window,
    *,
    cap: int,
    bound: float,
    identity: Callable[[Any], Any],
    start_of: Callable[[Any], datetime],
) -> tuple[list[Any], bool]:
    """The series' occurrences in ``span``, at most ``cap`` of them, and whether it was cut.

    ``between`` is the series' own expansion; ``identity`` tells repeated
    occurrences (one that spans two windows) apart; ``start_of`` gives an
    occurrence's start as a UTC instant for ordering.
    """
    if bound <= cap:
        found = list(between(span.start, span.end))
        return found, False
    seen: dict[Any, Any] = {}
    window_start, size = span.start, FIRST_WINDOW
    while window_start < span.end and len(seen) <= cap:
        window_end = min(window_start + size, span.end)
        for occurrence in between(window_start, window_end):
            seen.setdefault(identity(occurrence), occurrence)
        window_start, size = window_end, size * 2
    ordered = sorted(seen.values(), key=start_of)
    return ordered[:cap], len(ordered) > cap


def _first(rule: Any, part: str) -> Any:
    values = rule.get(part)
    if not values:
        return None
    return values[0] if isinstance(values, list) else values


def _duration(event: Event) -> timedelta:
    start = event["DTSTART"].dt
    if "DTEND" in event:
        end = event["DTEND"].dt
        if type(end) is type(start) and (
            not isinstance(start, datetime) or (start.tzinfo is None) == (end.tzinfo is None)
        ):
            return max(end - start, timedelta(0))
    if "DURATION" in event and isinstance(event["DURATION"].dt, timedelta):
        return max(event["DURATION"].dt, timedelta(0))
    return timedelta(days=1)


def _set_time(event: Event, name: str, value: date | datetime) -> None:
    params = event[name].params
    event.pop(name)
    event.add(name, value, parameters=dict(params))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [dt for item in values for dt in getattr(item, "dts", [item])]
