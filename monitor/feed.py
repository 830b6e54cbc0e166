"""The critical periods as an iCalendar feed, for Outlook, Google or Apple calendars.

One VEVENT per stored occurrence, not the recurrence rules: what a reader sees
is exactly what closewatch watches for. Each event carries the period's
category, level and systems as ``X-CLOSEWATCH-*`` properties, so uploading the
feed to closewatch again gives the same occurrences.

Times: an occurrence that starts and ends at local midnight in the feed's zone
(the site's ``CLOSEWATCH_TIMEZONE``, declared as ``X-WR-TIMEZONE``) is written
as all-day dates (``VALUE=DATE``), the way calendar programs show a closing
day; any other occurrence as UTC date-times. UIDs derive from the calendar
name, the period key and the instance, so they stay the same across
re-expansions and re-uploads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from calendars import Level
from calendars.text import without_unwanted

CALENDAR_NAME = "closewatch critical periods"
PRODID = "-//closewatch//critical periods//EN"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One occurrence as the feed writes it; ``systems`` are technical names."""

    calendar: str
    period_key: str
    instance: str
    title: str
    category: str
    level: int
    start: datetime
    end: datetime
    systems: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    stamp: datetime | None = None  # when its calendar last changed
    description: str | None = None  # else which systems are watched closely


def event_uid(calendar: str, period_key: str, instance: str) -> str:
    digest = hashlib.sha256(f"{calendar}\x00{period_key}\x00{instance}".encode()).hexdigest()
    return f"{digest[:32]}@closewatch"


def all_day(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, date] | None:
    """The local dates of ``[start, end)`` when both are local midnights, else None."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.time() != time(0) or last.time() != time(0) or last.date() <= first.date():
        return None
    return first.date(), last.date()


def describe(systems: Iterable[str], plain_names: Mapping[str, str]) -> str:
    """'Watched closely: the invoicing system and the ledger.' in plain names."""
    names = [plain_names.get(system, system) for system in systems]
    if not names:
        return "A critical business period."
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Watched closely: {said}."


def build_feed(
    events: Iterable[FeedEvent],
    *,
    zone: str,
    plain_names: Mapping[str, str],
    now: datetime,
    name: str = CALENDAR_NAME,
) -> bytes:
    """The VCALENDAR, as bytes ready to send (CRLF lines, folded at 75 octets)."""
    local = ZoneInfo(zone)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", zone)
    # Calendar programs poll a subscription; twice an hour is plenty for periods.
    calendar.add("REFRESH-INTERVAL", timedelta(minutes=30), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT30M")
    for item in events:
        calendar.add_component(_event(item, local, plain_names, now))
    ical: bytes = calendar.to_ical()  # icalendar leaves to_ical untyped
    return ical


def _event(item: FeedEvent, zone: ZoneInfo, plain_names: Mapping[str, str], now: datetime) -> Event:
    event = Event()
    event.add("UID", event_uid(item.calendar, item.period_key, item.instance))
    event.add("DTSTAMP", (item.stamp or now).astimezone(UTC))
    dates = all_day(item.start, item.end, zone)
    if dates is not None:
        event.add("DTSTART", dates[0])
        event.add("DTEND", dates[1])
    else:
        event.add("DTSTART", item.start.astimezone(UTC))
        event.add("DTEND", item.end.astimezone(UTC))
    # Parsing removes control characters from titles; one stored before that must not
    # reach the calendar programs that show this feed either.
    event.add("SUMMARY", without_unwanted(item.title))
    event.add("CATEGORIES", [item.category])
    event.add("DESCRIPTION", item.description or describe(item.systems, plain_names))
    event.add("TRANSP", "TRANSPARENT")  # a closing period does not make anyone busy
    event.add("X-CLOSEWATCH-CATEGORY", item.category)
    event.add("X-CLOSEWATCH-LEVEL", Level(item.level).label)
    if item.systems:
        event.add("X-CLOSEWATCH-SYSTEMS", ",".join(item.systems))
    if item.audiences:
        event.add("X-CLOSEWATCH-AUDIENCES", ",".join(item.audiences))
    return event
