"""Periods and their occurrences, filtered the ways ops and planners ask."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from calendars import Category
from monitor.api.auth import Viewer
from monitor.api.params import Offset, require_instant
from monitor.api.problems import Problem
from monitor.api.schemas import OccurrenceOut, PeriodOut
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.store.queries import OccurrenceFilter, list_occurrences, list_periods

router = APIRouter(prefix="/api/v1", tags=["periods"])


@router.get("/periods", response_model=list[PeriodOut], summary="List critical periods")
def get_periods(
    app: App,
    _token: Viewer,
    calendar: str | None = None,
    category: Category | None = None,
    system: str | None = None,
    audience: str | None = None,
) -> list[PeriodOut]:
    with session_scope(app.engine) as session:
        rows = list_periods(
            session,
            calendar=calendar,
            category=category.value if category else None,
            system=system,
            audience=audience,
        )
    return [PeriodOut.of(row) for row in rows]


@router.get(
    "/occurrences",
    response_model=list[OccurrenceOut],
    summary="List occurrences overlapping a time range",
)
def get_occurrences(
    app: App,
    _token: Viewer,
    start: datetime | None = Query(None, alias="from", description="ISO 8601 with a zone."),
    end: datetime | None = Query(None, alias="to", description="ISO 8601 with a zone; exclusive."),
    category: Category | None = None,
    system: str | None = None,
    audience: str | None = None,
    calendar: str | None = None,
    limit: int = Query(500, ge=1, le=5000),
    offset: Offset = 0,
) -> list[OccurrenceOut]:
    require_instant("from", start)
    require_instant("to", end)
    if start and end and end <= start:
        raise Problem(422, "to must be after from", field="to")
    where = OccurrenceFilter(
        start=start,
        end=end,
        category=category.value if category else None,
        system=system,
        audience=audience,
        calendar=calendar,
        limit=limit,
        offset=offset,
    )
    with session_scope(app.engine) as session:
        return [OccurrenceOut.of(row) for row in list_occurrences(session, where)]
