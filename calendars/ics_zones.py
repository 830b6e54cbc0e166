"""Which zone each time of an iCalendar file is in, decided by that file alone.

``icalendar`` settles each TZID while it parses: an IANA name is that zone, a
Windows name (``W. Europe Standard Time``) its IANA zone, any other name what a
VTIMEZONE defines. But it keeps every VTIMEZONE it has read for the life of the
process, the first of each name winning, so a file whose VTIMEZONE says
something else under a name seen before would be read in the earlier file's
zone (Exchange names every zone it has no name for ``Customized Time Zone``).
And it guesses the zone of a vendor-prefixed TZID, with a Python warning.

So after parsing, :func:`zone_times` puts every time with a TZID in the zone
the file itself gives it, whatever was uploaded before:

1. a TZID one of the file's VTIMEZONEs defines, unless it is an IANA name: that
   VTIMEZONE (:func:`own_zones`);
2. an IANA name: that zone, as ``icalendar`` read it;
3. a Windows name, or an IANA name between slashes: its IANA zone;
4. a vendor prefix before an IANA name, with no VTIMEZONE
   (``/mozilla.org/20070129_1/America/New_York``): that IANA zone, said in a
   warning, as the clients and ``recurring-ical-events`` read it;
5. anything else: no zone, so the time is refused as in an unknown zone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from icalendar import Component, vDDDLists, vDDDTypes
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from calendars.errors import CalendarError

# Properties whose times carry a TZID.
ZONED_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
# Years after which the Gregorian calendar repeats itself, weekdays and leap days included.
GREGORIAN_CYCLE_YEARS = 400
# A TZID parameter's or property's value, as written on a line.
TZID_VALUE = re.compile(r'TZID[=:]"?([^";:\r\n]*)', re.IGNORECASE)


def own_zones(calendar: icalendar.Calendar, *, since: datetime) -> dict[str, tzinfo]:
    """The zone each of the file's VTIMEZONEs defines, by TZID, except under IANA names;
    right for times from ``since`` on (see :func:`_start_rules_near`)."""
    zones: dict[str, tzinfo] = {}
    for vtimezone in calendar.walk("VTIMEZONE"):
        tzid = str(vtimezone.get("TZID", "")).strip('"')
        if not isinstance(vtimezone, icalendar.Timezone) or not tzid or tzid in zones:
            continue
        if is_zone_name(tzid):  # icalendar reads an IANA name as that zone, as it should
            continue
        _start_rules_near(vtimezone, since.year - 1)
        try:
            zones[tzid] = vtimezone.to_tz(lookup_tzid=False)
        except ValueError as exc:  # as icalendar refuses it when it reads the name first
            raise CalendarError(f"not a valid iCalendar file: VTIMEZONE {tzid!r}: {exc}") from None
    return zones


def _start_rules_near(vtimezone: Component, year: int) -> None:
    """Move the start of each yearly rule forward by whole 400-year cycles, to at most ``year``.

    Outlook starts every rule in 1601, and the zone finds the offset of a time by
    stepping through the rule's years from its start, about 425 steps for each
    time in 2026: 0.1 s for a file of one series. The Gregorian calendar repeats
    every 400 years, weekdays and leap days included, so from its new start a
    yearly rule of interval 1 makes the very same changes: the zone is the same
    for every time after it. A rule that counts its changes, ends, or comes
    with extra dates stays as written.
    """
    for observance in vtimezone.subcomponents:
        rule, start = observance.get("RRULE"), observance.get("DTSTART")
        if not isinstance(rule, icalendar.vRecur) or start is None or "RDATE" in observance:
            continue
        yearly = rule.get("FREQ") == ["YEARLY"] and rule.get("INTERVAL", [1]) == [1]
        if not yearly or "COUNT" in rule or "UNTIL" in rule or not isinstance(start.dt, datetime):
            continue
        cycles = (year - start.dt.year) // GREGORIAN_CYCLE_YEARS
        if cycles > 0:
            start.dt = start.dt.replace(year=start.dt.year + cycles * GREGORIAN_CYCLE_YEARS)


def zone_times(event: Component, own: dict[str, tzinfo]) -> list[tuple[str, str]]:
    """Put each of the event's times with a TZID in the zone the file gives it (see above).

    Returns what was assumed, once per TZID: the first property that carries it
    and the assumption.
    """
    assumed: dict[str, tuple[str, str]] = {}
    for name in ZONED_PROPERTIES:
        for prop in _listed(event.get(name)):
            tzid = str(prop.params.get("TZID", "")).strip('"')
            if not tzid or is_zone_name(tzid):
                continue
            zone, assumption = _zone_of(tzid, own)
            for value in _values(prop):
                if isinstance(value.dt, datetime):
                    value.dt = value.dt.replace(tzinfo=zone)
            if assumption:
                assumed.setdefault(tzid, (name, assumption))
    return list(assumed.values())


def _zone_of(tzid: str, own: dict[str, tzinfo]) -> tuple[tzinfo | None, str | None]:
    """The zone of a TZID that is not an IANA name, and what was assumed, in icalendar's order."""
    if tzid in own:
        return own[tzid], None
    bare = tzid.strip("/")  # "/Europe/Berlin": a leading slash and nothing before the zone
    for name in (bare, WINDOWS_TO_OLSON.get(bare, "")):
        if is_zone_name(name):
            return ZoneInfo(name), None
    after_prefix = vendor_zone(tzid)
    if after_prefix is None:
        return None, None
    return ZoneInfo(after_prefix), (
        f"TZID {tzid!r} has a vendor prefix and no VTIMEZONE in the file: "
        f"its times are read in {after_prefix}"
    )


def vendor_zone(tzid: str) -> str | None:
    """The IANA zone a vendor-prefixed TZID ends with, or None.

    RFC 5545 marks a TZID that is unique world-wide with a leading ``/``; clients
    put their name and a version before the zone (``/mozilla.org/20070129_1/``,
    ``/freeassociation.sourceforge.net/Tzfile/``). The longest IANA name at the
    end wins, so ``America/Argentina/Buenos_Aires`` stays whole.
    """
    if not tzid.startswith("/"):
        return None
    parts = tzid.strip("/").split("/")
    for first in range(1, len(parts)):
        name = "/".join(parts[first:])
        if is_zone_name(name):
            return name
    return None


@functools.lru_cache(maxsize=1024)  # asked for every time of every event
def is_zone_name(name: str) -> bool:
    """Whether ``name`` is an IANA zone (``America`` is a folder of them, not one)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def tzid_that_cannot_be_looked_up(lines: list[str]) -> tuple[int, str] | None:
    """The first line, with its TZID, that ``icalendar`` fails on with an OSError.

    ``icalendar`` opens a TZID as a file of the zone database, whole and without
    each leading part in turn; a folder (``America``) or an over-long name then
    raises an OSError rather than "not found", from deep inside the parse.
    """
    for number, line in enumerate(lines, 1):
        for tzid in TZID_VALUE.findall(line):
            parts = tzid.strip("/").split("/")
            if any(_lookup_raises_os_error("/".join(parts[i:])) for i in range(len(parts))):
                return number, tzid
    return None


def _lookup_raises_os_error(name: str) -> bool:
    try:
        ZoneInfo(name)
    except OSError:
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return False


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _values(prop: Any) -> Iterator[vDDDTypes]:
    """The single values of a date or time property; none of one icalendar could not parse."""
    if isinstance(prop, vDDDLists):
        yield from prop.dts
    elif isinstance(prop, vDDDTypes):
        yield prop
