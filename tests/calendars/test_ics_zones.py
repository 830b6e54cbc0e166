"""A file's own VTIMEZONE gives the offsets it defines, read fast from any start year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from calendars.ics_zones import own_zones

FIXTURES = Path(__file__).parent / "fixtures"
OUTLOOK = (FIXTURES / "outlook_last_weekday_monthly.ics").read_bytes()
TZID = "W. Europe Standard Time"


def zone_of(data: bytes, since: datetime) -> tuple[icalendar.Calendar, tzinfo]:
    calendar = icalendar.Calendar.from_ical(data)
    return calendar, own_zones(calendar, since=since)[TZID]


def test_outlook_rules_from_1601_give_the_same_offsets_from_a_recent_start() -> None:
    as_written = zone_of(OUTLOOK, since=datetime(1602, 1, 1, tzinfo=UTC))[1]
    moved = zone_of(OUTLOOK, since=datetime(2026, 11, 1, tzinfo=UTC))[1]
    berlin = ZoneInfo("Europe/Berlin")

    # Every three hours over three years: both transitions each year, and the hours around them.
    instants = [datetime(2026, 1, 1) + timedelta(hours=3 * step) for step in range(8 * 366 * 3)]
    assert [moved.utcoffset(t) for t in instants] == [as_written.utcoffset(t) for t in instants]
    assert [moved.utcoffset(t) for t in instants] == [berlin.utcoffset(t) for t in instants]


def test_rules_start_by_whole_400_year_cycles_and_no_later_than_the_year_before() -> None:
    calendar, _zone = zone_of(OUTLOOK, since=datetime(2026, 11, 1, tzinfo=UTC))

    starts = [sub["DTSTART"].dt for sub in next(iter(calendar.walk("VTIMEZONE"))).subcomponents]
    assert starts == [datetime(2001, 1, 1, 3, 0), datetime(2001, 1, 1, 2, 0)]


def test_rules_that_count_or_end_keep_their_start() -> None:
    counted = OUTLOOK.replace(
        b"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
        b"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10;UNTIL=20300101T000000Z",
    ).replace(
        b"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
        b"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3;COUNT=500",
    )
    calendar, _zone = zone_of(counted, since=datetime(2026, 11, 1, tzinfo=UTC))

    starts = [sub["DTSTART"].dt for sub in next(iter(calendar.walk("VTIMEZONE"))).subcomponents]
    assert starts == [datetime(1601, 1, 1, 3, 0), datetime(1601, 1, 1, 2, 0)]
