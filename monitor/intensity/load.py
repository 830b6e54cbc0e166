"""Building the intensity index from what is stored."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import col

from calendars import Level
from monitor.db.engine import session_scope
from monitor.db.models import Calendar, Occurrence, Period, PeriodTarget, System
from monitor.intensity.timeline import IntensityIndex, OccurrenceInput, RampRules
from monitor.metrics import PeriodState

# Ramps reach back a few working days; a month covers any holiday season.
LOOK_BACK = timedelta(days=31)


@dataclass(slots=True)
class PeriodSpans:
    """One period's occurrences, for "is it on now" and "when next" at scrape time."""

    calendar: str
    key: str
    title: str
    category: str
    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)

    def state(self, now: datetime) -> PeriodState:
        index = bisect.bisect_right(self.starts, now)
        active = any(end > now for end in self.ends[max(0, index - 8) : index])
        upcoming = self.starts[index] if index < len(self.starts) else None
        return PeriodState(self.calendar, self.key, self.category, active, upcoming)


@dataclass(frozen=True, slots=True)
class Loaded:
    index: IntensityIndex
    periods: list[PeriodSpans]
    systems: dict[str, str]  # technical name → plain name


def load_intensity(engine: Engine, rules: RampRules, *, now: datetime) -> Loaded:
    """The index over stored occurrences from a month back, for every known system."""
    with session_scope(engine) as session:
        systems = dict(session.execute(select(col(System.name), col(System.plain_name))).all())
        targets: dict[int, list[str]] = defaultdict(list)
        for period_id, name in session.execute(
            select(col(PeriodTarget.period_id), col(PeriodTarget.name)).where(
                col(PeriodTarget.kind) == "system"
            )
        ):
            targets[period_id].append(name)
        rows = session.execute(
            select(col(Occurrence.id), col(Occurrence.period_id), col(Occurrence.title), col(Occurrence.category), col(Occurrence.level),
                   col(Occurrence.start), col(Occurrence.end), col(Period.key), col(Period.title), col(Calendar.name))
            .join(Period, col(Period.id) == col(Occurrence.period_id))
            .join(Calendar, col(Calendar.id) == col(Occurrence.calendar_id))
            .where(col(Occurrence.end) > now - LOOK_BACK)
            .order_by(col(Occurrence.start))
        ).all()  # fmt: skip
    inputs = []
    periods: dict[int, PeriodSpans] = {}
    for oid, period_id, title, category, level, start, end, key, period_title, calendar in rows:
        inputs.append(OccurrenceInput(oid, title or period_title, category, Level(level), start, end,
                                      tuple(targets.get(period_id, ()))))  # fmt: skip
        spans = periods.setdefault(period_id, PeriodSpans(calendar, key, period_title, category))
        spans.starts.append(start)
        spans.ends.append(end)
    index = IntensityIndex.build(inputs, rules, systems=systems)
    return Loaded(index, list(periods.values()), systems)
