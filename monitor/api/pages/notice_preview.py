"""The notice preview page: a planned notice as a reader would get it, with the tone
linter's findings; its HTML is served by a route of its own, in a sandboxed frame."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from monitor.api.pages.plumbing import KIND_LABELS, gate, one_line, render_page
from monitor.api.problems import Problem
from monitor.api.routes_previews import render_preview
from monitor.api.schemas_notices import PREVIEW_KINDS, PreviewIn
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Audience
from monitor.roles import Role
from monitor.store.queries import OccurrenceFilter, list_occurrences

router = APIRouter(include_in_schema=False)


@router.get("/notices/preview", response_class=HTMLResponse)
def notice_preview(
    request: Request, kind: str = "", audience: str = "", occurrence: str = ""
) -> Response:
    who = gate(request, Role.EDITOR)
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
            error = one_line(exc)
    frame = "/notices/preview/html?" + urlencode({"kind": kind, "audience": audience, "occurrence": occurrence})  # fmt: skip
    return render_page(
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
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    try:
        preview = render_preview(state_of(request), _preview_request(kind, audience, occurrence))
    except Problem as exc:
        return Response(one_line(exc), status_code=exc.status, media_type="text/plain")
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
