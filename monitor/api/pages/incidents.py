"""The incidents page: open incidents by priority, each with its conversation and the
countdown to the next promised update; forms to post an update and to resolve.

Each form has two buttons: "Check the wording" shows what the tone checker finds in the
text and sends nothing; "Send" sends it (and shows the findings too). Posting needs the
editor role, as in the API, and the session's CSRF token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import col

from monitor.api.pages.conversation import countdown, incident_views
from monitor.api.pages.plumbing import (
    gate,
    message_page,
    posted_form,
    render_page,
    see,
)
from monitor.api.routes_incidents import ResolveIn, UpdateIn
from monitor.api.session import UiSession
from monitor.api.state import AppState, state_of
from monitor.db.engine import session_scope
from monitor.db.models import Incident
from monitor.fields import LARGEST_ID
from monitor.intensity.policy import parse_duration
from monitor.notices.incidents import post_update, resolve
from monitor.roles import Role
from notifiers.linter import lint_message

router = APIRouter(include_in_schema=False)

RECENTLY_CLOSED = timedelta(hours=24)
NEXT_UPDATE_CHOICES = ("15m", "30m", "1h", "2h", "4h")
FIELDS = 6  # csrf, action and at most three texts; anything beyond reads as empty


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request) -> Response:
    who = gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    return _render(request, who)


@router.post("/incidents/{incident_id}/update", response_class=HTMLResponse)
async def update_form(incident_id: int, request: Request) -> Response:
    posted = await posted_form(request, Role.EDITOR, max_fields=FIELDS)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    message = str(form.get("message", "")).strip()
    next_update = str(form.get("next_update", "30m")).strip()
    errors = _errors(UpdateIn, {"message": message, "next_update": next_update})
    if not message:
        errors["message"] = "Write what is new, in plain words."
    wait = timedelta(minutes=30)
    if "next_update" not in errors:
        try:
            wait = timedelta(seconds=parse_duration(next_update))
        except ValueError as exc:
            errors["next_update"] = f"{exc}."
    draft = {"form": "update", "message": message, "next_update": next_update, "errors": errors,
             "findings": _findings(message, "update")}  # fmt: skip
    if errors or form.get("action") != "send":
        return _render(request, who, drafts={incident_id: draft}, status=422 if errors else 200)
    state = state_of(request)
    if not _exists(state, incident_id):
        return _missing(request, who, incident_id)
    told = post_update(
        state.engine, incident_id, message=message, next_update=wait, now=state.clock()
    )
    state.metrics.promises.labels("kept_by_people").inc()
    state.metrics.promises.labels("made").inc()
    return see(f"/incidents?sent=update&incident={incident_id}&told={told}#incident-{incident_id}")


@router.post("/incidents/{incident_id}/resolve", response_class=HTMLResponse)
async def resolve_form(incident_id: int, request: Request) -> Response:
    posted = await posted_form(request, Role.EDITOR, max_fields=FIELDS)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    summary = str(form.get("summary", "")).strip()
    can_do = str(form.get("what_you_can_do", "")).strip()
    errors = _errors(ResolveIn, {"summary": summary, "what_you_can_do": can_do})
    if not summary:
        errors["summary"] = "Say what was wrong, in one plain sentence."
    draft = {"form": "resolve", "summary": summary, "what_you_can_do": can_do, "errors": errors,
             "findings": _findings(f"{summary}\n{can_do}", "resolved")}  # fmt: skip
    if errors or form.get("action") != "send":
        return _render(request, who, drafts={incident_id: draft}, status=422 if errors else 200)
    state = state_of(request)
    if not _exists(state, incident_id):
        return _missing(request, who, incident_id)
    told = resolve(
        state.engine, incident_id, summary=summary, what_you_can_do=can_do, now=state.clock()
    )
    return see(
        f"/incidents?sent=resolved&incident={incident_id}&told={told}#incident-{incident_id}"
    )


def _render(
    request: Request,
    who: UiSession,
    *,
    drafts: dict[int, dict[str, Any]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    state = state_of(request)
    now = state.clock()
    with session_scope(state.engine) as session:
        open_ones = list(session.execute(
            select(Incident).where(col(Incident.status) == "open")
            .order_by(col(Incident.priority), col(Incident.opened_at))
        ).scalars())  # fmt: skip
        closed = list(session.execute(
            select(Incident).where(col(Incident.status) != "open", col(Incident.closed_at) >= now - RECENTLY_CLOSED)
            .order_by(col(Incident.closed_at).desc()).limit(10)
        ).scalars())  # fmt: skip
        views = incident_views(session, open_ones, now=now)
        closed_views = incident_views(session, closed, now=now)
        for incident in open_ones + closed:
            session.expunge(incident)
    sent = request.query_params.get("sent")
    return render_page(
        request, "incidents", who, status=status, now=now, views=views, closed=closed_views,
        drafts=drafts or {}, choices=NEXT_UPDATE_CHOICES, countdown=countdown,
        sent=sent if sent in ("update", "resolved") else None,
        sent_incident=request.query_params.get("incident", ""), sent_told=request.query_params.get("told", ""),
    )  # fmt: skip


def _errors(model: type[BaseModel], fields: dict[str, str]) -> dict[str, str]:
    """The API's rules for the same fields (length, control characters), each at its field."""
    try:
        model.model_validate(fields)
    except ValidationError as exc:
        return {str(e["loc"][0]): _sentence(e["msg"]) for e in exc.errors() if e["loc"]}
    return {}


def _sentence(text: str) -> str:
    text = text.removeprefix("Value error, ")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _findings(text: str, kind: str) -> list[str]:
    # What the tone linter says about the readers' words: shown, never refused (as in the API).
    return [
        f.message for f in lint_message(None, text, kind=kind) if f.rule in ("jargon", "apology")
    ]


def _exists(state: AppState, incident_id: int) -> bool:
    if not 1 <= incident_id <= LARGEST_ID:
        return False
    with session_scope(state.engine) as session:
        return session.get(Incident, incident_id) is not None


def _missing(request: Request, who: UiSession, incident_id: int) -> HTMLResponse:
    return message_page(
        request, who, 404, "No such incident", f"There is no incident {incident_id}."
    )
