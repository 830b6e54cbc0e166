"""Reading calendars, periods and occurrences, with the filters the API offers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from monitor.db.models import Calendar, Occurrence, Period, PeriodTarget

Columns = TypeVarTuple("Columns")  # the columns a query selects, kept as filters are added


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
    periods = (
        select(func.count()).where(col(Period.calendar_id) == col(Calendar.id)).scalar_subquery()
    )
    occurrences = (
        select(func.count())
        .where(col(Occurrence.calendar_id) == col(Calendar.id))
        .scalar_subquery()
    )
    query = select(Calendar, periods, occurrences).order_by(Calendar.name)
    if name is not None:
        query = query.where(col(Calendar.name) == name)
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
    query = select(Period, col(Calendar.name)).join(
        Calendar, col(Calendar.id) == col(Period.calendar_id)
    )
    query = _targeted(query, col(Period.id), system, audience)
    if calendar:
        query = query.where(col(Calendar.name) == calendar)
    if category:
        query = query.where(col(Period.category) == category)
    rows = session.execute(query.order_by(Calendar.name, col(Period.title), col(Period.id))).all()
    targets = _targets(session, [period.id for period, _ in rows])
    return [PeriodRow(period, name, *targets.get(period.id, ([], []))) for period, name in rows]


def list_occurrences(session: Session, where: OccurrenceFilter) -> list[OccurrenceRow]:
    query = (
        select(Occurrence, col(Period.key), col(Period.title), col(Calendar.name))
        .join(Period, col(Period.id) == col(Occurrence.period_id))
        .join(Calendar, col(Calendar.id) == col(Occurrence.calendar_id))
    )
    if where.end is not None:
        query = query.where(col(Occurrence.start) < where.end)
    if where.start is not None:
        query = query.where(col(Occurrence.end) > where.start)
    if where.category:
        query = query.where(col(Occurrence.category) == where.category)
    if where.calendar:
        query = query.where(col(Calendar.name) == where.calendar)
    query = _targeted(query, col(Occurrence.period_id), where.system, where.audience)
    query = (
        query.order_by(col(Occurrence.start), col(Occurrence.id))
        .limit(where.limit)
        .offset(where.offset)
    )
    rows = session.execute(query).all()
    targets = _targets(session, list({occurrence.period_id for occurrence, *_ in rows}))
    return [
        OccurrenceRow(occurrence, key, title, name, *targets.get(occurrence.period_id, ([], [])))
        for occurrence, key, title, name in rows
    ]


def _targeted(
    query: Select[*Columns],
    period_id: Mapped[int | None],
    system: str | None,
    audience: str | None,
) -> Select[*Columns]:
    for kind, name in (("system", system), ("audience", audience)):
        if name:
            query = query.where(
                period_id.in_(
                    select(col(PeriodTarget.period_id)).where(
                        col(PeriodTarget.kind) == kind, col(PeriodTarget.name) == name
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
        select(col(PeriodTarget.period_id), col(PeriodTarget.kind), col(PeriodTarget.name))
        .where(col(PeriodTarget.period_id).in_(period_ids))
        .order_by(PeriodTarget.name)
    )
    for period_id, kind, name in session.execute(query):
        found[period_id][0 if kind == "system" else 1].append(name)
    return found
