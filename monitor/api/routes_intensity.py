"""Intensity: every system's level at an instant, and how levels change over a span.

Systems are the watched ones (site file or API) and any other a calendar
names; those have ``managed_by: null`` and the site policy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Query
from sqlalchemy import select

from monitor.api.auth import Viewer
from monitor.api.openapi import problems
from monitor.api.params import require_instant
from monitor.api.problems import Problem
from monitor.api.schemas_watch import (
    IntensityOut,
    SegmentOut,
    SystemLevelOut,
    SystemTimelineOut,
    TimelineOut,
)
from monitor.api.state import App, AppState
from monitor.db.engine import session_scope
from monitor.db.models import System

router = APIRouter(prefix="/api/v1/intensity", tags=["intensity"])

DEFAULT_SPAN = timedelta(days=60)
LONGEST_SPAN = timedelta(days=400)


@router.get("", response_model=IntensityOut, summary="Every system's level at an instant")
def get_intensity(
    app: App,
    _token: Viewer,
    at: datetime | None = Query(None, description="ISO 8601 with a zone; default now."),
) -> IntensityOut:
    require_instant("at", at)
    when = at or app.clock()
    index = app.intensity.current().index
    systems = _watched(app)
    names = sorted(set(systems) | set(index.timelines))
    return IntensityOut(
        at=when,
        systems=[
            SystemLevelOut.of(name, systems.get(name), index.at(name, when), app.site)
            for name in names
        ],
    )


@router.get(
    "/timeline",
    response_model=TimelineOut,
    summary="Each system's levels over a span, as segments [start, end)",
    responses=problems(404),
)
def get_timeline(
    app: App,
    _token: Viewer,
    start: datetime | None = Query(None, alias="from", description="ISO 8601; default now."),
    end: datetime | None = Query(
        None, alias="to", description="ISO 8601; exclusive; default 60 days after from."
    ),
    system: str | None = Query(None, description="Only this system."),
) -> TimelineOut:
    require_instant("from", start)
    require_instant("to", end)
    start = start or app.clock()
    end = end or start + DEFAULT_SPAN
    if end <= start:
        raise Problem(422, "to must be after from", field="to")
    if end - start > LONGEST_SPAN:
        raise Problem(422, f"the span is at most {LONGEST_SPAN.days} days", field="to")
    index = app.intensity.current().index
    systems = _watched(app)
    names = sorted(set(systems) | set(index.timelines))
    if system is not None:
        if system not in names:
            raise Problem(404, f"no system named {system!r}")
        names = [system]
    return TimelineOut(
        start=start,
        end=end,
        systems=[
            SystemTimelineOut(
                name=name,
                plain_name=systems[name].plain_name if name in systems else None,
                segments=[SegmentOut.of(s) for s in index.between(name, start, end)],
            )
            for name in names
        ],
    )


def _watched(app: AppState) -> dict[str, System]:
    with session_scope(app.engine) as session:
        return {system.name: system for system in session.execute(select(System)).scalars()}
