"""Turning calendar values (dates, floating and zoned times) into UTC instants.

A date is a whole day in the calendar's zone: it starts at that day's local
midnight, so a day on which daylight saving changes is 23 or 25 hours long in
UTC and a period never shifts by an hour. A floating time is a wall-clock time
in the calendar's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The instant ``day`` starts in ``zone``, in UTC."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def to_utc(value: date | datetime, zone: tzinfo) -> datetime:
    """``value`` as a UTC instant: dates at local midnight, floating times in ``zone``."""
    if not isinstance(value, datetime):
        return local_midnight(value, zone)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


def instance_label(value: date | datetime, zone: tzinfo) -> str:
    """A stable text for an instance's original start: ``2026-11-27`` or ``2026-11-27T08:00:00Z``."""
    if not isinstance(value, datetime):
        return value.isoformat()
    return to_utc(value, zone).strftime("%Y-%m-%dT%H:%M:%SZ")
