"""Incidents, newest first, each with its timeline of events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlmodel import Session

from monitor.api.auth import viewer
from monitor.api.problems import Problem
from monitor.api.schemas_watch import IncidentOut
from monitor.db.engine import session_scope
from monitor.db.models import Check, Incident, IncidentEvent, System

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.get("", response_model=list[IncidentOut], summary="List incidents, newest first")
def get_incidents(  # type: ignore[no-untyped-def]
    request: Request,
    status: Literal["open", "closed", "all"] = "open",
    system: str | None = Query(None, description="Only this system's incidents."),
    limit: int = Query(100, ge=1, le=1000),
    _token=viewer,
) -> list[IncidentOut]:
    query = _incidents()
    if status != "all":
        query = query.where(Incident.status == status)
    if system is not None:
        query = query.where(System.name == system)
    query = query.order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit)  # type: ignore[attr-defined,union-attr]
    with session_scope(request.app.state.engine) as session:
        return _with_events(session, session.execute(query).all())


@router.get("/{incident_id}", response_model=IncidentOut, summary="Show one incident")
def get_incident(incident_id: int, request: Request, _token=viewer) -> IncidentOut:  # type: ignore[no-untyped-def]
    with session_scope(request.app.state.engine) as session:
        rows = session.execute(_incidents().where(Incident.id == incident_id)).all()
        if not rows:
            raise Problem(404, f"no incident {incident_id}")
        (found,) = _with_events(session, rows)
    return found


def _incidents() -> Any:
    return (
        select(Incident, System.name, Check.name)
        .join(System, System.id == Incident.system_id)
        .outerjoin(Check, Check.id == Incident.check_id)  # type: ignore[arg-type]
    )


def _with_events(
    session: Session, rows: Sequence[tuple[Incident, str, str | None]]
) -> list[IncidentOut]:
    """The incidents with their events, loaded for all of them in one query."""
    ids = [incident.id for incident, _system, _check in rows]
    events: dict[int, list[IncidentEvent]] = {}
    if ids:
        query = (
            select(IncidentEvent)
            .where(IncidentEvent.incident_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
        for event in session.execute(query).scalars():
            events.setdefault(event.incident_id, []).append(event)
    return [
        IncidentOut.of(incident, system, check, events.get(incident.id or 0, []))
        for incident, system, check in rows
    ]
