"""The calendars page: list, upload with a dry-run preview, import and delete.

Calendars go through :mod:`monitor.imports` exactly as the API's uploads do."""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from calendars import CalendarError, ParsedCalendar
from calendars.text import unwanted_in
from monitor.api.pages.plumbing import (
    BUSY,
    PREVIEW_ROWS,
    TIMELINE_DAYS,
    TIMELINE_ROWS,
    csrf_refused,
    gate,
    hover,
    one_line,
    page_zone,
    posted_form,
    render_page,
    see,
)
from monitor.api.pages.subscribed import subscription_rows
from monitor.api.problems import Problem
from monitor.api.session import UiSession, csrf_valid
from monitor.api.state import state_of
from monitor.api.timeline_svg import Bar, Row, draw_timeline, level_name
from monitor.db.engine import session_scope
from monitor.imports import (
    ImportRequest,
    UploadedSource,
    calendar_name,
    horizon_for,
    import_calendar,
    name_from_filename,
    parse_upload,
)
from monitor.jobs import WorkersBusy
from monitor.roles import Role
from monitor.store.calendars import delete_calendar, find_calendar
from monitor.store.queries import list_calendars

router = APIRouter(include_in_schema=False)


@router.get("/calendars", response_class=HTMLResponse)
def calendars_page(
    request: Request,
    imported: str = "",
    deleted: str = "",
    subscribed: str = "",
    refreshed: str = "",
    outcome: str = "",
) -> Response:
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    return show_calendars(request, who, imported=imported, deleted=deleted, subscribed=subscribed,
                          refreshed=refreshed, changed=outcome == "changed")  # fmt: skip


def show_calendars(
    request: Request, who: UiSession, *, status: int = 200, error: str = "", **context: Any
) -> HTMLResponse:
    with session_scope(state_of(request).engine) as session:
        rows = list_calendars(session)
        for row in rows:
            session.expunge(row.calendar)
    subscriptions = subscription_rows(request, state_of(request).clock())
    return render_page(
        request, "calendars", who, status=status, calendars=rows, error=error,
        subscriptions=subscriptions, **context,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Upload:
    request: ImportRequest
    carried: str  # the source, compressed and base64-encoded, for the "Import it" form


async def _posted_upload(request: Request, who: UiSession) -> _Upload | Response:
    """The upload in the posted form, once its CSRF token checks out; or the page saying why not."""
    limit = state_of(request).settings.max_upload_bytes
    try:
        async with request.form(max_files=1, max_fields=8, max_part_size=limit * 2 + 1024) as form:
            if not csrf_valid(request, who.nonce, form.get("csrf")):
                return csrf_refused(request, who)
            return await _upload_from(form, limit)
    except MultiPartException as exc:
        return show_calendars(request, who, status=400, error=f"The form could not be read: {exc.message}")  # fmt: skip
    except ValueError as exc:
        return show_calendars(request, who, status=422, error=one_line(exc))


async def _upload_from(form: FormData, limit: int) -> _Upload:
    """The upload in ``form``: a file (first post) or the carried content (the import)."""
    file = form.get("file")
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read(limit + 1)
        filename = PurePath(file.filename).name
    else:
        data = _uncarry(str(form.get("content") or ""), limit)
        filename = PurePath(str(form.get("filename") or "upload")).name
    if len(data) > limit:
        raise ValueError(f"the file is larger than the limit of {limit} bytes")
    if not data:
        raise ValueError("choose a calendar file to upload")
    found = unwanted_in(filename)
    if found:
        raise ValueError(f"the file's name contains a control character ({found})")
    given = str(form.get("name") or "").strip()
    name = calendar_name(given) if given else name_from_filename(PurePath(filename).stem)
    zone = str(form.get("timezone") or "").strip() or None
    source = UploadedSource(name=name, data=data, filename=filename[:255])
    carried = base64.b64encode(zlib.compress(data, 9)).decode()
    return _Upload(ImportRequest(source, timezone=zone), carried)


def _uncarry(text: str, limit: int) -> bytes:
    if not text:
        return b""
    try:
        packed = base64.b64decode(text, validate=True)
        inflate = zlib.decompressobj()
        data = inflate.decompress(packed, limit + 1)
    except (binascii.Error, zlib.error):
        raise ValueError("the carried file is damaged; upload it again") from None
    return data


@router.post("/calendars/preview", response_class=HTMLResponse)
async def calendar_preview(request: Request) -> Response:
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    upload = await _posted_upload(request, who)
    if isinstance(upload, Response):
        return upload
    state = state_of(request)
    now = state.clock()
    try:
        horizon = horizon_for(state.settings, now)
        parsed = await run_in_threadpool(parse_upload, state.settings, upload.request, horizon=horizon)  # fmt: skip
    except (CalendarError, ValueError, Problem) as exc:
        return show_calendars(request, who, status=422, error=one_line(exc))
    except WorkersBusy:
        return show_calendars(request, who, status=503, error=BUSY)
    return render_page(request, "calendar_preview", who, **_preview_context(request, parsed, upload, now))  # fmt: skip


def _preview_context(
    request: Request, parsed: ParsedCalendar, upload: _Upload, now: datetime
) -> dict[str, Any]:
    zone = ZoneInfo(parsed.timezone) if parsed.timezone else page_zone(request)
    periods = {period.key: period for period in parsed.periods}
    start = now.astimezone(page_zone(request)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=TIMELINE_DAYS)
    rows = {key: Row(period.title) for key, period in periods.items()}
    for o in parsed.occurrences:
        if o.end > start and o.start < end:
            period = periods[o.period_key]
            level = period.classification.level
            rows[o.period_key].bars.append(Bar(o.start, o.end, level, hover(level, [(o.title or period.title, "during")])))  # fmt: skip
    shown = list(rows.values())[:TIMELINE_ROWS]
    svg = draw_timeline(
        shown, start=start, end=end, now=now, zone=page_zone(request),
        title=f"The upload's periods over the next {TIMELINE_DAYS} days",
    )  # fmt: skip

    def local(moment: datetime) -> str:
        at = moment.astimezone(zone)
        return f"{at:%a} {at.day} {at:%b %Y, %H:%M}"

    occurrences = [
        {"title": o.title or periods[o.period_key].title, "start": local(o.start),
         "end": local(o.end), "level": level_name(periods[o.period_key].classification.level)}
        for o in parsed.occurrences[:PREVIEW_ROWS]
    ]  # fmt: skip
    return {
        "source": upload.request.source,
        "timezone_field": upload.request.timezone or "",
        "carried": upload.carried,
        "parsed": parsed,
        "level_name": level_name,
        "occurrences": occurrences,
        "more_occurrences": max(len(parsed.occurrences) - PREVIEW_ROWS, 0),
        "svg": svg,
        "hidden_rows": max(len(rows) - TIMELINE_ROWS, 0),
        "calendar_zone": str(zone),
    }


@router.post("/calendars/import", response_class=HTMLResponse)
async def calendar_import(request: Request) -> Response:
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    upload = await _posted_upload(request, who)
    if isinstance(upload, Response):
        return upload
    state = state_of(request)
    try:
        await run_in_threadpool(
            import_calendar, state.engine, state.settings, upload.request, now=state.clock()
        )
    except (CalendarError, ValueError, Problem) as exc:
        return show_calendars(request, who, status=422, error=one_line(exc))
    except WorkersBusy:
        return show_calendars(request, who, status=503, error=BUSY)
    state_of(request).changed()
    return see(f"/calendars?imported={quote(upload.request.source.name, safe='')}")


# {name:path}: the template quotes "/" as %2F, which arrives decoded (see routes_calendars).
@router.post("/calendars/{name:path}/delete", response_class=HTMLResponse)
async def calendar_delete(name: str, request: Request) -> Response:
    posted = await posted_form(request, Role.EDITOR)
    if isinstance(posted, Response):
        return posted
    who, _form = posted
    with session_scope(state_of(request).engine) as session:
        calendar = find_calendar(session, name)
        if calendar is not None:
            delete_calendar(session, calendar)
    if calendar is None:
        return show_calendars(
            request, who, status=404, error=f"There is no calendar named “{name}”."
        )
    state_of(request).changed()
    return see(f"/calendars?deleted={quote(name, safe='')}")
