"""What one occurrence's notice shows every recipient alike, read once for a whole batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import Occurrence, Period, PeriodTarget, System
from monitor.notices.readings import status_between


@dataclass(frozen=True, slots=True)
class Shared:
    """What every recipient of one occurrence's notice sees alike."""

    period: dict[str, Any]
    occurrence: dict[str, Any]
    systems: list[dict[str, Any]]  # name, plain_name and plain_names by language
    status: dict[str, Any]  # its problems carry the system's plain_names too


def read_shared(engine: Engine, occurrence_id: int, now: datetime) -> Shared | None:
    """What every recipient of the occurrence's notice sees alike, as of ``now``."""
    with session_scope(engine) as session:
        row = session.execute(
            select(Occurrence, Period).join(Period, col(Period.id) == col(Occurrence.period_id)).where(col(Occurrence.id) == occurrence_id)
        ).first()  # fmt: skip
        if row is None:
            return None
        occurrence, period = row
        names = list(session.execute(
            select(col(PeriodTarget.name)).where(col(PeriodTarget.period_id) == period.id, col(PeriodTarget.kind) == "system")
        ).scalars())  # fmt: skip
        plain = {
            name: (plain_name, plain_names)
            for name, plain_name, plain_names in session.execute(
                select(col(System.name), col(System.plain_name), col(System.plain_names)).where(
                    col(System.name).in_(names)
                )
            )
        }
        status = status_between(session, names, occurrence.start, min(now, occurrence.end))
    return Shared(
        period={
            "title": occurrence.title or period.title,
            "category": occurrence.category,
            "level": occurrence.level,
        },
        occurrence={"start": occurrence.start, "end": occurrence.end},
        systems=[
            {
                "name": name,
                "plain_name": plain.get(name, (name, {}))[0],
                "plain_names": plain.get(name, (name, {}))[1],
            }
            for name in names
        ],
        status=status,
    )
