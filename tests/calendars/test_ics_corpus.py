"""Calendars in the shapes Outlook/Exchange, Google, Apple and Thunderbird export.

Every expected occurrence below was worked out by hand from the calendar, not
read off the parser: the weekday, the zone's offset on that date, the DST
change in between.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from calendars import Category, Horizon, Level, ParsedCalendar
from calendars.load import load_calendar
from calendars.options import ParseOptions

FIXTURES = Path(__file__).parent / "fixtures"
HORIZON = Horizon(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC))


def load(name: str, *, timezone: str | None = None, default: str = "UTC") -> ParsedCalendar:
    options = ParseOptions(horizon=HORIZON, timezone=timezone, default_timezone=default)
    return load_calendar((FIXTURES / name).read_bytes(), source=name, options=options)


def spans(parsed: ParsedCalendar, key: str | None = None) -> list[tuple[str, str]]:
    return [
        (f"{o.start:%Y-%m-%dT%H:%M}", f"{o.end:%Y-%m-%dT%H:%M}")
        for o in parsed.occurrences
        if key is None or o.period_key == key
    ]


def test_outlook_last_weekday_of_month_in_a_windows_zone_across_dst() -> None:
    parsed = load("outlook_last_weekday_monthly.ics")

    (period,) = parsed.periods
    assert period.title == "Monatsabschluss FI"
    assert period.classification.category == Category.MONTH_END_CLOSE
    assert period.timezone == "Europe/Berlin"  # from "W. Europe Standard Time"
    # Last weekday of each month, 08:00-18:00 Berlin: 07:00Z in winter, 06:00Z in summer.
    # 31 Dec was moved to 30 Dec 09:00-19:00; 26 Feb 2027 is an EXDATE.
    assert spans(parsed) == [
        ("2026-10-30T07:00", "2026-10-30T17:00"),
        ("2026-11-30T07:00", "2026-11-30T17:00"),
        ("2026-12-30T08:00", "2026-12-30T18:00"),
        ("2027-01-29T07:00", "2027-01-29T17:00"),
        ("2027-03-31T06:00", "2027-03-31T16:00"),
        ("2027-04-30T06:00", "2027-04-30T16:00"),
        ("2027-05-31T06:00", "2027-05-31T16:00"),
        ("2027-06-30T06:00", "2027-06-30T16:00"),
        ("2027-07-30T06:00", "2027-07-30T16:00"),
        ("2027-08-31T06:00", "2027-08-31T16:00"),
        ("2027-09-30T06:00", "2027-09-30T16:00"),
        ("2027-10-29T06:00", "2027-10-29T16:00"),
        ("2027-11-30T07:00", "2027-11-30T17:00"),
    ]


def test_moved_instance_keeps_its_original_identity_and_its_own_title() -> None:
    parsed = load("outlook_last_weekday_monthly.ics")

    moved = next(o for o in parsed.occurrences if o.start.day == 30 and o.start.month == 12)
    assert moved.instance == "2026-12-31T07:00:00Z"  # the RECURRENCE-ID, not the new start
    assert moved.title == "Monatsabschluss FI (Jahresende)"
    assert len({o.instance for o in parsed.occurrences}) == len(parsed.occurrences)


def test_outlook_quarter_close_in_us_eastern_across_dst() -> None:
    parsed = load("outlook_us_eastern_quarter_close.ics")

    (period,) = parsed.periods
    assert period.classification.category == Category.QUARTER_END
    assert period.timezone == "America/New_York"
    assert period.recurrence == "FREQ=MONTHLY;COUNT=4;INTERVAL=3;BYMONTHDAY=-1"
    # 17:00-20:00 New York: EST (-5) on 31 Dec, EDT (-4) from 14 March.
    assert spans(parsed) == [
        ("2026-12-31T22:00", "2027-01-01T01:00"),
        ("2027-03-31T21:00", "2027-04-01T00:00"),
        ("2027-06-30T21:00", "2027-07-01T00:00"),
        ("2027-09-30T21:00", "2027-10-01T00:00"),
    ]


def test_google_utc_times_recur_in_the_x_wr_timezone_and_cancelled_instance_is_gone() -> None:
    parsed = load("google_weekly_payroll_x_wr_timezone.ics")

    assert parsed.timezone == "America/New_York"
    # 09:00-13:00 New York every Thursday: 13:00Z before DST ends on 1 November,
    # 14:00Z after. The instance of 12 November is cancelled.
    assert spans(parsed, "3k1f0v4mq7sfd9b2t8l6p1c0ee@google.com") == [
        ("2026-10-29T13:00", "2026-10-29T17:00"),
        ("2026-11-05T14:00", "2026-11-05T18:00"),
        ("2026-11-19T14:00", "2026-11-19T18:00"),
        ("2026-11-26T14:00", "2026-11-26T18:00"),
    ]


def test_google_all_day_event_is_whole_days_in_the_calendar_zone() -> None:
    parsed = load("google_weekly_payroll_x_wr_timezone.ics")

    assert spans(parsed, "7sl2c0d9m3n1b0v8c7x6z5a4s3@google.com") == [
        ("2026-12-31T05:00", "2027-01-02T05:00")
    ]


def test_an_explicit_zone_beats_x_wr_timezone_for_dates() -> None:
    parsed = load("google_weekly_payroll_x_wr_timezone.ics", timezone="Europe/London")

    assert parsed.timezone == "Europe/London"
    assert spans(parsed, "7sl2c0d9m3n1b0v8c7x6z5a4s3@google.com") == [
        ("2026-12-31T00:00", "2027-01-02T00:00")
    ]


def test_apple_all_day_multi_day_events_across_both_dst_changes() -> None:
    parsed = load("apple_inventory_all_day_multi_day.ics", timezone="Europe/Berlin")

    year_end = parsed.period("4F2C1D7E-8A3B-4C5D-9E6F-0A1B2C3D4E5F")
    assert year_end.classification.category == Category.INVENTORY_COUNT  # CATEGORIES
    assert year_end.classification.source == "categories"
    assert year_end.classification.systems == ("wms", "sap-mm")
    assert spans(parsed, year_end.key) == [("2026-12-28T23:00", "2027-01-01T23:00")]
    # 27-28 March 2027 spans the change to summer time: 47 hours, not 48.
    # The RDATE of 30 October spans the change back: 49 hours.
    assert spans(parsed, "9A8B7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D") == [
        ("2027-03-26T23:00", "2027-03-28T22:00"),
        ("2027-10-29T22:00", "2027-10-31T23:00"),
    ]
    stichtag = parsed.period("9A8B7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D")
    assert stichtag.classification.level == Level.CRITICAL  # X-CLOSEWATCH-LEVEL
    assert stichtag.classification.category == Category.INVENTORY_COUNT  # "…inventur"


@pytest.mark.parametrize(
    ("zone", "first"),
    [("Europe/Berlin", ("2026-12-07T07:30", "2026-12-07T15:30")),
     ("America/Chicago", ("2026-12-07T14:30", "2026-12-07T22:30"))],
)  # fmt: skip
def test_thunderbird_floating_times_are_in_the_calendar_zone(
    zone: str, first: tuple[str, str]
) -> None:
    parsed = load("thunderbird_audit_floating_duration.ics", timezone=zone)

    (period,) = parsed.periods  # the cancelled rehearsal is no period at all
    assert period.classification.category == Category.AUDIT
    assert len(parsed.occurrences) == 3  # DTSTART and two RDATEs, each 8 hours (DURATION)
    assert spans(parsed)[0] == first
    assert not any("rehearsal" in str(warning) for warning in parsed.warnings)


def test_floating_times_default_to_the_service_zone() -> None:
    parsed = load("thunderbird_audit_floating_duration.ics", default="Europe/Berlin")

    assert parsed.timezone == "Europe/Berlin"
    assert spans(parsed)[0] == ("2026-12-07T07:30", "2026-12-07T15:30")


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.ics")))
def test_every_fixture_parses_the_same_twice(name: str) -> None:
    first, second = load(name), load(name)

    assert first.occurrences == second.occurrences
    assert [p.key for p in first.periods] == [p.key for p in second.periods]
