"""Every iCalendar fixture is read as the reference expander reads it.

The oracle is bare ``recurring_ical_events.of(calendar).between(...)`` over
what ``icalendar`` parses, with cancelled instances removed: for each fixture
in ``fixtures/``, closewatch must find the same occurrences, each with the
same span and title. A new fixture is covered by dropping it in the folder.

The one documented difference: closewatch places all-day dates and floating
times in the calendar's zone, where the reference leaves them as dates and
naive times. So the reference's dates are compared as the local days they
name in that zone (midnight to midnight), and its naive times as wall-clock
times there.

A file whose events have no VCALENDAR around them, or sit in one VCALENDAR
each, is handed to the reference as one calendar, as any caller of it has to.
"""

from __future__ import annotations

import warnings
from collections import Counter
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from calendars import Horizon, ParsedCalendar
from calendars.load import load_calendar
from calendars.options import ParseOptions

FIXTURES = Path(__file__).parent / "fixtures"
# Wide enough for every fixture (the oldest copies a 2020 Exchange export), narrow enough
# that no open-ended series in them reaches the cap of occurrences per series.
START, END = datetime(2020, 1, 1), datetime(2028, 1, 1)
HORIZON = Horizon(START.replace(tzinfo=UTC), END.replace(tzinfo=UTC))

Span = tuple[datetime, datetime, str]


def closewatch_spans(parsed: ParsedCalendar) -> Counter[Span]:
    return Counter(
        (o.start, o.end, o.title or parsed.period(o.period_key).title) for o in parsed.occurrences
    )


def reference_spans(text: str, zone: tzinfo) -> Counter[Span]:
    # icalendar keeps the VTIMEZONEs it has read, first come first served; read as a fresh
    # process would, not in zones other tests defined under the same names.
    icalendar.use_zoneinfo()
    with warnings.catch_warnings():
        # icalendar (7.3 on) warns when it strips a vendor prefix from a TZID; that guess is its
        # reading, and the reference's own warnings are not what this test is about.
        warnings.simplefilter("ignore", UserWarning)
        calendar = reference_calendar(text)
    spans: Counter[Span] = Counter()
    for event in recurring_ical_events.of(calendar).between(START, END):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        title = str(event.get("SUMMARY", "")).strip() or "(untitled)"
        start, end = instant(event.start, zone), instant(event.end, zone)
        spans[(start, max(start, end), title)] += 1
    return spans


def reference_calendar(text: str) -> icalendar.Calendar:
    parts = icalendar.Calendar.from_ical(text, multiple=True)
    if len(parts) == 1 and parts[0].name == "VCALENDAR":
        return parts[0]
    calendar = icalendar.Calendar()
    for part in parts:
        for component in part.subcomponents if part.name == "VCALENDAR" else [part]:
            calendar.add_component(component)
    return calendar


def instant(value: date | datetime, zone: tzinfo) -> datetime:
    """A UTC instant: a date as its local midnight in ``zone``, a naive time as wall time there."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), zone).astimezone(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.ics")))
def test_fixture_occurrences_equal_the_reference_expansion(name: str) -> None:
    data = (FIXTURES / name).read_bytes()

    parsed = load_calendar(data, source=name, options=ParseOptions(horizon=HORIZON))

    ours = closewatch_spans(parsed)
    reference = reference_spans(data.decode("utf-8-sig"), ZoneInfo(parsed.timezone))
    assert reference, "a fixture with no occurrences in the window proves nothing"
    assert sorted(ours - reference) == [], "closewatch finds occurrences the reference does not"
    assert sorted(reference - ours) == [], "the reference finds occurrences closewatch does not"
