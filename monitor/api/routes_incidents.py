"""Incidents, newest first, each with its timeline of events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import Session, col

from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.problems import Problem
from monitor.api.schemas import Instant
from monitor.api.schemas_watch import IncidentOut
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.db.models import Check, Incident, IncidentEvent, System
from monitor.fields import LARGEST_ID, Checked
from monitor.intensity.policy import parse_duration
from monitor.notices.incidents import post_update, resolve
from notifiers.linter import lint_message

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

IncidentId = Annotated[int, Path(ge=1, le=LARGEST_ID, description="The incident's number.")]


@router.get(
    "",
    response_model=list[IncidentOut],
    summary="List incidents: open first, by priority, then newest",
)
def get_incidents(
    app: App,
    _token: Viewer,
    status: Literal["open", "closed", "all"] = "open",
    system: str | None = Query(None, description="Only this system's incidents."),
    limit: int = Query(100, ge=1, le=1000),
) -> list[IncidentOut]:
    query = _incidents()
    if status != "all":
        query = query.where(Incident.status == status)
    if system is not None:
        query = query.where(System.name == system)
    # Open ones first, most urgent first (p1 before p4), then newest.
    query = query.order_by(
        (Incident.status != "open"),
        Incident.priority,
        col(Incident.opened_at).desc(),
        col(Incident.id).desc(),
    ).limit(limit)
    with session_scope(app.engine) as session:
        return _with_events(session, session.execute(query).all())


@router.get(
    "/{incident_id}",
    response_model=IncidentOut,
    summary="Show one incident",
    responses=problems(404),
)
def get_incident(incident_id: IncidentId, app: App, _token: Viewer) -> IncidentOut:
    with session_scope(app.engine) as session:
        rows = session.execute(_incidents().where(Incident.id == incident_id)).all()
        if not rows:
            raise Problem(404, f"no incident {incident_id}")
        (found,) = _with_events(session, rows)
    return found


def _incidents() -> Any:
    return (
        select(Incident, col(System.name), col(Check.name))
        .join(System, col(System.id) == col(Incident.system_id))
        .outerjoin(Check, col(Check.id) == col(Incident.check_id))
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
            .where(col(IncidentEvent.incident_id).in_(ids))
            .order_by(col(IncidentEvent.at), col(IncidentEvent.id))
        )
        for event in session.execute(query).scalars():
            events.setdefault(event.incident_id, []).append(event)
    return [
        IncidentOut.of(incident, system, check, events.get(incident.id or 0, []))
        for incident, system, check in rows
    ]


class UpdateIn(Checked):
    """What IT tells the readers: one plain line, and when they will hear more."""

    model_config = ConfigDict(extra="forbid")
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"message"})
    message: str = Field(
        min_length=1, max_length=1000, description="For users: plain words, no jargon."
    )
    next_update: str = Field(
        "30m", max_length=50, description="When the next update comes, e.g. 30m or 1h."
    )


class ResolveIn(Checked):
    model_config = ConfigDict(extra="forbid")
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"summary", "what_you_can_do"})
    summary: str = Field(
        min_length=1, max_length=1000, description="What was wrong, in one plain sentence."
    )
    what_you_can_do: str = Field("", max_length=1000, description="What the reader can do now.")


class PostedOut(BaseModel):
    deliveries: int
    next_update_at: Instant | None = None
    warnings: list[str] = Field(
        default_factory=list, description="The tone linter's findings on the text."
    )


@router.post(
    "/{incident_id}/updates",
    response_model=PostedOut,
    status_code=201,
    summary="Post an update for the readers",
    responses=problems(404),
)
def post_incident_update(
    incident_id: IncidentId, body: UpdateIn, app: App, _token: Editor
) -> PostedOut:
    try:
        wait = timedelta(seconds=parse_duration(body.next_update))
    except ValueError as exc:
        raise Problem(422, str(exc), field="next_update") from None
    now = app.clock()
    try:
        told = post_update(app.engine, incident_id, message=body.message, next_update=wait, now=now)
    except LookupError:
        raise Problem(404, f"no incident {incident_id}") from None
    app.metrics.promises.labels("kept_by_people").inc()
    app.metrics.promises.labels("made").inc()
    return PostedOut(
        deliveries=told, next_update_at=now + wait, warnings=_lint(body.message, "update")
    )


@router.post(
    "/{incident_id}/resolve",
    response_model=PostedOut,
    summary="Resolve: tell readers what was wrong, ask if it works",
    responses=problems(404),
)
def resolve_incident(
    incident_id: IncidentId, body: ResolveIn, app: App, _token: Editor
) -> PostedOut:
    try:
        told = resolve(app.engine, incident_id, summary=body.summary, what_you_can_do=body.what_you_can_do,
                       now=app.clock())  # fmt: skip
    except LookupError:
        raise Problem(404, f"no incident {incident_id}") from None
    return PostedOut(
        deliveries=told, warnings=_lint(f"{body.summary}\n{body.what_you_can_do}", "resolved")
    )


def _lint(text: str, kind: str) -> list[str]:
    # The readers' words go through the tone linter; what it finds is shown, not refused.
    return [
        f"{f.rule}: {f.message}"
        for f in lint_message(None, text, kind=kind)
        if f.rule in ("jargon", "apology")
    ]
