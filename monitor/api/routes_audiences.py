"""Audiences through the API.

Audiences from the site file are read-only here: they change in the site file.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.problems import SITE_MANAGED, Problem, invalid_field
from monitor.api.schemas_notices import (
    AudienceOut,
)
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.db.models import Audience
from monitor.site import AudienceSpec
from monitor.store.audiences import API, SITE, save_audience
from monitor.subscribers.audiences import SUBSCRIBER_MANAGED, SUBSCRIBERS

router = APIRouter(prefix="/api/v1")


@router.get(
    "/audiences", response_model=list[AudienceOut], tags=["audiences"], summary="List audiences"
)
def get_audiences(app: App, _token: Viewer) -> list[AudienceOut]:
    with session_scope(app.engine) as session:
        rows = session.execute(select(Audience).order_by(Audience.name)).scalars()
        return [AudienceOut.of(row) for row in rows if row.spec]


@router.get(
    "/audiences/{name}",
    response_model=AudienceOut,
    tags=["audiences"],
    summary="Show one audience",
    responses=problems(404),
)
def get_audience(name: str, app: App, _token: Viewer) -> AudienceOut:
    return _audience_view(app.engine, name)


@router.post(
    "/audiences",
    response_model=AudienceOut,
    status_code=201,
    tags=["audiences"],
    summary="Create an audience",
    responses=problems(409),
)
def create_audience(spec: AudienceSpec, app: App, _token: Editor) -> AudienceOut:
    try:
        with session_scope(app.engine) as session:
            if _audience_row(session, spec.name) is not None:
                raise _audience_exists(spec.name)
            row = Audience(name=spec.name, timezone=spec.timezone)
            save_audience(session, row, spec, managed_by=API, now=app.clock())
    except IntegrityError:  # created meanwhile by another request
        raise _audience_exists(spec.name) from None
    app.changed()
    return _audience_view(app.engine, spec.name)


@router.put(
    "/audiences/{name}",
    response_model=AudienceOut,
    tags=["audiences"],
    summary="Replace an audience",
    responses=problems(404, 409),
)
def replace_audience(name: str, spec: AudienceSpec, app: App, _token: Editor) -> AudienceOut:
    if spec.name != name:
        raise invalid_field("body.name", f"{spec.name!r} does not match {name!r} in the path")
    with session_scope(app.engine) as session:
        row = _editable_audience(session, name)
        save_audience(session, row, spec, managed_by=API, now=app.clock())
    app.changed()
    return _audience_view(app.engine, name)


@router.delete(
    "/audiences/{name}",
    status_code=204,
    tags=["audiences"],
    summary="Delete an audience",
    responses=problems(404, 409),
)
def remove_audience(name: str, app: App, _token: Editor) -> Response:
    with session_scope(app.engine) as session:
        row = _editable_audience(session, name)
        session.execute(delete(Audience).where(col(Audience.id) == row.id))
    app.changed()
    return Response(status_code=204)


def _audience_row(session: Session, name: str) -> Audience | None:
    return session.execute(select(Audience).where(col(Audience.name) == name)).scalar_one_or_none()


def _audience_view(engine: Engine, name: str) -> AudienceOut:
    with session_scope(engine) as session:
        row = _audience_row(session, name)
        if row is None or not row.spec:
            raise no_audience(name)
        return AudienceOut.of(row)


def _editable_audience(session: Session, name: str) -> Audience:
    row = _audience_row(session, name)
    if row is None:
        raise no_audience(name)
    if row.managed_by == SITE:
        raise Problem(409, f"audience {name!r} is {SITE_MANAGED}")
    if row.managed_by == SUBSCRIBERS:
        raise Problem(409, f"audience {name!r} is {SUBSCRIBER_MANAGED}")
    return row


def no_audience(name: str) -> Problem:
    return Problem(404, f"no audience named {name!r}")


def _audience_exists(name: str) -> Problem:
    return Problem(
        409, f"an audience named {name!r} already exists; PUT /api/v1/audiences/{name} replaces it"
    )
