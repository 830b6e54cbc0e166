"""The critical periods as a calendar feed that people subscribe to.

``GET /calendar.ics`` answers a viewer token with every period, and a signed
link (``?audience=finance&sig=...``) with the periods that concern that
audience: those naming it, and those its ``concerns`` name by category or
system. Calendar programs cannot send a bearer token, so the editor-only
``GET /api/v1/audiences/{name}/feed-link`` hands out the signed link to share.
The signature never expires: a new ``CLOSEWATCH_SECRET_KEY`` revokes them all.

Calendar programs poll: the feed carries an ETag (a hash of its bytes, which
change only when an occurrence does) and answers a matching ``If-None-Match``
with 304, and ``HEAD`` with the headers alone.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from monitor.api.auth import Editor, bearer, require
from monitor.api.openapi import problems
from monitor.api.problems import Problem
from monitor.api.routes_status import etag_matches
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Audience, Calendar, MaintenanceWindow, PeriodTarget, System
from monitor.feed import FeedEvent, build_feed
from monitor.maintenance.windows import list_windows
from monitor.roles import Role
from monitor.site import AudienceSpec
from monitor.store.audiences import find_audience
from monitor.store.queries import OccurrenceFilter, OccurrenceRow, list_occurrences
from notifiers.links import Links

router = APIRouter(tags=["calendar feed"])

MEDIA_TYPE = "text/calendar; charset=utf-8"
MOST_OCCURRENCES = 100_000  # far above any stored horizon; a bound all the same
_viewer = require(Role.VIEWER)


def _links(request: Request) -> Links:
    settings = state_of(request).settings
    return Links(settings.signing_key(), settings.public_url)


def feed_signature(request: Request, audience: str) -> str:
    return _links(request).feed_signature(audience)


def _signed_for(request: Request, audience: str, sig: str) -> bool:
    return _links(request).feed_signed(audience, sig)


FEED_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}},
    304: {"description": "Not changed since the ETag given in If-None-Match"},
}


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses=FEED_ANSWERS,
    summary="Critical periods as an iCalendar feed",
)
@router.head(
    "/calendar.ics",
    response_class=Response,
    responses=FEED_ANSWERS,
    summary="The feed's headers (ETag, length) without the feed",
    operation_id="calendar_feed_head",
)
async def calendar_feed(
    request: Request,
    audience: str | None = None,
    sig: str | None = None,
    maintenance: bool = Query(
        False, description="Include the maintenance windows of the systems the feed covers."
    ),
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> Response:
    if credentials is not None:
        await run_in_threadpool(_viewer, state_of(request), credentials)
    elif audience is None or sig is None:
        problem = Problem(
            401, "a bearer token or a signed link (?audience=...&sig=...) is required"
        )
        problem.headers["WWW-Authenticate"] = "Bearer"
        raise problem
    elif not _signed_for(request, audience, sig):
        raise Problem(403, "this calendar link is not valid (edited, or from another service)")
    body = await run_in_threadpool(_feed, request, audience, maintenance)
    headers = {
        "Content-Disposition": 'inline; filename="closewatch.ics"',
        "Cache-Control": "private, max-age=300",
        "ETag": '"' + hashlib.sha256(body).hexdigest()[:24] + '"',
    }
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


@router.get(
    "/api/v1/audiences/{name}/feed-link",
    summary="A signed calendar link for an audience",
    responses=problems(404),
)
def feed_link(name: str, request: Request, _token: Editor) -> dict[str, str]:
    with session_scope(state_of(request).engine) as session:
        known = (
            session.execute(select(col(Audience.id)).where(col(Audience.name) == name)).first()
            or session.execute(
                select(col(PeriodTarget.period_id)).where(
                    col(PeriodTarget.kind) == "audience", col(PeriodTarget.name) == name
                )
            ).first()
        )
    if known is None:
        raise Problem(404, f"no audience named {name!r}")
    base = state_of(request).settings.public_url.rstrip("/")
    query = urlencode({"audience": name, "sig": feed_signature(request, name)})
    return {"url": f"{base}/calendar.ics?{query}"}


def _feed(request: Request, audience: str | None, maintenance: bool = False) -> bytes:
    state = state_of(request)
    with session_scope(state.engine) as session:
        rows = list_occurrences(session, OccurrenceFilter(limit=MOST_OCCURRENCES))
        stamps = dict(session.execute(select(col(Calendar.name), col(Calendar.updated_at))).all())
        plain_names = dict(session.execute(select(col(System.name), col(System.plain_name))).all())
        spec = find_audience(session, audience) if audience else None
        windows = list_windows(session, ending_after=state.clock()) if maintenance else []
    if audience is not None:
        rows = [row for row in rows if concerns(row, audience, spec)]
        covered = {system for row in rows for system in row.systems}
        covered |= set(spec.concerns.systems) if spec else set()
        windows = [window for window in windows if window.system in covered]
    events = [_as_event(row, stamps.get(row.calendar)) for row in rows]
    events += [_window_event(window, plain_names) for window in windows]
    return build_feed(
        events, zone=state.settings.timezone, plain_names=plain_names, now=state.clock()
    )


def concerns(row: OccurrenceRow, audience: str, spec: AudienceSpec | None) -> bool:
    """Whether the occurrence's period names the audience or is among its concerns."""
    if audience in row.audiences:
        return True
    if spec is None:
        return False
    return row.occurrence.category in spec.concerns.categories or bool(
        set(row.systems) & set(spec.concerns.systems)
    )


def _window_event(window: MaintenanceWindow, plain_names: dict[str, str]) -> FeedEvent:
    """A maintenance window: a custom event at level normal, named for what is done."""
    plain = plain_names.get(window.system, window.system)
    return FeedEvent(
        calendar="maintenance", period_key=str(window.id), instance=window.created_at.isoformat(),
        title=f"Maintenance: {plain}", category="custom", level=0, start=window.start, end=window.end,
        systems=(window.system,), stamp=window.created_at,
        description=f"Planned maintenance: {window.reason.rstrip('. ')}. It may not be available then.",
    )  # fmt: skip


def _as_event(row: OccurrenceRow, stamp: datetime | None) -> FeedEvent:
    occurrence = row.occurrence
    return FeedEvent(
        calendar=row.calendar,
        period_key=row.period_key,
        instance=occurrence.instance,
        title=occurrence.title or row.period_title,
        category=occurrence.category,
        level=occurrence.level,
        start=occurrence.start,
        end=occurrence.end,
        systems=tuple(row.systems),
        audiences=tuple(row.audiences),
        stamp=stamp,
    )
