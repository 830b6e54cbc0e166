"""One system's page: its level and why, its checks with answer times and availability over
24 hours and over the current period, its incidents, and the periods that raise it."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlmodel import col

from calendars import Level
from monitor.api.health_svg import draw_latency, draw_strip, strip_summary
from monitor.api.pages.plumbing import (
    PHASES,
    TIMELINE_DAYS,
    gate,
    message_page,
    page_zone,
    render_page,
)
from monitor.api.pages.watching import percent, watch_system
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Check, Incident, System
from monitor.roles import Role
from monitor.watch.health import RECENT, latency_buckets

router = APIRouter(include_in_schema=False)

INCIDENTS_SHOWN = 20


@router.get("/systems/{name}", response_class=HTMLResponse)
def system_page(name: str, request: Request) -> Response:
    who = gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    state = state_of(request)
    now = state.clock()
    zone = page_zone(request)

    def clock(at: datetime) -> str:
        return f"{at.astimezone(zone):%H:%M:%S}"

    def hour(at: datetime) -> str:
        return f"{at.astimezone(zone):%a %H:%M}"

    with session_scope(state.engine) as session:
        watch = watch_system(state, session, name, now)
        if watch is None:
            return message_page(request, who, 404, "No such system",
                                f"closewatch watches no system named “{name}”.")  # fmt: skip
        ids: dict[str, int] = dict(session.execute(
            select(col(Check.name), col(Check.id)).join(System, col(System.id) == col(Check.system_id)).where(col(System.name) == name)
        ).all())  # fmt: skip
        charts = []
        for check in watch.checks:
            buckets = latency_buckets(session, ids[check.name], now=now)
            title = f"Median answer time of {check.name} in half-hour slices over the last 24 hours"
            charts.append({
                "check": check, "buckets": buckets,
                "strip": draw_strip(check.recent, slots=RECENT, when=clock),
                "svg": draw_latency(buckets, budget_ms=watch.budget_ms, when=hour, title=title),
            })  # fmt: skip
        incidents = list(session.execute(
            select(Incident).join(System, col(System.id) == col(Incident.system_id)).where(col(System.name) == name)
            .order_by(col(Incident.status) != "open", col(Incident.opened_at).desc()).limit(INCIDENTS_SHOWN)
        ).scalars())  # fmt: skip
        for incident in incidents:
            session.expunge(incident)
    index = state.intensity.current().index
    raised = [
        {"level": segment.level.label, "start": segment.start, "end": segment.end,
         "why": "; ".join(f"{PHASES.get(c.phase, c.phase)} {c.title}" for c in segment.causes)}
        for segment in index.between(name, now, now + timedelta(days=TIMELINE_DAYS))
        if segment.level > Level.NORMAL
    ]  # fmt: skip
    return render_page(
        request, "system", who, now=now, w=watch, charts=charts, incidents=incidents,
        raised=raised, days=TIMELINE_DAYS, percent=percent, strip_summary=strip_summary,
        saved=request.query_params.get("saved") == "1",
    )  # fmt: skip
