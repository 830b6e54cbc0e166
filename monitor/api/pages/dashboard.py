"""The dashboard: each system's level now and why, the timeline, notices due, recent
deliveries and open incidents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import func, select
from sqlmodel import col

from calendars import Level
from monitor.api.health_svg import draw_strip, strip_summary
from monitor.api.pages.maintenance import maintenance_rows
from monitor.api.pages.plumbing import (
    DUE_DAYS,
    KIND_LABELS,
    PHASES,
    TIMELINE_DAYS,
    TIMELINE_ROWS,
    gate,
    hover,
    page_zone,
    render_page,
)
from monitor.api.pages.subscribed import subscription_rows
from monitor.api.pages.watching import SystemWatch, percent, watch_systems
from monitor.api.state import state_of
from monitor.api.timeline_svg import Bar, Row, draw_timeline, level_name
from monitor.db.engine import session_scope
from monitor.db.models import Calendar, Delivery, Incident, System
from monitor.intensity.timeline import FAR_FUTURE
from monitor.roles import Role
from monitor.store.queries import OccurrenceFilter, list_occurrences
from monitor.watch.health import RECENT

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    who = gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    state = state_of(request)
    now = state.clock()
    with session_scope(state.engine) as session:
        calendars = session.execute(select(func.count()).select_from(Calendar)).scalar_one()
        if not calendars:  # no periods yet, but the systems are watched all the same
            watches = {w.name: w for w in watch_systems(state, session, now)}
    if not calendars:
        return render_page(request, "dashboard", who, empty=True, watches=watches,
                           strips=_strips(request, watches), strip_summary=strip_summary, percent=percent)  # fmt: skip
    loaded = state.intensity.current()
    index = loaded.index
    names = sorted(set(loaded.systems) | set(index.timelines))
    levels: list[dict[str, Any]] = []
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
    start = now.astimezone(page_zone(request)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=TIMELINE_DAYS)
    rows: list[Row] = []
    for name in names:
        bars = [
            Bar(s.start, s.end, s.level, hover(s.level, [(c.title, c.phase) for c in s.causes]))
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
            row.bars.append(Bar(o.start, o.end, Level(o.level), hover(Level(o.level), [(title, "during")])))  # fmt: skip
        rows += loose.values()
        rows += maintenance_rows(session, loaded.systems, start, end, page_zone(request))
        due = session.execute(
            select(col(Delivery.kind), col(Delivery.audience), func.count(), func.min(col(Delivery.due_at)))
            .where(col(Delivery.status) == "pending", col(Delivery.due_at) < now + timedelta(days=DUE_DAYS))
            .group_by(Delivery.kind, Delivery.audience)
            .order_by(func.min(Delivery.due_at))
        ).all()  # fmt: skip
        recent = list(session.execute(
            select(Delivery).where(col(Delivery.status) != "pending")
            .order_by(col(Delivery.updated_at).desc(), col(Delivery.id).desc()).limit(20)
        ).scalars())  # fmt: skip
        incidents = session.execute(
            select(Incident, col(System.name), col(System.plain_name))
            .join(System, col(System.id) == col(Incident.system_id))
            .where(col(Incident.status) == "open")
            .order_by(col(Incident.priority), col(Incident.opened_at))
        ).all()  # fmt: skip
        for row in recent:
            session.expunge(row)
        incident_rows = [(i, n, p) for i, n, p in incidents]
        for incident, _n, _p in incident_rows:
            session.expunge(incident)
        watches = {w.name: w for w in watch_systems(state, session, now)}
    levels.sort(
        key=lambda entry: (
            -entry["rank"],
            _STATE_ORDER.get(watches[entry["name"]].state if entry["name"] in watches else "", 9),
            entry["name"],
        )
    )
    strips = _strips(request, watches)
    hidden = max(len(rows) - TIMELINE_ROWS, 0)
    rows = rows[:TIMELINE_ROWS]
    svg = draw_timeline(
        rows, start=start, end=end, now=now, zone=page_zone(request),
        title=f"Levels of each system over the next {TIMELINE_DAYS} days",
    )  # fmt: skip
    return render_page(
        request, "dashboard", who, empty=False, now=now, levels=levels, svg=svg,
        timeline_rows=rows, hidden_rows=hidden, days=TIMELINE_DAYS, due=due, due_days=DUE_DAYS,
        kind_labels=KIND_LABELS, recent=recent, incidents=incident_rows,
        watches=watches, strips=strips, strip_summary=strip_summary, percent=percent,
        subscriptions=subscription_rows(request, now),
    )  # fmt: skip


def _strips(request: Request, watches: dict[str, SystemWatch]) -> dict[tuple[str, str], Markup]:
    zone = page_zone(request)
    return {
        (w.name, c.name): draw_strip(c.recent, slots=RECENT, when=lambda at: f"{at.astimezone(zone):%H:%M:%S}")
        for w in watches.values() for c in w.checks
    }  # fmt: skip


# Within a level, a system that is down comes first.
_STATE_ORDER = {"down": 0, "degraded": 1, "unknown": 2, "up": 3}
