"""iCalendar details: runaway series, identities, the horizon, and errors that name the line."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from calendars import CalendarError, Horizon, ParsedCalendar
from calendars.load import load_calendar
from calendars.options import ParseOptions, shown_zone
from tests.monitor.samples import event, ics

HORIZON = Horizon(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))


def parse(data: bytes, *, cap: int = 1000, zone: str = "Europe/Berlin") -> ParsedCalendar:
    options = ParseOptions(horizon=HORIZON, default_timezone=zone, max_occurrences_per_series=cap)
    return load_calendar(data, source="closing.ics", options=options)


def fails(data: bytes) -> CalendarError:
    with pytest.raises(CalendarError) as raised:
        parse(data)
    return raised.value


@pytest.mark.parametrize(
    ("start", "end", "rule", "first"),
    [
        ("20261101T090000Z", "20261101T090001Z", "FREQ=SECONDLY", "2026-11-01T09:00:00"),
        ("19700101T000000Z", "19700101T000001Z", "FREQ=SECONDLY", "2026-10-01T00:00:00"),
        ("20261101T090000Z", "20261101T090001Z", "FREQ=SECONDLY;COUNT=1000000", "2026-11-01T09:00:00"),
        ("20261101T090000", "20261101T090001", "FREQ=SECONDLY", "2026-11-01T08:00:00"),
        ("19700101T000000Z", "19700101T000100Z", "FREQ=MINUTELY;BYHOUR=9", "2026-10-01T09:00:00"),
        ("20261101T090000Z", "20261101T090001Z",
         "FREQ=DAILY;BYHOUR=1,2,3,4,5,6,7,8,9,10;BYMINUTE=0,10,20,30,40,50;BYSECOND=0,30",
         "2026-11-01T09:00:00"),
    ],
    ids=["secondly", "secondly-since-1970", "count-a-million", "floating-secondly",
         "minutely-since-1970", "daily-times-600"],
)  # fmt: skip
def test_runaway_series_is_capped_quickly_with_a_warning(
    start: str, end: str, rule: str, first: str
) -> None:
    # CPU time, not wall time: a loaded machine slows the clock on the wall, not the work.
    began = time.process_time()
    parsed = parse(ics(event("spam@x", "Sync", start, end, f"RRULE:{rule}")))
    elapsed = time.process_time() - began

    assert elapsed < 3, f"took {elapsed:.1f} s of CPU"
    assert len(parsed.occurrences) == 1000
    assert f"{parsed.occurrences[0].start:%Y-%m-%dT%H:%M:%S}" == first
    assert any("more than 1000 times" in str(w) and "Sync" in str(w) for w in parsed.warnings)


def test_the_cap_keeps_the_earliest_occurrences() -> None:
    monthly = event("m@x", "Month-end closing", "20261130", "20261201", "RRULE:FREQ=MONTHLY")

    parsed = parse(ics(monthly), cap=3)

    assert [f"{o.start:%Y-%m-%d}" for o in parsed.occurrences] == [
        "2026-11-29",  # 30 Nov in Berlin starts at 23:00 UTC the day before
        "2026-12-29",
        "2027-01-29",
    ]
    assert any("more than 3 times" in str(w) for w in parsed.warnings)


def test_a_daily_rule_from_the_year_one_is_exact_and_quick() -> None:
    ancient = event(
        "a@x", "Backup window", "00010101T090000Z", "00010101T100000Z", "RRULE:FREQ=DAILY"
    )

    parsed = parse(ics(ancient))

    assert len(parsed.occurrences) == 396  # 1 Oct 2026 to 31 Oct 2027, one a day
    assert {(o.start.hour, o.end.hour) for o in parsed.occurrences} == {(9, 10)}
    assert not [w for w in parsed.warnings if "times" in str(w)]


def test_a_count_that_ended_long_ago_gives_no_occurrences() -> None:
    old = event(
        "o@x", "Sync", "19700101T000000Z", "19700101T000001Z", "RRULE:FREQ=SECONDLY;COUNT=1000000"
    )

    parsed = parse(ics(old))

    assert parsed.occurrences == []
    assert [p.key for p in parsed.periods] == ["o@x"]


def test_counted_fine_rule_with_filters_from_long_ago_is_refused_clearly() -> None:
    weird = event("w@x", "Sync", "19700101T000000Z", "19700101T000001Z",
                  "RRULE:FREQ=SECONDLY;COUNT=99999999;BYMINUTE=5")  # fmt: skip

    error = fails(ics(weird))

    assert "COUNT" in error.reason and error.event == "'Sync' (UID w@x)"


def test_one_off_event_outside_the_horizon_is_a_period_without_occurrences() -> None:
    parsed = parse(ics(event("past@x", "Go-live", "20250101", "20250102")))

    assert [p.title for p in parsed.periods] == ["Go-live"]
    assert parsed.occurrences == []


def test_one_off_instances_are_stable_and_series_instances_are_their_original_start() -> None:
    parsed = parse(ics(
        event("once@x", "Go-live", "20261203T090000Z", "20261203T170000Z"),
        event("weekly@x", "Inventur", "20261202", "20261203", "RRULE:FREQ=WEEKLY;COUNT=2"),
    ))  # fmt: skip

    assert sorted((o.period_key, o.instance) for o in parsed.occurrences) == [
        ("once@x", "once"),
        ("weekly@x", "2026-12-02"),
        ("weekly@x", "2026-12-09"),
    ]


def test_event_without_uid_gets_a_stable_key_and_a_warning() -> None:
    lines = event("x", "Stocktake", "20261230", "20261231").replace("UID:x\r\n", "")

    first, second = parse(ics(lines)), parse(ics(lines))

    assert first.periods[0].key == second.periods[0].key
    assert any("has no UID" in str(w) for w in first.warnings)


def test_zero_length_event_is_an_instant_inside_the_horizon() -> None:
    parsed = parse(ics(event("i@x", "Go-live", "20261203T090000Z", "20261203T090000Z")))

    (occurrence,) = parsed.occurrences
    assert occurrence.start == occurrence.end


def test_calendar_without_events_is_read_with_a_warning() -> None:
    parsed = parse(ics())

    assert parsed.periods == [] and [str(w) for w in parsed.warnings] == [
        "the calendar has no events"
    ]


@pytest.mark.parametrize(
    ("lines", "line", "fragment"),
    [
        (event("e@x", "Close", "20261130", "20261127"), 9, "end before start"),
        (event("r@x", "Close", "20261127", "20261128", "RRULE:FREQ=SOMETIMES"), 10, "invalid RRULE"),
        (event("d@x", "Close", "20261327", "20261328"), 8, "invalid DTSTART"),
        (event("t@x", "Close", "20261127T090000", "20261127T100000")
         .replace("DTSTART:", "DTSTART;TZID=Mars/Olympus:"), 8, "unknown time zone 'Mars/Olympus'"),
        (event("m@x", "Close", "20261127T090000Z", "20261127T100000Z")
         .replace("DTSTART:20261127T090000Z\r\n", ""), 4, "has no DTSTART"),
        (event("x@x", "Close", "20261127", "20261128T100000Z"), 9, "both be dates"),
        (event("c@x", "Close", "20261127", "20261128", "X-CLOSEWATCH-CATEGORY:closing"), 4,
         "unknown category 'closing'"),
    ],
    ids=["end-before-start", "bad-rrule", "bad-date", "unknown-zone", "no-dtstart", "mixed-types",
         "bad-category"],
)  # fmt: skip
def test_bad_event_names_its_line_and_uid(lines: str, line: int, fragment: str) -> None:
    error = fails(ics(lines))

    assert fragment in error.reason
    assert error.line == line
    assert error.event is not None and "(UID " in error.event
    assert str(error).startswith(f"closing.ics: line {line}: event 'Close' (UID ")


def test_error_in_the_second_event_names_the_second_event() -> None:
    good = event("good@x", "Inventur", "20261230", "20261231")
    bad = event("bad@x", "Close", "20261130", "20261127")

    error = fails(ics(good, bad))

    assert error.event == "'Close' (UID bad@x)"
    assert error.line == 16  # the first VEVENT is lines 4 to 10; the second's DTEND is line 16


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n", "not a valid iCalendar"),
        (
            b"BEGIN:VCALENDAR\r\nthis is not a property\r\nEND:VCALENDAR\r\n",
            "not a valid iCalendar",
        ),
        (b"BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:Mars/Base\r\nEND:VCALENDAR\r\n", "Mars/Base"),
        (b"BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:America\r\nEND:VCALENDAR\r\n", "'America'"),
    ],
)
def test_broken_files_are_refused(data: bytes, fragment: str) -> None:
    assert fragment in str(fails(data))


@pytest.mark.parametrize(
    "tzid",
    ["America", "/mozilla.org/20070129_1/America", "x" * 300],
    ids=["folder", "vendor-folder", "too-long"],
)
def test_a_tzid_that_names_no_single_zone_is_refused_naming_its_line(tzid: str) -> None:
    close = event("f@x", "Close", "20261127T090000", "20261127T100000")

    error = fails(ics(close.replace("DTSTART:", f"DTSTART;TZID={tzid}:")))

    assert error.line == 8
    assert error.reason.startswith(f"unknown time zone {shown_zone(tzid)!r}")  # 60 at most


def customized_zone(offset: str, *, with_vtimezone: bool = True) -> bytes:
    """An Exchange export in the zone Exchange names "Customized Time Zone", at ``offset``."""
    vtimezone = (
        "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\n"
        f"DTSTART:16010101T000000\r\nTZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    close = (
        event("c@x", "Close", "20261127T100000", "20261127T120000")
        .replace("DTSTART:", "DTSTART;TZID=Customized Time Zone:")
        .replace("DTEND:", "DTEND;TZID=Customized Time Zone:")
    )
    return ics(close, extra=vtimezone if with_vtimezone else "")


def test_each_file_is_read_in_its_own_vtimezone_whatever_was_read_before() -> None:
    parse(customized_zone("+0500"))

    (occurrence,) = parse(customized_zone("-0300")).occurrences

    assert f"{occurrence.start:%H:%M}" == "13:00"  # 10:00 at -03:00, not at +05:00


def test_a_zone_defined_only_by_an_earlier_file_is_unknown() -> None:
    parse(customized_zone("+0500"))

    error = fails(customized_zone("+0500", with_vtimezone=False))

    assert error.reason == ("unknown time zone 'Customized Time Zone' and no VTIMEZONE defines it")


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        ((f"DTSTART;TZID={'x' * 100_000}:20261230T090000",), f"unknown time zone '{'x' * 60}…'"),
        (("DTSTART:20261230T000000Z", "DURATION:P999999999D"), "cannot expand the recurrence"),
    ],
    ids=["tzid-too-long-for-a-path", "duration-past-year-9999"],
)
def test_values_past_what_python_can_hold_are_refused_clearly(
    lines: tuple[str, ...], fragment: str
) -> None:
    body = "".join(f"{line}\r\n" for line in lines)
    data = ics(f"BEGIN:VEVENT\r\nUID:big@x\r\nSUMMARY:Close\r\n{body}END:VEVENT\r\n")

    assert fragment in str(fails(data))
