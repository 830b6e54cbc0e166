"""Systems: list and show (level now, checks, last results), create, replace, delete.

Systems from the site file are read-only here: they change in the site file.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Response
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.problems import SITE_MANAGED, Problem, invalid_field
from monitor.api.schemas_watch import SystemOut
from monitor.api.state import App, AppState
from monitor.db.engine import session_scope
from monitor.db.models import CheckResult, Incident, System
from monitor.site import SystemSpec
from monitor.store.systems import API, SITE, checks_of, find_system, save_system

router = APIRouter(prefix="/api/v1/systems", tags=["systems"])


@router.get("", response_model=list[SystemOut], summary="List systems with their level now")
def get_systems(app: App, _token: Viewer) -> list[SystemOut]:
    with session_scope(app.engine) as session:
        systems = list(session.execute(select(System).order_by(System.name)).scalars())
        return _views(app, session, systems)


@router.get("/{name}", response_model=SystemOut, summary="Show one system", responses=problems(404))
def get_system(name: str, app: App, _token: Viewer) -> SystemOut:
    return _view(app, name)


@router.post(
    "",
    response_model=SystemOut,
    status_code=201,
    summary="Create a system",
    responses=problems(409),
)
def create_system(spec: SystemSpec, app: App, _token: Editor) -> SystemOut:
    _distinct_checks(spec)
    try:
        with session_scope(app.engine) as session:
            if find_system(session, spec.name) is not None:
                raise _exists(spec.name)
            system = System(name=spec.name, plain_name=spec.plain_name)
            save_system(session, system, spec, managed_by=API, now=app.clock())
    except IntegrityError:  # created meanwhile by another request
        raise _exists(spec.name) from None
    app.changed()
    return _view(app, spec.name)


@router.put(
    "/{name}",
    response_model=SystemOut,
    summary="Replace a system and its checks",
    responses=problems(404, 409),
)
def replace_system(name: str, spec: SystemSpec, app: App, _token: Editor) -> SystemOut:
    if spec.name != name:
        raise invalid_field("body.name", f"{spec.name!r} does not match {name!r} in the path")
    _distinct_checks(spec)
    with session_scope(app.engine) as session:
        system = _editable(session, name)
        save_system(session, system, spec, managed_by=API, now=app.clock())
    app.changed()
    return _view(app, name)


@router.delete(
    "/{name}",
    status_code=204,
    summary="Delete a system with its checks",
    responses=problems(404, 409),
)
def remove_system(name: str, app: App, _token: Editor) -> Response:
    with session_scope(app.engine) as session:
        system = _editable(session, name)
        session.execute(delete(System).where(col(System.id) == system.id))
    app.changed()
    return Response(status_code=204)


def _view(app: AppState, name: str) -> SystemOut:
    with session_scope(app.engine) as session:
        system = find_system(session, name)
        if system is None:
            raise _missing(name)
        (view,) = _views(app, session, [system])
    return view


def _views(app: AppState, session: Session, systems: Sequence[System]) -> list[SystemOut]:
    """Each system with its checks, their last results and its open incidents: four queries."""
    ids = [system.id or 0 for system in systems]
    checks = checks_of(session, ids)
    latest = _latest_results(session, [c.id or 0 for found in checks.values() for c in found])
    open_incidents = _open_incidents(session, ids)
    index = app.intensity.current().index
    now = app.clock()
    return [
        SystemOut.of_system(
            system,
            checks.get(system.id or 0, []),
            latest,
            open_incidents.get(system.id or 0, 0),
            index.at(system.name, now),
            app.site,
        )
        for system in systems
    ]


def _latest_results(session: Session, check_ids: Sequence[int]) -> dict[int, CheckResult]:
    """The newest result of each check, in one query."""
    if not check_ids:
        return {}
    newest_first = func.row_number().over(
        partition_by=col(CheckResult.check_id),
        order_by=(col(CheckResult.at).desc(), col(CheckResult.id).desc()),
    )
    ranked = (
        select(col(CheckResult.id), newest_first.label("rank"))
        .where(col(CheckResult.check_id).in_(check_ids))
        .subquery()
    )
    rows = session.execute(
        select(CheckResult).join(ranked, ranked.c.id == CheckResult.id).where(ranked.c.rank == 1)
    ).scalars()
    return {result.check_id: result for result in rows}


def _open_incidents(session: Session, system_ids: Sequence[int]) -> dict[int, int]:
    if not system_ids:
        return {}
    rows = session.execute(
        select(col(Incident.system_id), func.count())
        .where(col(Incident.status) == "open", col(Incident.system_id).in_(system_ids))
        .group_by(col(Incident.system_id))
    )
    return {system_id: count for system_id, count in rows}


def _editable(session: Session, name: str) -> System:
    system = find_system(session, name)
    if system is None:
        raise _missing(name)
    if system.managed_by == SITE:
        raise Problem(409, f"system {name!r} is {SITE_MANAGED}")
    return system


def _distinct_checks(spec: SystemSpec) -> None:
    seen: set[str] = set()
    for position, check in enumerate(spec.checks):
        if check.name in seen:
            field = f"body.checks.{position}.name"
            raise Problem(
                422,
                f"{field}: check {check.name!r} appears twice in {spec.name!r}",
                title="Invalid request",
                field=field,
            )
        seen.add(check.name)


def _missing(name: str) -> Problem:
    return Problem(404, f"no system named {name!r}")


def _exists(name: str) -> Problem:
    return Problem(
        409, f"a system named {name!r} already exists; PUT /api/v1/systems/{name} replaces it"
    )
