"""Reading calendars, periods and occurrences, with the filters the API offers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlmodel import Session

from monitor.db.models import Calendar, Occurrence, Period, PeriodTarget


@dataclass(frozen=True, slots=True)
class CalendarRow:
    calendar: Calendar
    periods: int
    occurrences: int


@dataclass(frozen=True, slots=True)
class PeriodRow:
    period: Period
    calendar: str
    systems: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OccurrenceRow:
    occurrence: Occurrence
    period_key: str
    period_title: str
    calendar: str
    systems: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OccurrenceFilter:
    """Occurrences overlapping ``[start, end)`` that match every given criterion."""

    start: datetime | None = None
    end: datetime | None = None
    category: str | None = None
    system: str | None = None
    audience: str | None = None
    calendar: str | None = None
    limit: int = 500
    offset: int = 0


def list_calendars(session: Session, name: str | None = None) -> list[CalendarRow]:
    periods = select(func.count()).where(Period.calendar_id == Calendar.id).scalar_subquery()
    occurrences = (
        select(func.count()).where(Occurrence.calendar_id == Calendar.id).scalar_subquery()
    )
    query = select(Calendar, periods, occurrences).order_by(Calendar.name)
    if name is not None:
        query = query.where(Calendar.name == name)
    return [CalendarRow(c, p, o) for c, p, o in session.execute(query)]


def get_calendar(session: Session, name: str) -> CalendarRow | None:
    rows = list_calendars(session, name)
    return rows[0] if rows else None


def list_periods(
    session: Session,
    *,
    calendar: str | None = None,
    category: str | None = None,
    system: str | None = None,
    audience: str | None = None,
) -> list[PeriodRow]:
    query = select(Period, Calendar.name).join(Calendar, Calendar.id == Period.calendar_id)
    query = _targeted(query, Period.id, system, audience)
    if calendar:
        query = query.where(Calendar.name == calendar)
    if category:
        query = query.where(Period.category == category)
    rows = session.execute(query.order_by(Calendar.name, Period.title, Period.id)).all()
    targets = _targets(session, [period.id for period, _ in rows])
    return [
        PeriodRow(period, name, *targets.get(period.id, ([], [])))  # type: ignore[arg-type]
        for period, name in rows
    ]


def list_occurrences(session: Session, where: OccurrenceFilter) -> list[OccurrenceRow]:
    query = (
        select(Occurrence, Period.key, Period.title, Calendar.name)
        .join(Period, Period.id == Occurrence.period_id)
        .join(Calendar, Calendar.id == Occurrence.calendar_id)
    )
    if where.end is not None:
        query = query.where(Occurrence.start < where.end)
    if where.start is not None:
        query = query.where(Occurrence.end > where.start)
    if where.category:
        query = query.where(Occurrence.category == where.category)
    if where.calendar:
        query = query.where(Calendar.name == where.calendar)
    query = _targeted(query, Occurrence.period_id, where.system, where.audience)
    query = query.order_by(Occurrence.start, Occurrence.id).limit(where.limit).offset(where.offset)
    rows = session.execute(query).all()
    targets = _targets(session, list({occurrence.period_id for occurrence, *_ in rows}))
    return [
        OccurrenceRow(occurrence, key, title, name, *targets.get(occurrence.period_id, ([], [])))
        for occurrence, key, title, name in rows
    ]


def _targeted(query: Select, period_id, system: str | None, audience: str | None) -> Select:  # type: ignore[type-arg,no-untyped-def]
    for kind, name in (("system", system), ("audience", audience)):
        if name:
            query = query.where(
                period_id.in_(
                    select(PeriodTarget.period_id).where(
                        PeriodTarget.kind == kind, PeriodTarget.name == name
                    )
                )
            )
    return query


def _targets(
    session: Session, period_ids: Sequence[int | None]
) -> dict[int, tuple[list[str], list[str]]]:
    """Systems and audiences of each period, in one query."""
    found: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    if not period_ids:
        return found
    query = (
        select(PeriodTarget.period_id, PeriodTarget.kind, PeriodTarget.name)
        .where(PeriodTarget.period_id.in_(period_ids))  # type: ignore[attr-defined]
        .order_by(PeriodTarget.name)
    )
    for period_id, kind, name in session.execute(query):
        found[period_id][0 if kind == "system" else 1].append(name)
    return found
