"""Ramps: watching harder a little before a period starts and a little after it ends.

Trouble before a month-end close hurts too (the invoicing run starts early);
so does trouble the day after. A ramp widens each occurrence: from N working
days before its start, at a level no higher than the occurrence's own, until
M days after its end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from calendars import Category, Level
from calendars.timeutil import local_midnight
from calendars.workdays import WorkingDays


@dataclass(frozen=True, slots=True)
class Ramp:
    before_working_days: int = 2
    after_days: int = 1
    level: Level = Level.ELEVATED


DEFAULT_RAMP = Ramp()
DEFAULT_RAMPS: Mapping[Category, Ramp] = {
    Category.YEAR_END: Ramp(before_working_days=3, after_days=2, level=Level.HIGH),
    Category.GO_LIVE: Ramp(before_working_days=3, after_days=2, level=Level.HIGH),
}


@dataclass(frozen=True, slots=True)
class Widened:
    """An occurrence and its ramp: ``[ramp_start, start)`` and ``[end, ramp_end)`` at ``ramp_level``."""

    ramp_start: datetime
    start: datetime
    end: datetime
    ramp_end: datetime
    level: Level
    ramp_level: Level


def widen(
    start: datetime,
    end: datetime,
    level: Level,
    ramp: Ramp,
    workdays: WorkingDays,
    zone: tzinfo,
    step: Callable[[date, int], date] | None = None,
) -> Widened:
    """``[start, end)`` widened by ``ramp``, counting working days in ``zone``.

    ``step`` may replace ``workdays.step`` (a cached one, when widening thousands)."""
    ramp_start = start
    if ramp.before_working_days:
        first_day = start.astimezone(zone).date()
        earlier = (step or workdays.step)(first_day, -ramp.before_working_days)
        ramp_start = min(start, local_midnight(earlier, zone))
    # "A day after the end" is the same wall-clock time a day later, whatever DST does.
    local_end = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=ramp.after_days)
    ramp_end = local_end.replace(tzinfo=zone).astimezone(UTC)
    return Widened(ramp_start, start, end, max(ramp_end, end), level, min(level, ramp.level))
