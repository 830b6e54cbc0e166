"""Whatever comes in, parsing raises only CalendarError, and quickly: never a traceback or a stall.

Random bytes rarely get past the first check, so the strategies also build
inputs shaped like each format (property lines with plausible and broken
values, CSV rows, nested YAML, YAML written by hand with anchors, aliases,
merges and deep nesting) to reach the deeper code. The iCalendar ones
include what clients write against RFC 5545 (see ``calendars.ics_quirks``):
UNTIL of the other value type, trailing semicolons, lower-case names, vendor
prefixes on TZIDs, events with no VCALENDAR or one VCALENDAR each. Every parse
runs under the service's limits (a total of occurrences per source) and must
finish within :data:`TIME_LIMIT`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars import CalendarError, Horizon, ParsedCalendar
from calendars.load import load_calendar
from calendars.options import ParseOptions
from tests.strategies import yaml_value

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless

OPTIONS = ParseOptions(
    horizon=Horizon(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC)),
    default_timezone="Europe/Berlin",
    max_occurrences_per_series=200,
    max_occurrences=1000,
)
FUZZ = settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
TIME_LIMIT = 3.0  # seconds for one parse; a few milliseconds is usual


def parse_or_refuse(data: bytes, source: str, format: str | None = None) -> ParsedCalendar | None:
    started = time.monotonic()
    try:
        parsed = load_calendar(data, source=source, options=OPTIONS, format=format)
    except CalendarError as error:
        assert str(error).startswith(source), "every error names its source"
        return None
    finally:
        assert time.monotonic() - started < TIME_LIMIT
    assert len(parsed.occurrences) <= 1000
    for occurrence in parsed.occurrences:
        assert occurrence.start.tzinfo is not None and occurrence.end >= occurrence.start
    return parsed


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["x.ics", "x.csv", "x.yaml", "x.txt"]))
def test_arbitrary_bytes(data: bytes, source: str) -> None:
    parse_or_refuse(data, source)


WHEN = st.one_of(
    st.sampled_from(["20261127", "20261127T090000", "20261127T090000Z", "19700101T000000Z",
                     "00010101", "99991231T235959Z", "20261331", "2026-11-27", "", "T"]),
    st.text(alphabet="0123456789TZ:-", max_size=17),
)  # fmt: skip
RULE = st.lists(
    st.sampled_from(["FREQ=SECONDLY", "FREQ=DAILY", "FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=YEARLY",
                     "FREQ=HOURLY", "COUNT=3", "COUNT=1000000", "COUNT=0", "INTERVAL=0", "INTERVAL=2",
                     "BYDAY=MO,FR", "BYDAY=-1FR", "BYSETPOS=-1", "BYMONTHDAY=31", "BYMONTH=2",
                     "BYHOUR=25", "UNTIL=20261231", "UNTIL=20261231T000000Z", "UNTIL=20261231T000000",
                     "UNTIL=20261130T230000Z", "UNTIL=", "freq=weekly", "until=20261231", "WKST=XX", "X",
                     ""]),
    max_size=5,
).map(";".join)  # fmt: skip
VENDOR_TZIDS = ["/mozilla.org/20070129_1/America/New_York", "/mozilla.org/20070129_1/Mars/Base",
                "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin", "/x/America", "/", "//"]  # fmt: skip
# VTIMEZONEs under names other files use too: one without summer time, as another
# upload's might be, and one without any observance.
VTIMEZONES = {
    "vendor": ["BEGIN:VTIMEZONE", f"TZID:{VENDOR_TZIDS[0]}", "BEGIN:STANDARD", "TZOFFSETFROM:-0400",
               "TZOFFSETTO:-0500", "DTSTART:19701101T020000", "END:STANDARD", "END:VTIMEZONE"],
    "empty": ["BEGIN:VTIMEZONE", "TZID:Customized Time Zone", "END:VTIMEZONE"],
}  # fmt: skip
PROPERTY = st.one_of(
    WHEN.map(lambda v: f"DTSTART:{v}"),
    WHEN.map(lambda v: f"DTEND:{v}"),
    WHEN.map(lambda v: f"DTSTART;VALUE=DATE:{v}"),
    WHEN.map(lambda v: f"DTSTART;TZID=Europe/Berlin:{v}"),
    WHEN.map(lambda v: f"DTSTART;TZID=Nowhere/Land:{v}"),
    WHEN.map(lambda v: f"DTSTART;TZID=Customized Time Zone:{v}"),
    st.tuples(st.sampled_from(VENDOR_TZIDS), WHEN).map(lambda t: f"DTSTART;TZID={t[0]}:{t[1]}"),
    st.tuples(st.sampled_from(VENDOR_TZIDS), WHEN).map(lambda t: f"EXDATE;TZID={t[0]}:{t[1]}"),
    WHEN.map(lambda v: f"dtstart:{v}"),
    WHEN.map(lambda v: f"dtend;value=date:{v}"),
    WHEN.map(lambda v: f"RECURRENCE-ID:{v}"),
    WHEN.map(lambda v: f"EXDATE:{v}"),
    WHEN.map(lambda v: f"RDATE:{v}"),
    RULE.map(lambda v: f"RRULE:{v}"),
    RULE.map(lambda v: f"rrule:{v}"),
    st.sampled_from(["DURATION:PT1H", "DURATION:-PT1H", "DURATION:P1W", "DURATION:xx",
                     "STATUS:CANCELLED", "UID:same@x", "UID:", "SUMMARY:Month-end closing",
                     "CATEGORIES:Inventory count,Work", "X-CLOSEWATCH-LEVEL:extreme",
                     "X-CLOSEWATCH-CATEGORY:payroll", "BEGIN:VALARM", "END:VALARM", "garbage"]),
    st.text(max_size=30).map(lambda v: f"SUMMARY:{v}"),
)  # fmt: skip


@FUZZ
@given(
    st.lists(st.lists(PROPERTY, max_size=8), max_size=4),
    st.sampled_from([None, "America/New_York", "America", "Mars/Base", VENDOR_TZIDS[0]]),
    st.lists(st.sampled_from(sorted(VTIMEZONES)), max_size=2),
    st.sampled_from(["one VCALENDAR", "no VCALENDAR", "one VCALENDAR per event"]),
)
def test_icalendar_shaped_input(
    events: list[list[str]], x_wr_timezone: str | None, vtimezones: list[str], wrapping: str
) -> None:
    header = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fuzz//EN"]
    if x_wr_timezone:
        header.append(f"X-WR-TIMEZONE:{x_wr_timezone}")
    blocks = [VTIMEZONES[name] for name in vtimezones]
    blocks += [["BEGIN:VEVENT", *properties, "END:VEVENT"] for properties in events]
    if wrapping == "one VCALENDAR":
        lines = [*header, *(line for block in blocks for line in block), "END:VCALENDAR"]
    elif wrapping == "no VCALENDAR":
        lines = [line for block in blocks for line in block]
    else:
        lines = [line for block in blocks for line in [*header, *block, "END:VCALENDAR"]]
    parse_or_refuse("\r\n".join(lines).encode() or b"\r\n", "fuzz.ics")


CELL = st.one_of(
    st.sampled_from(["2026-11-27", "27.11.2026", "2026-11-27 08:00", "2026-11-27T08:00Z", "2026-02-30",
                     "month_end_close", "high", "Europe/Berlin", "Mars/Base", "a;b", '"', ""]),
    st.text(max_size=12),
)  # fmt: skip


@FUZZ
@given(
    st.lists(st.sampled_from(["title", "start", "end", "level", "category", "timezone", "id", "x"]),
             min_size=1, max_size=6),
    st.lists(st.lists(CELL, max_size=7), max_size=5),
    st.sampled_from([",", ";"]),
)  # fmt: skip
def test_csv_shaped_input(header: list[str], rows: list[list[str]], delimiter: str) -> None:
    text = "\n".join(delimiter.join(row) for row in [header, *rows])
    parse_or_refuse(text.encode(), "fuzz.csv")


SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-40, 40), st.text(max_size=8),
    st.sampled_from(["month_end", "quarter_end", "12-30", "02-29", "previous", "DE", "BY", "XNYS",
                     "saturday", "Europe/Berlin"]),
)  # fmt: skip
RULE_KEYS = st.sampled_from(["last_working_days", "first_working_days", "nth_working_day", "around",
                             "before", "after", "annual", "days", "if_not_working_day", "months", "x"])  # fmt: skip


@FUZZ
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "title": st.text(min_size=1, max_size=10),
                "rule": st.dictionaries(RULE_KEYS, SCALAR, max_size=4),
            },
            optional={"id": SCALAR, "level": SCALAR, "systems": st.lists(SCALAR, max_size=2)},
        ),
        max_size=3,
    ),
    st.dictionaries(
        st.sampled_from(["country", "subdivision", "market", "weekend", "days_off"]),
        SCALAR,
        max_size=2,
    ),
)
def test_rules_shaped_input(periods: list[dict[str, Any]], working_days: dict[str, Any]) -> None:
    document = {"working_days": working_days, "periods": periods}
    parse_or_refuse(yaml.safe_dump(document).encode(), "fuzz.yaml")


# --- YAML written by hand: anchors, aliases, merges, nesting -----------------------------------

RULE_KEY_NAMES = ["title", "rule", "last_working_days", "around", "before", "annual", "months",
                  "country", "weekend", "periods", "id", "level"]  # fmt: skip


@FUZZ
@given(st.data())
def test_rules_written_by_hand_with_aliases_and_nesting(data: st.DataObject) -> None:
    anchors: list[str] = []
    keys = data.draw(st.lists(st.sampled_from(["timezone", "working_days", "periods", "x"]),
                              min_size=1, max_size=4, unique=True))  # fmt: skip
    lines = [f"{key}: {data.draw(yaml_value(anchors, RULE_KEY_NAMES))}" for key in keys]
    parse_or_refuse("\n".join(lines).encode(), "fuzz.yaml", format="rules")
