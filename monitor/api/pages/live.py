"""The numbers the dashboard and the incidents page refresh without reloading.

``templates/static/live.js`` polls these every few seconds (the pages' policy allows
only scripts from closewatch itself and requests back to it) and writes each value
into the element whose ``data-live`` names its key; ``classes`` replace an element's
class, so a state badge changes colour with its word. ``open`` lists the open
incidents, so the page can say when one opened or closed since it was loaded.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlmodel import col

from monitor.api.health_svg import strip_summary
from monitor.api.pages.conversation import countdown
from monitor.api.pages.plumbing import page_zone
from monitor.api.pages.watching import percent, watch_systems
from monitor.api.session import read_session
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Incident
from monitor.paths import templates_dir
from monitor.roles import Role

router = APIRouter(include_in_schema=False)

SCRIPT = (templates_dir() / "static" / "live.js").read_bytes()


@router.get("/static/live.js")
def live_script() -> Response:
    return Response(SCRIPT, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


@router.get("/dashboard/live.json")
def dashboard_live(request: Request) -> Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    state = state_of(request)
    now = state.clock()
    zone = page_zone(request)
    values: dict[str, str] = {}
    classes: dict[str, str] = {}
    with session_scope(state.engine) as session:
        for watch in watch_systems(state, session, now):
            for check in watch.checks:
                key = f"{watch.name}/{check.name}"
                values[f"{key}/state"] = check.state
                classes[f"{key}/state"] = f"badge state-{check.state}"
                last = check.last
                values[f"{key}/last"] = (
                    f"Last {last.at.astimezone(zone):%H:%M:%S}: {last.status} in {last.duration_ms:.0f} ms"
                    + (f" ({last.message})" if last.message and last.status != "up" else "")
                    if last else "Not checked yet"
                )  # fmt: skip
                values[f"{key}/recent"] = strip_summary(check.recent)
                values[f"{key}/day"] = percent(check.day.percent)
                if check.period is not None:
                    values[f"{key}/period"] = percent(check.period.percent)
        open_ids = _open(session)
    return _answer(now, zone, values, classes, open_ids)


@router.get("/incidents/live.json")
def incidents_live(request: Request) -> Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    state = state_of(request)
    now = state.clock()
    values: dict[str, str] = {}
    classes: dict[str, str] = {}
    with session_scope(state.engine) as session:
        for incident in session.execute(
            select(Incident).where(col(Incident.status) == "open")
        ).scalars():
            text, late = countdown(incident.next_update_at, now)
            values[f"incident-{incident.id}/countdown"] = text
            classes[f"incident-{incident.id}/countdown"] = (
                "countdown overdue" if late else "countdown"
            )
        open_ids = _open(session)
    return _answer(now, page_zone(request), values, classes, open_ids)


def _refused(request: Request) -> Response | None:
    who = read_session(request)
    if who is None or not who.allows(Role.VIEWER):
        return JSONResponse({"detail": "signed out"}, status_code=401)
    return None


def _open(session: Any) -> list[int]:
    return list(session.execute(
        select(col(Incident.id)).where(col(Incident.status) == "open").order_by(col(Incident.id))
    ).scalars())  # fmt: skip


def _answer(
    now: Any, zone: Any, values: dict[str, str], classes: dict[str, str], open_ids: list[int]
) -> Response:
    local = now.astimezone(zone)
    values["as-of"] = f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M:%S}"
    return JSONResponse(
        {"values": values, "classes": classes, "open": ",".join(str(i) for i in open_ids)},
        headers={"Cache-Control": "no-store"},
    )
