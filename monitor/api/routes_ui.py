"""The pages IT leads open in a browser: sign-in, dashboard, calendars, notice preview.

They sign in with an API token and get a cookie session (:mod:`monitor.api.session`);
roles are the API's: a viewer sees the dashboard, an editor also uploads calendars
and previews notices. Calendars go through :mod:`monitor.imports` exactly as the
API's uploads do. Every POST form carries a CSRF token bound to the session.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from calendars import CalendarError, Level, ParsedCalendar
from calendars.text import unwanted_in
from monitor.api.problems import Problem
from monitor.api.routes_notices import render_preview
from monitor.api.schemas_notices import PREVIEW_KINDS, PreviewIn
from monitor.api.session import (
    UiSession,
    csrf_token,
    csrf_valid,
    end_session,
    read_session,
    signin_nonce,
    start_session,
)
from monitor.api.signin_limit import blocked_until, record_failure
from monitor.api.state import state_of
from monitor.api.timeline_svg import Bar, Row, draw_timeline, level_name
from monitor.db.engine import session_scope
from monitor.db.models import Audience, Calendar, Delivery, Incident, System
from monitor.imports import (
    ImportRequest,
    UploadedSource,
    calendar_name,
    horizon_for,
    import_calendar,
    name_from_filename,
    parse_upload,
)
from monitor.intensity.timeline import FAR_FUTURE
from monitor.jobs import WorkersBusy
from monitor.paths import templates_dir
from monitor.roles import Role
from monitor.store.calendars import delete_calendar, find_calendar
from monitor.store.queries import OccurrenceFilter, list_calendars, list_occurrences
from monitor.store.tokens import authenticate

router = APIRouter(include_in_schema=False)

STYLESHEET = (templates_dir() / "static" / "closewatch.css").read_bytes()
TIMELINE_DAYS = 60
TIMELINE_ROWS = 30
DUE_DAYS = 7
PREVIEW_ROWS = 200
BUSY = "closewatch is busy reading other uploads. Nothing was changed; try again in a minute."
PHASES = {"before": "ramping up before", "during": "during", "after": "winding down after"}
KIND_LABELS = {
    "heads_up": "Heads-up before a period",
    "daily_status": "Daily status during a period",
    "wrap_up": "Wrap-up after a period",
    "incident": "Incident",
    "update": "Incident update",
    "resolved": "Incident resolved",
    "alert": "“Still a problem” to IT",
    "overdue": "Overdue update reminder",
    "report": "Problem report to the helpdesk",
}


# --- plumbing ------------------------------------------------------------------------------


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(state_of(request).settings.timezone)


MESSAGE_PAGE = """{% extends "pages/base.html" %}{% block title %}{{ heading }} · closewatch{% endblock %}
{% block main %}<h1>{{ heading }}</h1><p class="lead">{{ text }}</p>
<p><a href="/dashboard">Back to the dashboard</a></p>{% endblock %}"""


def _render(
    request: Request,
    name: str,
    who: UiSession | None,
    *,
    status: int = 200,
    inline: str | None = None,
    **context: Any,
) -> HTMLResponse:
    zone = _zone(request)

    def when(moment: datetime | None, with_time: bool = True) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(zone)
        return f"{local:%a} {local.day} {local:%b %Y}" + (f", {local:%H:%M}" if with_time else "")

    pages = state_of(request).pages
    template = pages.from_string(inline) if inline else pages.get_template(f"pages/{name}.html")
    html = template.render(
        user=who,
        is_editor=bool(who and who.allows(Role.EDITOR)),
        csrf=csrf_token(request, who.nonce) if who else "",
        path=request.url.path,
        when=when,
        zone_name=str(zone),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _message_page(
    request: Request, who: UiSession | None, status: int, title: str, text: str
) -> HTMLResponse:
    return _render(
        request, "message", who, status=status, inline=MESSAGE_PAGE, heading=title, text=text
    )


def _gate(request: Request, role: Role) -> UiSession | Response:
    """The session if it has ``role``; else the way to sign in, or a refusal."""
    who = read_session(request)
    if who is None:
        target = request.url.path
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    if not who.allows(role):
        return _message_page(
            request, who, 403, "Not with your role",
            f"This page needs the {role.value} role; you signed in as {who.role.value}. "
            "Ask an admin for an editor token (closewatch token create --role editor).",
        )  # fmt: skip
    return who


def _csrf_refused(request: Request, who: UiSession | None) -> HTMLResponse:
    return _message_page(
        request, who, 403, "This form has expired",
        "The form did not carry a valid security token, so nothing was changed. "
        "Go back, reload the page and try again.",
    )  # fmt: skip


def _see(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


@router.get("/static/closewatch.css")
def stylesheet() -> Response:
    return Response(
        STYLESHEET,
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


# --- sign-in -------------------------------------------------------------------------------


def _safe_next(value: object) -> str:
    text = value if isinstance(value, str) else ""
    return text if text.startswith("/") and not text.startswith("//") else "/dashboard"


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/dashboard") -> Response:
    if read_session(request) is not None:
        return _see(_safe_next(next))
    return _signin_form(request, next=_safe_next(next))


def _signin_form(request: Request, *, next: str, error: str = "", status: int = 200) -> Response:
    probe = Response()
    nonce = signin_nonce(request, probe)
    response = _render(
        request, "signin", None, status=status, signin_csrf=csrf_token(request, nonce),
        next=next, error=error,
    )  # fmt: skip
    response.headers.append("set-cookie", probe.headers["set-cookie"])
    return response


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request) -> Response:
    form = await _small_form(request)
    next = _safe_next(form.get("next"))
    if not csrf_valid(request, request.cookies.get("closewatch_signin"), form.get("csrf")):
        return _signin_form(
            request, next=next, status=403,
            error="The sign-in form had expired. Please paste your token again.",
        )  # fmt: skip
    state = state_of(request)
    client = (request.client.host if request.client else "")[:64]
    now = state.clock()
    until = await run_in_threadpool(blocked_until, state.engine, client, now)
    if until is not None:
        return _too_many_attempts(request, next, until, now)
    secret = str(form.get("token") or "").strip()
    with session_scope(state.engine) as session:
        token = authenticate(session, secret) if secret else None
        if token is not None:
            session.expunge(token)
    if token is None:
        await run_in_threadpool(record_failure, state.engine, client, now)
        return _signin_form(
            request, next=next, status=401,
            error="That token is not valid. Tokens start with cw_; copy the whole line.",
        )  # fmt: skip
    response = _see(next)
    start_session(response, request, token)
    return response


def _too_many_attempts(request: Request, next: str, until: datetime, now: datetime) -> Response:
    wait = max(math.ceil((until - now).total_seconds()), 1)
    at = until.astimezone(_zone(request))
    minutes = math.ceil(wait / 60)
    response = _signin_form(
        request, next=next, status=429,
        error=f"Too many wrong tokens were tried from your address. Try again at {at:%H:%M} "
        f"({_zone(request)}), in {minutes} minute{'' if minutes == 1 else 's'}.",
    )  # fmt: skip
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    who = read_session(request)
    form = await _small_form(request)
    if who is not None and not csrf_valid(request, who.nonce, form.get("csrf")):
        return _csrf_refused(request, who)
    response = _see("/signin")
    end_session(request, response)
    return response


# --- dashboard -----------------------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    who = _gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    state = state_of(request)
    now = state.clock()
    with session_scope(state.engine) as session:
        calendars = session.execute(select(func.count()).select_from(Calendar)).scalar_one()
    if not calendars:
        return _render(request, "dashboard", who, empty=True)
    loaded = state.intensity.current()
    index = loaded.index
    names = sorted(set(loaded.systems) | set(index.timelines))
    levels = []
    for name in names:
        segment = index.at(name, now)
        causes = [
            {"title": c.title, "phase": PHASES.get(c.phase, c.phase), "start": c.start, "end": c.end}
            for c in segment.causes
        ]  # fmt: skip
        until = segment.end if segment.end < FAR_FUTURE else None
        levels.append({"name": name, "plain": loaded.systems.get(name) or name,
                       "level": level_name(segment.level), "rank": int(segment.level),
                       "causes": causes, "until": until})  # fmt: skip
    levels.sort(key=lambda entry: (-entry["rank"], entry["name"]))
    start = now.astimezone(_zone(request)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=TIMELINE_DAYS)
    rows: list[Row] = []
    for name in names:
        bars = [
            Bar(s.start, s.end, s.level, _hover(s.level, [(c.title, c.phase) for c in s.causes]))
            for s in index.between(name, start, end)
            if s.level > Level.NORMAL
        ]
        plain = loaded.systems.get(name) or name
        rows.append(Row(f"{plain[:1].upper()}{plain[1:]} ({name})", bars))
    with session_scope(state.engine) as session:
        window = list_occurrences(session, OccurrenceFilter(start=start, end=end, limit=2000))
        loose: dict[str, Row] = {}
        for found in window:
            if found.systems:
                continue  # drawn on its systems' rows
            title = found.occurrence.title or found.period_title
            row = loose.setdefault(found.period_key, Row(f"{title} (no system named)"))
            o = found.occurrence
            row.bars.append(Bar(o.start, o.end, Level(o.level), _hover(Level(o.level), [(title, "during")])))  # fmt: skip
        rows += loose.values()
        due = session.execute(
            select(Delivery.kind, Delivery.audience, func.count(), func.min(Delivery.due_at))
            .where(Delivery.status == "pending", Delivery.due_at < now + timedelta(days=DUE_DAYS))
            .group_by(Delivery.kind, Delivery.audience)
            .order_by(func.min(Delivery.due_at))
        ).all()  # fmt: skip
        recent = list(session.execute(
            select(Delivery).where(Delivery.status != "pending")
            .order_by(Delivery.updated_at.desc(), Delivery.id.desc()).limit(20)  # type: ignore[attr-defined,union-attr]
        ).scalars())  # fmt: skip
        incidents = session.execute(
            select(Incident, System.name, System.plain_name)
            .join(System, System.id == Incident.system_id)
            .where(Incident.status == "open")
            .order_by(Incident.priority, Incident.opened_at)
        ).all()  # fmt: skip
        for row in recent:
            session.expunge(row)
        incident_rows = [(i, n, p) for i, n, p in incidents]
        for incident, _n, _p in incident_rows:
            session.expunge(incident)
    hidden = max(len(rows) - TIMELINE_ROWS, 0)
    rows = rows[:TIMELINE_ROWS]
    svg = draw_timeline(
        rows, start=start, end=end, now=now, zone=_zone(request),
        title=f"Levels of each system over the next {TIMELINE_DAYS} days",
    )  # fmt: skip
    return _render(
        request, "dashboard", who, empty=False, now=now, levels=levels, svg=svg,
        timeline_rows=rows, hidden_rows=hidden, days=TIMELINE_DAYS, due=due, due_days=DUE_DAYS,
        kind_labels=KIND_LABELS, recent=recent, incidents=incident_rows,
    )  # fmt: skip


def _hover(level: Level, causes: list[tuple[str, str]]) -> str:
    why = "; ".join(f"{title} ({PHASES.get(phase, phase)})" for title, phase in causes)
    return f"{level_name(level).capitalize()}: {why}" if why else level_name(level).capitalize()


# --- calendars -----------------------------------------------------------------------------


@router.get("/calendars", response_class=HTMLResponse)
def calendars_page(request: Request, imported: str = "", deleted: str = "") -> Response:
    who = _gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    return _calendars(request, who, imported=imported, deleted=deleted)


def _calendars(
    request: Request, who: UiSession, *, status: int = 200, error: str = "", **context: Any
) -> HTMLResponse:
    with session_scope(state_of(request).engine) as session:
        rows = list_calendars(session)
        for row in rows:
            session.expunge(row.calendar)
    return _render(request, "calendars", who, status=status, calendars=rows, error=error, **context)


@dataclass(frozen=True, slots=True)
class _Upload:
    request: ImportRequest
    carried: str  # the source, compressed and base64-encoded, for the "Import it" form


async def _small_form(request: Request) -> FormData:
    """A form of a few text fields (sign-in, sign-out, delete); anything else reads as empty."""
    try:
        async with request.form(max_files=0, max_fields=4) as form:
            return FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    except MultiPartException:
        return FormData()


async def _posted_upload(request: Request, who: UiSession) -> _Upload | Response:
    """The upload in the posted form, once its CSRF token checks out; or the page saying why not."""
    limit = state_of(request).settings.max_upload_bytes
    try:
        async with request.form(max_files=1, max_fields=8, max_part_size=limit * 2 + 1024) as form:
            if not csrf_valid(request, who.nonce, form.get("csrf")):
                return _csrf_refused(request, who)
            return await _upload_from(form, limit)
    except MultiPartException as exc:
        return _calendars(request, who, status=400, error=f"The form could not be read: {exc.message}")  # fmt: skip
    except ValueError as exc:
        return _calendars(request, who, status=422, error=_one_line(exc))


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
    who = _gate(request, Role.EDITOR)
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
        return _calendars(request, who, status=422, error=_one_line(exc))
    except WorkersBusy:
        return _calendars(request, who, status=503, error=BUSY)
    return _render(request, "calendar_preview", who, **_preview_context(request, parsed, upload, now))  # fmt: skip


def _one_line(error: Exception) -> str:
    text = error.detail if isinstance(error, Problem) else str(error)
    return " ".join(text.split())[:500]


def _preview_context(
    request: Request, parsed: ParsedCalendar, upload: _Upload, now: datetime
) -> dict[str, Any]:
    zone = ZoneInfo(parsed.timezone) if parsed.timezone else _zone(request)
    periods = {period.key: period for period in parsed.periods}
    start = now.astimezone(_zone(request)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=TIMELINE_DAYS)
    rows = {key: Row(period.title) for key, period in periods.items()}
    for o in parsed.occurrences:
        if o.end > start and o.start < end:
            period = periods[o.period_key]
            level = period.classification.level
            rows[o.period_key].bars.append(Bar(o.start, o.end, level, _hover(level, [(o.title or period.title, "during")])))  # fmt: skip
    shown = list(rows.values())[:TIMELINE_ROWS]
    svg = draw_timeline(
        shown, start=start, end=end, now=now, zone=_zone(request),
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
    who = _gate(request, Role.EDITOR)
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
        return _calendars(request, who, status=422, error=_one_line(exc))
    except WorkersBusy:
        return _calendars(request, who, status=503, error=BUSY)
    state_of(request).changed()
    return _see(f"/calendars?imported={quote(upload.request.source.name, safe='')}")


# {name:path}: the template quotes "/" as %2F, which arrives decoded (see routes_calendars).
@router.post("/calendars/{name:path}/delete", response_class=HTMLResponse)
async def calendar_delete(name: str, request: Request) -> Response:
    who = _gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    form = await _small_form(request)
    if not csrf_valid(request, who.nonce, form.get("csrf")):
        return _csrf_refused(request, who)
    with session_scope(state_of(request).engine) as session:
        calendar = find_calendar(session, name)
        if calendar is not None:
            delete_calendar(session, calendar)
    if calendar is None:
        return _calendars(request, who, status=404, error=f"There is no calendar named “{name}”.")
    state_of(request).changed()
    return _see(f"/calendars?deleted={quote(name, safe='')}")


# --- notice preview ------------------------------------------------------------------------


@router.get("/notices/preview", response_class=HTMLResponse)
def notice_preview(
    request: Request, kind: str = "", audience: str = "", occurrence: str = ""
) -> Response:
    who = _gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    state = state_of(request)
    now = state.clock()
    with session_scope(state.engine) as session:
        audiences = [row.name for row in session.execute(select(Audience).order_by(Audience.name)).scalars() if row.spec]  # fmt: skip
        upcoming = list_occurrences(session, OccurrenceFilter(start=now, limit=100))
        options = [(found.occurrence.id, found.occurrence.title or found.period_title,
                    found.occurrence.start) for found in upcoming]  # fmt: skip
    preview = None
    error = ""
    if kind and audience:
        try:
            preview = render_preview(state, _preview_request(kind, audience, occurrence))
        except ValidationError as exc:
            first = exc.errors()[0]
            error = f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
        except Problem as exc:
            error = _one_line(exc)
    frame = "/notices/preview/html?" + urlencode({"kind": kind, "audience": audience, "occurrence": occurrence})  # fmt: skip
    return _render(
        request, "notice_preview", who, kinds=PREVIEW_KINDS, kind_labels=KIND_LABELS,
        audiences=audiences, options=options, chosen={"kind": kind or PREVIEW_KINDS[0],
        "audience": audience, "occurrence": occurrence}, preview=preview, error=error,
        findings=preview.findings if preview else [], frame=frame,
    )  # fmt: skip


# The notice's own HTML, for the preview's sandboxed frame: email HTML styles itself inline,
# which the pages' policy forbids, so this answer gets a policy of its own that allows that
# and nothing else (no script, no fetches, framed only by closewatch's own pages).
NOTICE_FRAME_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
)


@router.get("/notices/preview/html", response_class=HTMLResponse)
def notice_preview_html(
    request: Request, kind: str = "", audience: str = "", occurrence: str = ""
) -> Response:
    who = _gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    try:
        preview = render_preview(state_of(request), _preview_request(kind, audience, occurrence))
    except Problem as exc:
        return Response(_one_line(exc), status_code=exc.status, media_type="text/plain")
    except ValidationError as exc:
        first = exc.errors()[0]
        said = f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
        return Response(said, status_code=422, media_type="text/plain")
    headers = {"Content-Security-Policy": NOTICE_FRAME_POLICY, "X-Frame-Options": "SAMEORIGIN",
               "Cache-Control": "no-store"}  # fmt: skip
    return HTMLResponse(preview.html, headers=headers)


def _preview_request(kind: str, audience: str, occurrence: str) -> PreviewIn:
    # ASCII digits only ("²" is a digit to str.isdigit), and no int of 5,000 digits.
    plain = occurrence.isascii() and occurrence.isdecimal() and len(occurrence) <= 20
    if occurrence and not plain:
        raise Problem(422, f"occurrence: {occurrence[:40]!r} is not an occurrence number")
    occurrence_id = int(occurrence) if plain else None
    return PreviewIn(kind=kind, audience=audience, occurrence_id=occurrence_id)
