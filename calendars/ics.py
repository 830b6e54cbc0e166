"""iCalendar files as Outlook, Exchange, Google, Apple and Thunderbird export them.

``icalendar`` parses (Windows zone names and VTIMEZONE included),
``x-wr-timezone`` turns Google's X-WR-TIMEZONE into standard form, and
``recurring-ical-events`` expands RRULE, RDATE, EXDATE and RECURRENCE-ID.
This module adds what those leave to the caller: each UID becomes one period,
dates and floating times are placed in the calendar's zone, cancelled
instances are dropped, series are capped (see :mod:`calendars.series`), what
clients write against RFC 5545 with a clear meaning is read as they read it
(see :mod:`calendars.ics_quirks`), and every problem or assumption names its
line and event.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import x_wr_timezone
from icalendar import Component
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from calendars.classify import classify, split_list
from calendars.errors import CalendarError
from calendars.ics_expand import expand
from calendars.ics_quirks import match_until_to_start, one_calendar, parse_components
from calendars.ics_source import IcsEvent, IcsSource, when
from calendars.ics_zones import own_zones, tzid_that_cannot_be_looked_up, vendor_zone, zone_times
from calendars.model import ParsedCalendar, PeriodDraft, SourceWarning
from calendars.options import ParseOptions, load_zone, shown_zone
from calendars.series import (
    rules_of,
)

# RFC 5545 allows these once per event; a second one makes the event ambiguous.
SINGLE_VALUED = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SUMMARY", "STATUS",
                 "DESCRIPTION", "LOCATION")  # fmt: skip


def parse_ics(text: str, options: ParseOptions) -> ParsedCalendar:
    source = IcsSource(text)
    calendar, reshaped = _parse(text, source)
    declared = str(calendar.get("X-WR-TIMEZONE") or "").strip() or None
    zone_name = options.zone_name(declared)
    zone = load_zone(zone_name)
    parsed = ParsedCalendar(format="ics", timezone=zone_name)
    if reshaped:
        parsed.warnings.append(reshaped)

    events = _events(calendar, source, parsed)
    zones = own_zones(calendar, since=options.horizon.start)
    for event in events:
        for prop, assumption in zone_times(event.component, zones):
            parsed.warnings.append(SourceWarning(
                assumption, event=f"event {event.label}", line=source.property_line(event, prop) or None
            ))  # fmt: skip
        _check_event(event, source)
    masters = _masters(events)
    for event in masters.values():
        period = _period(event, options, zone_name)
        parsed.periods.append(period)
        if period.classification.source == "default":
            parsed.warnings.append(SourceWarning(
                "no category found; treated as custom at elevated", event=f"event {event.label}", line=event.line
            ))  # fmt: skip

    standard = _standard(calendar, declared)
    _match_untils_to_starts(standard, masters, source, parsed)
    occurrences = expand(standard, masters, options, zone, source, parsed)
    parsed.occurrences.extend(sorted(occurrences))
    _drop_cancelled_periods(parsed, masters)
    if not events:
        parsed.warnings.append(SourceWarning("the calendar has no events"))
    return parsed


def _parse(text: str, source: IcsSource) -> tuple[icalendar.Calendar, SourceWarning | None]:
    """The file as one VCALENDAR, and a warning if it had to be made one."""
    try:
        parts = parse_components(text)
    except ValueError as exc:
        raise CalendarError(f"not a valid iCalendar file: {exc}") from None
    except OSError:
        line, tzid = tzid_that_cannot_be_looked_up(source.lines) or (None, "")
        raise CalendarError(
            f"unknown time zone {shown_zone(tzid)!r} (use an IANA name such as Europe/Berlin)",
            line=line,
        ) from None
    if not parts:
        raise CalendarError("not a valid iCalendar file: it ends inside a component (no END)")
    calendar, assumed = one_calendar(parts)
    if calendar is None:
        raise CalendarError(f"not iCalendar: the file holds a {parts[0].name}, not a VCALENDAR")
    if assumed is None:
        return calendar, None
    # Where the file leaves the one-VCALENDAR shape: its second VCALENDAR, or its first event.
    line = source.line_of("BEGIN:VCALENDAR", nth=2) or source.line_of("BEGIN:VEVENT")
    return calendar, SourceWarning(assumed, line=line)


def _events(
    calendar: icalendar.Calendar, source: IcsSource, parsed: ParsedCalendar
) -> list[IcsEvent]:
    components = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    spans = source.spans if len(source.spans) == len(components) else [(0, 0)] * len(components)
    events = []
    synthetic: Counter[str] = Counter()
    for component, (line, end_line) in zip(components, spans, strict=True):
        _check_single_valued(component, source, line, end_line)
        uid = str(component.get("UID") or "").strip()
        event = IcsEvent(component, line, end_line, uid)
        if not uid:
            event.uid = _synthetic_uid(component, synthetic)
            component["UID"] = event.uid
            parsed.warnings.append(SourceWarning(
                "has no UID; it is identified by its title and start, so editing those makes it a new period",
                event=f"event {event.label}", line=line,
            ))  # fmt: skip
        events.append(event)
    return events


def _check_single_valued(component: Component, source: IcsSource, line: int, end_line: int) -> None:
    for name in SINGLE_VALUED:
        if isinstance(component.get(name), list):
            repeats = [
                number
                for number in range(line, end_line + 1)
                if source.lines[number - 1].upper().startswith((f"{name}:", f"{name};"))
            ]
            raise CalendarError(
                f"{name} appears more than once in the event that starts on line {line}",
                line=repeats[1] if len(repeats) > 1 else line or None,
            )


def _synthetic_uid(component: Component, taken: Counter[str]) -> str:
    """A UID from the title and start; a second event with the same ones gets ``-2``, and so on."""
    basis = f"{component.get('SUMMARY', '')}|{component.get('DTSTART').to_ical().decode() if 'DTSTART' in component else ''}"
    uid = "closewatch-" + hashlib.sha256(basis.encode()).hexdigest()[:16]
    taken[uid] += 1
    return uid if taken[uid] == 1 else f"{uid}-{taken[uid]}"


def _check_event(event: IcsEvent, source: IcsSource) -> None:
    """Refuse what would make the expansion wrong, naming the line."""
    component = event.component

    def fail(reason: str, prop: str | None = None) -> CalendarError:
        line = source.property_line(event, prop) if prop else event.line
        return CalendarError(reason, line=line or None, event=event.label)

    for prop, message in component.errors:
        raise fail(f"invalid {prop}: {message}", prop)
    if "DTSTART" not in component:
        raise fail("has no DTSTART")
    for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        if prop in component:
            _check_zone(component[prop], prop, fail)
    start = when(component, "DTSTART")
    if "DTEND" in component:
        end = when(component, "DTEND")
        if isinstance(start, datetime) != isinstance(end, datetime):
            raise fail("DTSTART and DTEND must both be dates or both date-times", "DTEND")
        if _naive(start) != _naive(end) and isinstance(start, datetime):
            raise fail("DTSTART and DTEND must both have a time zone or both be floating", "DTEND")
        if end < start:
            raise fail(f"end before start ({_show(end)} is before {_show(start)})", "DTEND")
    elif "DURATION" in component:
        duration = component.get("DURATION").dt
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise fail("DURATION must not be negative", "DURATION")


def _check_zone(prop: Any, name: str, fail: Any) -> None:
    tzid = prop.params.get("TZID")
    value = getattr(prop, "dt", None)
    if tzid and isinstance(value, datetime) and value.tzinfo is None:
        raise fail(f"unknown time zone {shown_zone(tzid)!r} and no VTIMEZONE defines it", name)


def _naive(value: date | datetime) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


def _show(value: date | datetime) -> str:
    return value.isoformat()


def _masters(events: list[IcsEvent]) -> dict[str, IcsEvent]:
    """The defining VEVENT of each UID: the one without RECURRENCE-ID, else the first."""
    masters: dict[str, IcsEvent] = {}
    for event in events:
        current = masters.get(event.uid)
        if current is None or (current.is_override and not event.is_override):
            masters[event.uid] = event
    return masters


def _period(event: IcsEvent, options: ParseOptions, zone_name: str) -> PeriodDraft:
    component = event.component
    texts = {
        "summary": event.summary,
        "description": str(component.get("DESCRIPTION") or ""),
        "location": str(component.get("LOCATION") or ""),
    }
    try:
        classification = classify(
            texts,
            category=_text(component, "X-CLOSEWATCH-CATEGORY"),
            level=_text(component, "X-CLOSEWATCH-LEVEL"),
            systems=split_list(_text(component, "X-CLOSEWATCH-SYSTEMS")),
            audiences=split_list(_text(component, "X-CLOSEWATCH-AUDIENCES")),
            categories=_categories(component),
            rules=options.mapping,
        )
    except ValueError as exc:
        raise CalendarError(str(exc), line=event.line or None, event=event.label) from None
    return PeriodDraft(
        key=event.uid,
        title=event.summary or "(untitled)",
        classification=classification,
        description=texts["description"].strip(),
        recurrence=_recurrence(component),
        timezone=_zone_key(component["DTSTART"]) or zone_name,
        origin=f"line {event.line}" if event.line else None,
    )


def _text(component: Component, name: str) -> str | None:
    value = component.get(name)
    if isinstance(value, list):
        value = ",".join(str(item) for item in value)
    return str(value).strip() if value is not None and str(value).strip() else None


def _categories(component: Component) -> list[str]:
    value = component.get("CATEGORIES")
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(tag) for item in values for tag in getattr(item, "cats", [item])]


def _recurrence(component: Component) -> str | None:
    parts = [rule.to_ical().decode() for rule in rules_of(component)]
    if "RDATE" in component:
        parts.append("RDATE")
    return "; ".join(parts) or None


def _zone_key(prop: Any) -> str | None:
    """The IANA name of a time's zone: its ZoneInfo, or its TZID (Windows names mapped)."""
    value = prop.dt
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    if isinstance(value.tzinfo, ZoneInfo):
        return value.tzinfo.key
    tzid = str(prop.params.get("TZID", "")).strip('"')
    name = WINDOWS_TO_OLSON.get(tzid) or vendor_zone(tzid) or tzid
    try:
        return ZoneInfo(name).key if name else None
    except (ValueError, KeyError, ZoneInfoNotFoundError, OSError):
        return None


def _standard(calendar: icalendar.Calendar, declared: str | None) -> icalendar.Calendar:
    """Google writes UTC times meant in X-WR-TIMEZONE; make them zoned, as RFC 5545 wants."""
    if not declared:
        return calendar
    try:
        standard: icalendar.Calendar = x_wr_timezone.to_standard(calendar)  # untyped: a Calendar
        return standard
    except (ValueError, KeyError, OSError) as exc:
        raise CalendarError(f"X-WR-TIMEZONE {declared!r} cannot be used: {exc}") from None


def _match_untils_to_starts(
    calendar: icalendar.Calendar,
    masters: dict[str, IcsEvent],
    source: IcsSource,
    parsed: ParsedCalendar,
) -> None:
    """Read each RRULE UNTIL in its DTSTART's value type, once X-WR-TIMEZONE has been applied,
    as recurring-ical-events does, saying how."""
    for component in calendar.walk("VEVENT"):
        event = masters[str(component.get("UID"))]
        for assumption in match_until_to_start(component):
            parsed.warnings.append(SourceWarning(
                assumption, event=f"event {event.label}", line=source.property_line(event, "RRULE") or None
            ))  # fmt: skip


def _drop_cancelled_periods(parsed: ParsedCalendar, masters: dict[str, IcsEvent]) -> None:
    """A series cancelled as a whole is not a period."""
    with_occurrences = {occurrence.period_key for occurrence in parsed.occurrences}
    cancelled = {
        uid
        for uid, event in masters.items()
        if str(event.component.get("STATUS") or "").upper() == "CANCELLED"
        and uid not in with_occurrences
    }
    if cancelled:
        parsed.periods = [period for period in parsed.periods if period.key not in cancelled]
        parsed.warnings = [
            warning for warning in parsed.warnings
            if not any(f"(UID {uid})" in (warning.event or "") for uid in cancelled)
        ]  # fmt: skip
