"""The maintenance page: the windows planned, a form to plan one, and cancelling.

The form refuses a window that collides with a critical period of its system
(or the period's ramp), listing the periods; an admin sees a field to approve it
anyway with a reason. Times are entered in the site's zone. The dashboard's
timeline draws the windows through :func:`maintenance_rows`.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlmodel import Session, col

from calendars import Level
from calendars.text import unwanted_in
from monitor.api.pages.plumbing import gate, page_zone, posted_form, render_page, see
from monitor.api.session import UiSession
from monitor.api.state import state_of
from monitor.api.timeline_svg import Bar, Row
from monitor.db.engine import session_scope
from monitor.db.models import MaintenanceWindow, System
from monitor.maintenance.announce import announce_window, withdraw_announcements
from monitor.maintenance.windows import (
    Collides,
    MaintenanceRefused,
    WindowRequest,
    list_windows,
    plan_window,
)
from monitor.roles import Role

router = APIRouter(include_in_schema=False)

FIELDS = ("system", "start", "end", "reason", "override_reason")
LIMITS = {"system": 200, "start": 32, "end": 32, "reason": 500, "override_reason": 500}


def maintenance_rows(
    session: Session, plain: dict[str, str], start: datetime, end: datetime, zone: tzinfo
) -> list[Row]:
    """One timeline row per window overlapping ``[start, end)``, drawn apart from the levels."""
    rows = []
    for window in list_windows(session, ending_after=start):
        if window.start >= end:
            continue
        name = plain.get(window.system) or window.system
        local = f"{window.start.astimezone(zone):%d %b %H:%M} to {window.end.astimezone(zone):%d %b %H:%M}"
        rows.append(Row(f"Maintenance: {name[:1].upper()}{name[1:]}", [
            Bar(window.start, window.end, Level.NORMAL, f"Maintenance {local}: {window.reason}", maintenance=True)
        ]))  # fmt: skip
    return rows


def _page(request: Request, who: UiSession, *, status: int = 200, **context: Any) -> HTMLResponse:
    state = state_of(request)
    with session_scope(state.engine) as session:
        windows = list_windows(session, ending_after=state.clock())
        systems = list(
            session.execute(
                select(col(System.name), col(System.plain_name)).order_by(col(System.name))
            ).all()
        )
        for window in windows:
            session.expunge(window)
    context.setdefault("entered", {})
    return render_page(
        request, "maintenance", who, status=status, windows=windows, systems=systems,
        is_admin=who.allows(Role.ADMIN), **context,
    )  # fmt: skip


@router.get("/maintenance", response_class=HTMLResponse)
def maintenance_page(request: Request, planned: str = "", cancelled: str = "") -> Response:
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    done = f"Window {planned[:12]} planned and announced." if planned else ""
    done = done or (f"Window {cancelled[:12]} cancelled." if cancelled else "")
    return _page(request, who, done=done)


@router.post("/maintenance", response_class=HTMLResponse)
async def maintenance_plan(request: Request) -> Response:
    posted = await posted_form(request, Role.EDITOR, max_fields=8)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    entered = {name: str(form.get(name) or "").strip()[: LIMITS[name]] for name in FIELDS}
    zone = page_zone(request)
    try:
        request_ = _request(entered, zone, who.token_name)
    except MaintenanceRefused as refused:
        return _page(request, who, status=422, error=str(refused), entered=entered)
    state = state_of(request)
    index = state.intensity.current().index
    with session_scope(state.engine) as session:
        try:
            planned = plan_window(session, index, request_, may_override=who.allows(Role.ADMIN),
                                  now=state.clock(), zone=zone)  # fmt: skip
        except Collides as refused:
            return _page(request, who, status=409, collisions=refused.described, entered=entered,
                         error=f"This window collides with critical periods of {entered['system']}.")  # fmt: skip
        except MaintenanceRefused as refused:
            return _page(request, who, status=refused.status, error=str(refused), entered=entered)
        announce_window(session, state.site, planned.window, now=state.clock())
        window_id = planned.window.id
    return see(f"/maintenance?planned={window_id}")


def _request(entered: dict[str, str], zone: tzinfo, who: str) -> WindowRequest:
    for name, text in entered.items():
        found = unwanted_in(text)
        if found:
            raise MaintenanceRefused(f"{name}: contains a control character ({found})", field=name)
    times = []
    for name in ("start", "end"):
        try:
            value = datetime.fromisoformat(entered[name])
        except ValueError:
            raise MaintenanceRefused(
                f"{name}: give a date and time, such as 2026-12-04T20:00", field=name
            ) from None
        if not 1900 <= value.year <= 2199:
            raise MaintenanceRefused(f"{name}: the year must lie between 1900 and 2199", field=name)
        times.append(value if value.tzinfo else value.replace(tzinfo=zone))
    return WindowRequest(
        entered["system"], times[0], times[1], entered["reason"], entered["override_reason"], who
    )


@router.post("/maintenance/{window_id}/cancel", response_class=HTMLResponse)
async def maintenance_cancel(window_id: str, request: Request) -> Response:
    posted = await posted_form(request, Role.EDITOR, max_fields=8)
    if isinstance(posted, Response):
        return posted
    who, _form = posted
    state = state_of(request)
    number = (
        int(window_id) if window_id.isascii() and window_id.isdigit() and len(window_id) < 10 else 0
    )
    with session_scope(state.engine) as session:
        window = session.get(MaintenanceWindow, number) if number else None
        if window is not None:
            withdraw_announcements(session, number, now=state.clock())
            session.delete(window)
    if window is None:
        return _page(
            request, who, status=404, error=f"There is no maintenance window {window_id[:12]!r}."
        )
    return see(f"/maintenance?cancelled={number}")
