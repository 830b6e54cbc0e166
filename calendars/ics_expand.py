"""Expanding an iCalendar file's series into occurrences, within the horizon and the caps.

``recurring-ical-events`` expands RRULE, RDATE, EXDATE and RECURRENCE-ID; this module
bounds it (see :mod:`calendars.series`), places dates and floating times in the
calendar's zone, drops cancelled instances and names the event of every problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import icalendar
import recurring_ical_events
from icalendar import Component

from calendars.errors import CalendarError
from calendars.ics_source import IcsEvent, IcsSource, when
from calendars.model import OccurrenceDraft, ParsedCalendar, SourceWarning
from calendars.options import ParseOptions
from calendars.series import (
    CannotExpand,
    Reader,
    Window,
    estimate,
    expand_bounded,
    rebase_distant_start,
    rules_of,
)
from calendars.timeutil import instance_label, to_utc

ONE_OFF = "once"  # the instance of an event that does not repeat: moving it keeps its identity
# recurring-ical-events compares floating times and dates with the span as if in UTC;
# a day's margin on each side, then an exact filter, keeps every zone right.
MARGIN = timedelta(days=1)


def expand(
    calendar: icalendar.Calendar,
    masters: dict[str, IcsEvent],
    options: ParseOptions,
    zone: tzinfo,
    source: IcsSource,
    parsed: ParsedCalendar,
) -> list[OccurrenceDraft]:
    horizon = options.horizon
    cap = options.max_occurrences_per_series

    def as_utc(value: date | datetime) -> datetime:
        return to_utc(value, zone)

    components = {str(c.get("UID")): c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" not in c}
    for uid, component in components.items():
        try:
            rebase_distant_start(component, horizon.start, as_utc)
        except CannotExpand as exc:
            raise CalendarError(
                str(exc), line=masters[uid].line or None, event=masters[uid].label
            ) from None
    query = _query(calendar, masters, source)
    span = Window(horizon.start - MARGIN, horizon.end + MARGIN)
    overrides = _override_counts(calendar)
    read = Reader(
        identity=lambda occurrence: occurrence.id,
        start=lambda occurrence: as_utc(occurrence.start),
        wanted=lambda occurrence: horizon.overlaps(
            as_utc(occurrence.start), as_utc(occurrence.end)
        ),
    )
    drafts: list[OccurrenceDraft] = []
    for series in query.series:
        event = masters.get(str(series.uid))
        if event is None:
            continue
        master = components.get(event.uid, event.component)
        try:
            rules = estimate(
                master, overrides.get(event.uid, 0), (span.end - span.start).days, as_utc
            )
            slack = MARGIN if _dates_or_floating(master) else timedelta(0)
            found, cut = expand_bounded(
                series.between, span, cap=cap, rules=rules, read=read, slack=slack
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise CalendarError(
                f"cannot expand the recurrence: {exc}", line=event.line or None, event=event.label
            ) from None
        repeats = bool(rules_of(master)) or "RDATE" in master
        drafts.extend(_drafts(found, event, repeats, zone))
        options.check_total(len(drafts))
        if cut:
            parsed.warnings.append(SourceWarning(
                f"repeats more than {cap} times in the horizon; only the first {cap} are kept",
                event=f"event {event.label}", line=event.line or None,
            ))  # fmt: skip
    return drafts


def _dates_or_floating(component: Component) -> bool:
    value = when(component, "DTSTART")
    return not isinstance(value, datetime) or value.tzinfo is None


def _query(calendar: icalendar.Calendar, masters: dict[str, IcsEvent], source: IcsSource) -> Any:
    try:
        return recurring_ical_events.of(calendar)
    except (ValueError, TypeError, OverflowError) as exc:  # Overflow: a DURATION past year 9999
        # The library does not say which event; find it by trying each alone.
        for event in masters.values():
            single = icalendar.Calendar()
            single.add_component(event.component)
            try:
                recurring_ical_events.of(single)
            except (ValueError, TypeError, OverflowError) as alone:
                raise CalendarError(
                    f"cannot expand the recurrence: {alone}",
                    line=source.property_line(event, "RRULE") or None,
                    event=event.label,
                ) from None
        raise CalendarError(f"cannot expand the calendar: {exc}") from None


def _override_counts(calendar: icalendar.Calendar) -> dict[str, int]:
    counts: dict[str, int] = {}
    for component in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" in component:
            uid = str(component.get("UID"))
            counts[uid] = counts.get(uid, 0) + 1
    return counts


def _drafts(
    found: list[Any], event: IcsEvent, repeats: bool, zone: tzinfo
) -> Iterator[OccurrenceDraft]:
    master_title = event.summary or "(untitled)"
    for occurrence in found:
        component = occurrence.as_component(False)
        if str(component.get("STATUS") or "").upper() == "CANCELLED":
            continue
        start = to_utc(occurrence.start, zone)
        end = to_utc(occurrence.end, zone) if occurrence.end is not None else start
        original = component.get("RECURRENCE-ID")
        instance = (
            instance_label(original.dt, zone) if repeats and original is not None else ONE_OFF
        )
        title = str(component.get("SUMMARY") or "").strip() or master_title
        yield OccurrenceDraft(
            start=start,
            end=max(end, start),
            period_key=event.uid,
            instance=instance,
            title=title if title != master_title else None,
        )
