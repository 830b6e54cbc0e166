"""Previews of a notice as a reader would receive it, with the tone checker's findings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import Session, col

from monitor.api.auth import Viewer
from monitor.api.openapi import problems
from monitor.api.problems import Problem, invalid_field
from monitor.api.renderers import current_renderer
from monitor.api.routes_audiences import no_audience
from monitor.api.schemas_notices import (
    PREVIEW_KINDS,
    FindingOut,
    PreviewIn,
    PreviewOut,
)
from monitor.api.state import App, AppState
from monitor.db.engine import session_scope
from monitor.db.models import Occurrence, PeriodTarget
from monitor.notices.compose import Composer
from monitor.store.audiences import find_audience
from notifiers.kinds import SUBSCRIBE
from notifiers.linter import lint_message
from notifiers.outbox import Claim
from notifiers.render import KINDS

router = APIRouter(prefix="/api/v1")


@router.post(
    "/notices/preview",
    response_model=PreviewOut,
    tags=["notices"],
    summary="Render a notice as an audience's first member would get it, with lint findings",
    responses=problems(404, 409),
)
def preview_notice(body: PreviewIn, app: App, _token: Viewer) -> PreviewOut:
    return render_preview(app, body)


def render_preview(app: AppState, body: PreviewIn) -> PreviewOut:
    """The notice ``body`` asks for, as its audience's first member would get it."""
    if body.kind not in PREVIEW_KINDS:
        why = (
            "confirmations come from requests on the status page" if body.kind == SUBSCRIBE
            else "incident notices come from incidents" if body.kind in KINDS
            else "unknown notice kind"
        )  # fmt: skip
        raise invalid_field(
            "body.kind", f"{why}: {body.kind!r}; expected one of {', '.join(PREVIEW_KINDS)}"
        )
    with session_scope(app.engine) as session:
        spec = find_audience(session, body.audience)
        if spec is None:
            raise no_audience(body.audience)
        occurrence_id = _occurrence_to_preview(session, body, app.clock())
    member = spec.members[0] if spec.members else None
    name = member.name if member else "Reader"
    address = (member.email or member.chat) if member else "reader@example.com"
    channel = "email" if member is None or member.email else "chat"
    claim = Claim(
        0,
        f"preview/{body.kind}/{occurrence_id}/{spec.name}",
        body.kind,
        channel,
        spec.name,
        name,
        address,
        occurrence_id,
        None,
        1,
        app.clock(),
    )
    renderer = current_renderer(app.engine, app.settings, language=body.lang)
    composer = Composer(app.engine, app.settings, renderer, clock=app.clock, preview=True)
    try:
        message = composer.compose(claim)
    except (jinja2.TemplateError, LookupError, TypeError, ValueError) as exc:
        raise Problem(
            422, f"the {body.kind} template failed to render: {exc}", title="Template failed"
        ) from None
    if message is None:  # the occurrence exists, so the reader has unsubscribed
        raise Problem(409, f"{name} has unsubscribed from {spec.name!r}: nothing would be sent")
    contact = spec.contact.name
    findings = [
        *_findings(
            lint_message(message.subject, message.text, kind=body.kind, contact_name=contact),
            "text",
        ),
        *_findings(
            lint_message(None, message.html or "", kind=body.kind, contact_name=contact, html=True),
            "html",
        ),
    ]
    return PreviewOut(
        occurrence_id=occurrence_id,
        recipient_name=name,
        subject=message.subject,
        text=message.text,
        html=message.html or "",
        findings=findings,
    )


def _occurrence_to_preview(session: Session, body: PreviewIn, now: datetime) -> int:
    if body.occurrence_id is not None:
        if session.get(Occurrence, body.occurrence_id) is None:
            raise Problem(404, f"no occurrence {body.occurrence_id}")
        return body.occurrence_id
    upcoming = (
        select(col(Occurrence.id))
        .where(col(Occurrence.end) > now)
        .order_by(col(Occurrence.start), col(Occurrence.id))
        .limit(1)
    )
    naming = upcoming.join(
        PeriodTarget, col(PeriodTarget.period_id) == col(Occurrence.period_id)
    ).where(col(PeriodTarget.kind) == "audience", col(PeriodTarget.name) == body.audience)
    found: int | None = session.execute(naming).scalar() or session.execute(upcoming).scalar()
    if found is None:
        raise Problem(404, "no occurrence to preview that has not ended: upload a calendar first")
    return found


def _findings(found: list[Any], body_part: str) -> list[FindingOut]:
    return [
        FindingOut(
            part="subject" if f.line == 0 else body_part,
            line=max(f.line, 1),
            rule=f.rule,
            message=f.message,
        )
        for f in found
    ]
