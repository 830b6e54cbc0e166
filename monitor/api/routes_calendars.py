"""Calendars: upload (create or update by name), preview, list, show, delete."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from calendars import Horizon
from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.params import require_instant
from monitor.api.problems import Problem
from monitor.api.schemas import CalendarOut, ImportOut, PeriodOut, PreviewOut
from monitor.api.state import App
from monitor.api.uploads import UPLOAD_BODY, read_upload
from monitor.db.engine import session_scope
from monitor.imports import horizon_for, import_calendar, parse_upload
from monitor.store.calendars import delete_calendar, find_calendar
from monitor.store.queries import get_calendar, list_calendars, list_periods

router = APIRouter(prefix="/api/v1/calendars", tags=["calendars"])


@router.post(
    "",
    response_model=ImportOut,
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    summary="Upload a calendar (ICS, CSV or rules); the same name updates it in place",
    responses={200: {"description": "An existing calendar was updated"}, **problems(400, 415)},
)
async def upload_calendar(
    request: Request, response: Response, app: App, _token: Editor
) -> ImportOut:
    upload = await read_upload(request, limit=app.settings.max_upload_bytes)
    now = app.clock()
    summary = await run_in_threadpool(import_calendar, app.engine, app.settings, upload, now=now)
    with session_scope(app.engine) as session:
        row = get_calendar(session, summary.name)
    assert row is not None
    if not summary.created:
        response.status_code = 200
    app.changed()
    return ImportOut.of(summary, row)


@router.post(
    "/preview",
    response_model=PreviewOut,
    openapi_extra=UPLOAD_BODY,
    summary="Parse, classify and expand an upload without storing anything",
    responses=problems(400, 415),
)
async def preview_calendar(
    request: Request,
    app: App,
    _token: Viewer,
    start: datetime | None = Query(None, alias="from", description="Default: a month ago."),
    end: datetime | None = Query(None, alias="to", description="Default: about 13 months ahead."),
) -> PreviewOut:
    upload = await read_upload(request, limit=app.settings.max_upload_bytes)
    horizon = _horizon(horizon_for(app.settings, app.clock()), start, end)
    parsed = await run_in_threadpool(parse_upload, app.settings, upload, horizon=horizon)
    return PreviewOut.of(parsed, horizon.start, horizon.end)


@router.get("", response_model=list[CalendarOut], summary="List calendars")
def get_calendars(app: App, _token: Viewer) -> list[CalendarOut]:
    with session_scope(app.engine) as session:
        return [CalendarOut.of(row) for row in list_calendars(session)]


# Names are slugs now, but calendars stored before may have any name ("a/../b"):
# ``{name:path}`` takes the whole rest of the path, percent-decoded, so even those
# can be read and deleted. The periods route comes first, as the path matches it too.


@router.get(
    "/{name:path}/periods",
    response_model=list[PeriodOut],
    summary="The periods of one calendar",
    responses=problems(404),
)
def get_calendar_periods(name: str, app: App, _token: Viewer) -> list[PeriodOut]:
    with session_scope(app.engine) as session:
        if find_calendar(session, name) is None:
            raise Problem(404, f"no calendar named {name!r}")
        return [PeriodOut.of(row) for row in list_periods(session, calendar=name)]


@router.get(
    "/{name:path}", response_model=CalendarOut, summary="Show one calendar", responses=problems(404)
)
def get_calendar_by_name(name: str, app: App, _token: Viewer) -> CalendarOut:
    with session_scope(app.engine) as session:
        row = get_calendar(session, name)
    if row is None:
        raise Problem(404, f"no calendar named {name!r}")
    return CalendarOut.of(row)


@router.delete(
    "/{name:path}",
    status_code=204,
    summary="Delete a calendar with its periods",
    responses=problems(404),
)
def remove_calendar(name: str, app: App, _token: Editor) -> Response:
    with session_scope(app.engine) as session:
        calendar = find_calendar(session, name)
        if calendar is None:
            raise Problem(404, f"no calendar named {name!r}")
        delete_calendar(session, calendar)
    app.changed()
    return Response(status_code=204)


def _horizon(default: Horizon, start: datetime | None, end: datetime | None) -> Horizon:
    require_instant("from", start)
    require_instant("to", end)
    try:
        return Horizon(start or default.start, end or default.end)
    except ValueError as exc:
        raise Problem(422, str(exc), field="to") from None
