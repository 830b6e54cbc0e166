"""What calendar clients write that RFC 5545 does not allow, read the way they read it.

Exchange, Google, Apple, Thunderbird and home-made exports break a few rules of
RFC 5545 in ways whose meaning is clear. The clients and
``recurring-ical-events`` (the expander closewatch uses, and the reference its
tests compare against) read them one way; closewatch reads them the same way,
and each function here returns what it assumed, for the preview's warnings.

- Events with no VCALENDAR around them, or in one VCALENDAR each (old ownCloud
  exports): one calendar, in file order (:func:`one_calendar`).
- An RRULE ``UNTIL`` of the other value type than ``DTSTART``
  (:func:`match_until_to_start`), read as ``recurring-ical-events`` reads it:

  ================  =================  ======================================
  DTSTART           UNTIL              read as
  ================  =================  ======================================
  date              date-time          its date as written (Exchange, Google)
  floating time     UTC time           the same clock time, floating (ics.js)
  floating time     date               midnight starting that day, floating
  time with a zone  floating time      the same clock time in UTC (iPhone)
  time with a zone  date               midnight starting that day, in UTC
  ================  =================  ======================================

- A ``TZID`` with a vendor prefix that no VTIMEZONE in the file defines
  (``/mozilla.org/20070129_1/America/New_York``): the IANA zone after the
  prefix (see :mod:`calendars.ics_zones`). With its VTIMEZONE, such a TZID is
  standard and read as that VTIMEZONE says.

Read as written, with no warning, because nothing is assumed: a trailing ``;``
in an RRULE (``icalendar`` drops the empty part), lower-case names (RFC 5545
makes names case-insensitive) and a missing ``DTSTAMP`` (closewatch does not
use it). A missing ``UID`` gets a synthetic one in :mod:`calendars.ics`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import icalendar
from icalendar import Component, vRecur

# Components a file may hold at the top when its exporter left out the VCALENDAR.
LOOSE_COMPONENTS = ("VEVENT", "VTIMEZONE")
try:  # icalendar 7.3 guesses the zone after a vendor prefix in a TZID, and warns
    from icalendar.error import GloballyUniqueTZIDGuessed

    GUESS_WARNINGS: tuple[type[Warning], ...] = (GloballyUniqueTZIDGuessed,)
except ImportError:  # earlier versions do not guess, so do not warn
    GUESS_WARNINGS = ()


def parse_components(text: str) -> Sequence[Component]:
    """The top-level components of ``text``.

    Raises ``icalendar``'s ValueError if it is not iCalendar, and an OSError for a
    TZID that names a folder of zones (see :mod:`calendars.ics_zones`).
    """
    with warnings.catch_warnings():
        # icalendar guesses the zone of a vendor-prefixed TZID and warns; calendars.ics_zones
        # makes that reading its own and names it in the preview. (The filter is process-wide:
        # a parse in another thread meanwhile may at worst print that warning.)
        for category in GUESS_WARNINGS:
            warnings.simplefilter("ignore", category)
        return icalendar.Calendar.from_ical(text, multiple=True)


def one_calendar(parts: Sequence[Component]) -> tuple[icalendar.Calendar | None, str | None]:
    """``parts`` as one VCALENDAR, and what was assumed to make it one.

    ``None`` for the calendar when ``parts`` hold neither a VCALENDAR nor an event.
    """
    calendars = [part for part in parts if isinstance(part, icalendar.Calendar)]
    loose = [part for part in parts if part.name in LOOSE_COMPONENTS]
    if len(calendars) == 1 and not loose:
        return calendars[0], None
    if not calendars and not loose:
        return None, None
    # The first VCALENDAR's properties (X-WR-TIMEZONE ...), every component in file order.
    merged = icalendar.Calendar(calendars[0]) if calendars else icalendar.Calendar()
    for part in parts:
        if isinstance(part, icalendar.Calendar):
            for component in part.subcomponents:
                merged.add_component(component)
        elif part.name in LOOSE_COMPONENTS:
            merged.add_component(part)
    if not calendars:
        return merged, "the file has no VCALENDAR around its events; they are read as one calendar"
    return merged, "the file's events are not in one VCALENDAR; they are read as one calendar"


def match_until_to_start(event: Component) -> list[str]:
    """Give each RRULE ``UNTIL`` the value type of ``DTSTART``; what was assumed, one per rule."""
    rules: Any = event.get("RRULE")
    start = getattr(event.get("DTSTART"), "dt", None)
    if rules is None or not isinstance(start, date):
        return []
    matched: list[vRecur] = []
    assumed: list[str] = []
    for rule in rules if isinstance(rules, list) else [rules]:
        untils = rule.get("UNTIL") or []
        reading = _until_like_start(untils[0], start) if len(untils) == 1 else None
        if reading is None:
            matched.append(rule)
            continue
        until, assumption = reading
        rule = vRecur(rule)  # a copy: the event as parsed keeps the rule as written
        rule["UNTIL"] = [until]
        matched.append(rule)
        assumed.append(assumption)
    if assumed:
        event["RRULE"] = matched if len(matched) > 1 else matched[0]
    return assumed


def _until_like_start(
    until: date | datetime, start: date | datetime
) -> tuple[date | datetime, str] | None:
    """``until`` in the value type of ``start``, and the reading, or None if they already match."""
    if not isinstance(start, datetime):
        if not isinstance(until, datetime):
            return None
        day = until.date()
        return day, (
            f"RRULE UNTIL is a date-time ({_show(until)}) but DTSTART is a date: "
            f"the series is read as ending on {day.isoformat()}"
        )
    where = "in the calendar's time zone" if start.tzinfo is None else "UTC"
    if not isinstance(until, datetime):
        midnight = datetime.combine(until, time(), None if start.tzinfo is None else UTC)
        return midnight, (
            f"RRULE UNTIL is a date ({until.isoformat()}) but DTSTART is a date-time: "
            f"the series is read as ending before {_show(midnight, zone=False)} {where}"
        )
    if start.tzinfo is None and until.tzinfo is not None:
        wall = until.astimezone(UTC).replace(tzinfo=None)
        return wall, (
            f"RRULE UNTIL is in UTC ({_show(until)}) but DTSTART is floating: "
            f"the series is read as ending at {_show(wall)} {where}"
        )
    if start.tzinfo is not None and until.tzinfo is None:
        return until.replace(tzinfo=UTC), (
            f"RRULE UNTIL is floating ({_show(until)}) but DTSTART has a time zone: "
            f"the series is read as ending at {_show(until)} {where}"
        )
    return None


def _show(value: datetime, *, zone: bool = True) -> str:
    shown = f"{value:%Y-%m-%d %H:%M:%S}".removesuffix(":00")
    return f"{shown} UTC" if zone and value.tzinfo is not None else shown
