"""What clients write against RFC 5545, with a clear meaning, is read as they read it and said.

Each fixture copies the shape of the client that writes the quirk. Every
expected occurrence was worked out by hand from the calendar (the weekday, the
UNTIL, the zone's offset); that the reading is the reference's is checked for
every fixture in ``test_ics_reference.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendars import CalendarError, Horizon, ParsedCalendar, SourceWarning
from calendars.load import load_calendar
from calendars.options import ParseOptions
from tests.monitor.samples import event, ics

FIXTURES = Path(__file__).parent / "fixtures"
HORIZON = Horizon(datetime(2020, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


def load(name: str, *, timezone: str | None = None) -> ParsedCalendar:
    options = ParseOptions(horizon=HORIZON, timezone=timezone)
    return load_calendar((FIXTURES / name).read_bytes(), source=name, options=options)


def parse(data: bytes, *, zone: str = "Europe/Berlin") -> ParsedCalendar:
    options = ParseOptions(horizon=HORIZON, default_timezone=zone)
    return load_calendar(data, source="closing.ics", options=options)


def starts(parsed: ParsedCalendar, title: str) -> list[str]:
    key = next(period.key for period in parsed.periods if period.title == title)
    return [f"{o.start:%Y-%m-%dT%H:%M}" for o in parsed.occurrences if o.period_key == key]


def local_days(parsed: ParsedCalendar, title: str) -> list[date]:
    zone = ZoneInfo(parsed.timezone)
    key = next(period.key for period in parsed.periods if period.title == title)
    return [o.start.astimezone(zone).date() for o in parsed.occurrences if o.period_key == key]


def warning_about(parsed: ParsedCalendar, fragment: str) -> SourceWarning:
    (found,) = [warning for warning in parsed.warnings if fragment in warning.message]
    return found


def test_exchange_allday_series_with_utc_until_is_read_with_a_warning() -> None:
    parsed = load("exchange2010_allday_weekly_until_utc.ics", timezone="Europe/London")

    # Every Thursday from 2 April. UNTIL=20200916T230000Z is read as its date, 16 September,
    # as recurring-ical-events reads it: 24 occurrences, the last on 10 September.
    days = local_days(parsed, "Weekly stock count Leeds DC")
    assert len(days) == 24
    assert (days[0], days[-1]) == (date(2020, 4, 2), date(2020, 9, 10))
    assert {day.isoweekday() for day in days} == {4}
    warning = warning_about(parsed, "2020-09-16")
    assert warning.line == 24  # the RRULE
    assert warning.event is not None and "'Weekly stock count Leeds DC'" in warning.event
    assert warning.message == (
        "RRULE UNTIL is a date-time (2020-09-16 23:00 UTC) but DTSTART is a date: "
        "the series is read as ending on 2020-09-16"
    )
    # Every other Tuesday; an UNTIL at the midnight starting a day keeps that day.
    assert local_days(parsed, "Payroll cut-off")[-1] == date(2020, 12, 15)
    assert len(local_days(parsed, "Payroll cut-off")) == 6


@pytest.mark.parametrize(
    ("start", "where"),
    [("20261127T090000Z", "00:00 UTC"), ("20261127T090000", "00:00 in the calendar's time zone")],
    ids=["utc-start", "floating-start"],
)
def test_date_until_on_a_timed_series_ends_before_that_day_with_a_warning(
    start: str, where: str
) -> None:
    weekly = event("u@x", "Close", start, start.replace("T09", "T10"),
                   "RRULE:FREQ=WEEKLY;UNTIL=20261225")  # fmt: skip

    parsed = parse(ics(weekly), zone="UTC")

    assert starts(parsed, "Close") == [
        "2026-11-27T09:00", "2026-12-04T09:00", "2026-12-11T09:00", "2026-12-18T09:00"
    ]  # fmt: skip
    warning = warning_about(parsed, "UNTIL")
    assert warning.line == 10
    assert warning.message.endswith(f"the series is read as ending before 2026-12-25 {where}")


def test_iphone_series_with_floating_until_ends_at_that_clock_time_in_utc() -> None:
    parsed = load("nextcloud_export_iphone_series_until_floating.ics")

    # Mondays 09:00-11:00 Berlin until 25 January 23:59:59 (read in UTC): 13 Mondays.
    assert len(starts(parsed, "Gehaltslauf Freigabe")) == 13
    assert starts(parsed, "Gehaltslauf Freigabe")[-1] == "2027-01-25T08:00"
    warning = warning_about(parsed, "UNTIL")
    assert warning.line == 32
    assert "ending at 2027-01-25 23:59:59 UTC" in warning.message
    assert parsed.period(parsed.periods[0].key).timezone == "Europe/Berlin"


def test_floating_until_on_a_zoned_series_is_utc_even_where_that_keeps_an_instance() -> None:
    weekly = (
        event("i@x", "Review", "20261102T090000", "20261102T100000",
              "RRULE:FREQ=WEEKLY;UNTIL=20261116T083000")
        .replace("DTSTART:", "DTSTART;TZID=Europe/Berlin:")
        .replace("DTEND:", "DTEND;TZID=Europe/Berlin:")
    )  # fmt: skip

    parsed = parse(ics(weekly))

    # 08:30 UTC is 09:30 in Berlin, after the 09:00 start on 16 November.
    assert starts(parsed, "Review") == ["2026-11-02T08:00", "2026-11-09T08:00", "2026-11-16T08:00"]


def test_web_export_floating_series_with_utc_until_is_read_with_a_warning() -> None:
    parsed = load("icsjs_web_export_lowercase_rrule_until_utc.ics", timezone="Europe/Berlin")

    # Fridays 14:00 Berlin from 6 November; UNTIL 1 January 00:00 as a Berlin clock time.
    # The rule is written "rrule:", in lower case, which RFC 5545 allows.
    assert starts(parsed, "Weekly invoice run (month-end prep)") == [
        "2026-11-06T13:00", "2026-11-13T13:00", "2026-11-20T13:00", "2026-11-27T13:00",
        "2026-12-04T13:00", "2026-12-11T13:00", "2026-12-18T13:00", "2026-12-25T13:00",
    ]  # fmt: skip
    warning = warning_about(parsed, "UNTIL")
    assert warning.line == 9
    assert warning.message == (
        "RRULE UNTIL is in UTC (2027-01-01 00:00 UTC) but DTSTART is floating: "
        "the series is read as ending at 2027-01-01 00:00 in the calendar's time zone"
    )


def test_utc_until_on_a_floating_series_is_a_clock_time_even_where_that_drops_an_instance() -> None:
    weekly = event("f@x", "Review", "20261102T090000", "20261102T100000",
                   "RRULE:FREQ=WEEKLY;UNTIL=20261116T083000Z")  # fmt: skip

    parsed = parse(ics(weekly))

    # 08:30 on the calendar's clock, before the 09:00 start on 16 November.
    assert starts(parsed, "Review") == ["2026-11-02T08:00", "2026-11-09T08:00"]


def test_google_trailing_semicolon_in_rrule_is_read_without_a_warning() -> None:
    parsed = load("google_weekly_trailing_semicolon.ics")

    # Mondays 08:00 Berlin (07:00 UTC in winter) up to and including 21 December.
    assert starts(parsed, "Lohnlauf Vorbereitung") == [
        "2026-11-02T07:00", "2026-11-09T07:00", "2026-11-16T07:00", "2026-11-23T07:00",
        "2026-11-30T07:00", "2026-12-07T07:00", "2026-12-14T07:00", "2026-12-21T07:00",
    ]  # fmt: skip
    assert local_days(parsed, "Monatsabschluss Entgeltabrechnung") == [
        date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 31)
    ]  # fmt: skip
    assert parsed.warnings == []


LOWER_CASE = (
    "begin:vcalendar\r\nversion:2.0\r\nprodid:-//closewatch tests//EN\r\n"
    "begin:vevent\r\nuid:lc@x\r\ndtstamp:20261101T000000Z\r\nsummary:Inventur\r\n"
    "dtstart;value=date:20261228\r\ndtend;value=date:{end}\r\nrrule:freq=yearly;count=2\r\n"
    "end:vevent\r\nend:vcalendar\r\n"
)


def test_lower_case_names_are_read_as_rfc5545_allows_without_a_warning() -> None:
    parsed = parse(LOWER_CASE.format(end="20261230").encode())

    assert local_days(parsed, "Inventur") == [date(2026, 12, 28), date(2027, 12, 28)]
    assert parsed.warnings == []


def test_an_error_in_lower_case_names_its_line() -> None:
    with pytest.raises(CalendarError) as raised:
        parse(LOWER_CASE.format(end="20261227").encode())

    assert "end before start" in raised.value.reason and raised.value.line == 9


def test_mozilla_prefixed_tzid_with_its_vtimezone_is_read_in_that_zone() -> None:
    parsed = load("thunderbird_lightning_mozilla_tzid_prefix.ics")

    assert {period.timezone for period in parsed.periods} == {"America/New_York"}
    # 17:00 New York: EST (-5) on 31 December, EDT (-4) from 14 March.
    assert starts(parsed, "Quarter close (NY entity)") == [
        "2026-12-31T22:00", "2027-03-31T21:00", "2027-06-30T21:00", "2027-09-30T21:00"
    ]  # fmt: skip
    # Six Tuesdays at 08:30 EST from 3 November; the EXDATE drops 24 November.
    assert starts(parsed, "Audit fieldwork stand-up") == [
        "2026-11-03T13:30", "2026-11-10T13:30", "2026-11-17T13:30", "2026-12-01T13:30",
        "2026-12-08T13:30",
    ]  # fmt: skip
    assert parsed.warnings == []  # with its VTIMEZONE, a prefixed TZID is standard


MOZILLA_NEW_YORK = "/mozilla.org/20070129_1/America/New_York"


def test_mozilla_prefixed_tzid_without_vtimezone_is_read_in_the_iana_zone_with_a_warning() -> None:
    close = (
        event("q@x", "Quarter close", "20261231T170000", "20261231T200000",
              "RRULE:FREQ=MONTHLY;INTERVAL=3;COUNT=3;BYMONTHDAY=-1",
              f"EXDATE;TZID={MOZILLA_NEW_YORK}:20270331T170000")
        .replace("DTSTART:", f"DTSTART;TZID={MOZILLA_NEW_YORK}:")
        .replace("DTEND:", f"DTEND;TZID={MOZILLA_NEW_YORK}:")
    )  # fmt: skip

    parsed = parse(ics(close))

    assert starts(parsed, "Quarter close") == ["2026-12-31T22:00", "2027-06-30T21:00"]
    assert parsed.periods[0].timezone == "America/New_York"
    warning = warning_about(parsed, "TZID")
    assert warning.line == 8  # the DTSTART, the first to carry it
    assert warning.message == (
        f"TZID '{MOZILLA_NEW_YORK}' has a vendor prefix and no VTIMEZONE in the file: "
        "its times are read in America/New_York"
    )


def test_vendor_prefixed_tzid_that_names_no_zone_is_refused_naming_its_line() -> None:
    unknown = event("u@x", "Close", "20261231T170000", "20261231T200000").replace(
        "DTSTART:", "DTSTART;TZID=/mozilla.org/20070129_1/Mars/Olympus:"
    )

    with pytest.raises(CalendarError) as raised:
        parse(ics(unknown))

    assert raised.value.line == 8
    assert raised.value.reason == (
        "unknown time zone '/mozilla.org/20070129_1/Mars/Olympus' and no VTIMEZONE defines it"
    )


def test_bare_vevents_are_read_as_one_calendar_with_a_warning() -> None:
    parsed = load("spreadsheet_macro_bare_vevents_no_uid_no_dtstamp.ics", timezone="Europe/Berlin")

    assert [period.title for period in parsed.periods] == [
        "Month-end closing November", "Month-end closing December", "Intercompany reconciliation"
    ]  # fmt: skip
    assert local_days(parsed, "Month-end closing December") == [date(2026, 12, 29)]
    # The first Wednesday of six months.
    assert starts(parsed, "Intercompany reconciliation") == [
        "2026-11-04T08:00", "2026-12-02T08:00", "2027-01-06T08:00", "2027-02-03T08:00",
        "2027-03-03T08:00", "2027-04-07T08:00",
    ]  # fmt: skip
    warning = warning_about(parsed, "VCALENDAR")
    assert (warning.line, warning.event) == (1, None)
    assert warning.message == (
        "the file has no VCALENDAR around its events; they are read as one calendar"
    )


def test_events_without_uid_or_dtstamp_keep_their_identity_across_uploads() -> None:
    name = "spreadsheet_macro_bare_vevents_no_uid_no_dtstamp.ics"

    first, second = load(name), load(name)

    keys = [period.key for period in first.periods]
    assert keys == [period.key for period in second.periods]
    assert len(set(keys)) == 3
    assert first.occurrences == second.occurrences
    assert len([w for w in first.warnings if "has no UID" in w.message]) == 3


def test_events_without_uid_with_the_same_title_and_start_stay_two_periods() -> None:
    morning = event("x", "Inventur", "20261230T070000Z", "20261230T120000Z")
    all_day = event("x", "Inventur", "20261230T070000Z", "20261230T170000Z")
    without_uids = ics(morning, all_day).replace(b"UID:x\r\n", b"")

    parsed = parse(without_uids)

    first, second = (period.key for period in parsed.periods)
    assert second == f"{first}-2"
    assert sorted(f"{o.end:%H:%M}" for o in parsed.occurrences) == ["12:00", "17:00"]


def test_one_vcalendar_per_event_is_read_as_one_calendar_with_a_warning() -> None:
    parsed = load("owncloud_export_one_vcalendar_per_event.ics")

    assert [period.title for period in parsed.periods] == [
        "Inventur Lager Süd", "Quartalsabschluss", "Go-live Lagerverwaltung"
    ]  # fmt: skip
    assert len(starts(parsed, "Quartalsabschluss")) == 4
    warning = warning_about(parsed, "VCALENDAR")
    assert warning.line == 16  # the second BEGIN:VCALENDAR
    assert warning.message == (
        "the file's events are not in one VCALENDAR; they are read as one calendar"
    )
