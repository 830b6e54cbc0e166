"""Notices: audiences, template overrides, previews, the outbox and the readers' feedback.

Audiences from the site file are read-only here: they change in the site file.
An uploaded template is compiled and test-rendered in the sandbox before it is
stored, and the running notice service renders with it from then on.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import jinja2
from fastapi import APIRouter, Query, Response
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from calendars import Category
from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.params import Offset
from monitor.api.problems import Problem
from monitor.api.schemas_notices import (
    DELIVERY_STATUSES,
    PREVIEW_KINDS,
    AudienceOut,
    DeliveryOut,
    DeliverySummaryOut,
    FeedbackListOut,
    FeedbackOut,
    FindingOut,
    PreviewIn,
    PreviewOut,
    TemplateIn,
    TemplateOut,
)
from monitor.api.state import App, AppState
from monitor.db.engine import session_scope
from monitor.db.models import Audience, Delivery, Feedback, Occurrence, PeriodTarget
from monitor.fields import LARGEST_ID
from monitor.notices.compose import Composer
from monitor.notices.overrides import IsolatedRenderer, check_override
from monitor.settings import Settings
from monitor.site import AudienceSpec
from monitor.store.audiences import API, SITE, find_audience, save_audience
from monitor.store.templates import (
    delete_override,
    list_overrides,
    load_overrides,
    save_override,
)
from notifiers.languages import known_language, template_language
from notifiers.linter import lint_message
from notifiers.outbox import Claim
from notifiers.render import KINDS, NoticeRenderer, OverrideKey, TemplateSet

router = APIRouter(prefix="/api/v1")

SITE_MANAGED = "managed by the site file; change it there"
_ERROR = re.compile(r"^(?P<part>subject|text|html): line (?P<line>\d+|\?): (?P<message>.*)$", re.S)
_CATEGORIES = tuple(category.value for category in Category)


# --- audiences -----------------------------------------------------------------------------


@router.get(
    "/audiences", response_model=list[AudienceOut], tags=["audiences"], summary="List audiences"
)
def get_audiences(app: App, _token: Viewer) -> list[AudienceOut]:
    with session_scope(app.engine) as session:
        rows = session.execute(select(Audience).order_by(Audience.name)).scalars()
        return [AudienceOut.of(row) for row in rows if row.spec]


@router.get(
    "/audiences/{name}",
    response_model=AudienceOut,
    tags=["audiences"],
    summary="Show one audience",
    responses=problems(404),
)
def get_audience(name: str, app: App, _token: Viewer) -> AudienceOut:
    return _audience_view(app.engine, name)


@router.post(
    "/audiences",
    response_model=AudienceOut,
    status_code=201,
    tags=["audiences"],
    summary="Create an audience",
    responses=problems(409),
)
def create_audience(spec: AudienceSpec, app: App, _token: Editor) -> AudienceOut:
    try:
        with session_scope(app.engine) as session:
            if _audience_row(session, spec.name) is not None:
                raise _audience_exists(spec.name)
            row = Audience(name=spec.name, timezone=spec.timezone)
            save_audience(session, row, spec, managed_by=API, now=app.clock())
    except IntegrityError:  # created meanwhile by another request
        raise _audience_exists(spec.name) from None
    app.changed()
    return _audience_view(app.engine, spec.name)


@router.put(
    "/audiences/{name}",
    response_model=AudienceOut,
    tags=["audiences"],
    summary="Replace an audience",
    responses=problems(404, 409),
)
def replace_audience(name: str, spec: AudienceSpec, app: App, _token: Editor) -> AudienceOut:
    if spec.name != name:
        raise Problem(
            422,
            f"body.name: {spec.name!r} does not match {name!r} in the path",
            title="Invalid request",
            field="body.name",
        )
    with session_scope(app.engine) as session:
        row = _editable_audience(session, name)
        save_audience(session, row, spec, managed_by=API, now=app.clock())
    app.changed()
    return _audience_view(app.engine, name)


@router.delete(
    "/audiences/{name}",
    status_code=204,
    tags=["audiences"],
    summary="Delete an audience",
    responses=problems(404, 409),
)
def remove_audience(name: str, app: App, _token: Editor) -> Response:
    with session_scope(app.engine) as session:
        row = _editable_audience(session, name)
        session.execute(delete(Audience).where(Audience.id == row.id))  # type: ignore[arg-type]
    app.changed()
    return Response(status_code=204)


def _audience_row(session: Session, name: str) -> Audience | None:
    return session.execute(select(Audience).where(Audience.name == name)).scalar_one_or_none()


def _audience_view(engine: Engine, name: str) -> AudienceOut:
    with session_scope(engine) as session:
        row = _audience_row(session, name)
        if row is None or not row.spec:
            raise _no_audience(name)
        return AudienceOut.of(row)


def _editable_audience(session: Session, name: str) -> Audience:
    row = _audience_row(session, name)
    if row is None:
        raise _no_audience(name)
    if row.managed_by == SITE:
        raise Problem(409, f"audience {name!r} is {SITE_MANAGED}")
    return row


def _no_audience(name: str) -> Problem:
    return Problem(404, f"no audience named {name!r}")


def _audience_exists(name: str) -> Problem:
    return Problem(
        409, f"an audience named {name!r} already exists; PUT /api/v1/audiences/{name} replaces it"
    )


# --- template overrides --------------------------------------------------------------------


@router.get(
    "/templates",
    response_model=list[TemplateOut],
    tags=["templates"],
    summary="List uploaded template overrides",
)
def get_templates(app: App, _token: Viewer) -> list[TemplateOut]:
    with session_scope(app.engine) as session:
        return [TemplateOut.of(row) for row in list_overrides(session)]


@router.put(
    "/templates/{kind}/{lang}",
    response_model=TemplateOut,
    tags=["templates"],
    summary="Upload a template override; 201 when new, 200 when it replaced one",
    responses={201: {"description": "A new override"}, **problems(404)},
)
def put_template(
    kind: str,
    lang: str,
    body: TemplateIn,
    response: Response,
    app: App,
    _token: Editor,
    audience: str | None = Query(None, description="Only for this audience; default every one."),
    category: str | None = Query(None, description="Only for this category; default every one."),
) -> TemplateOut:
    key = _template_key(kind, lang, audience, category)
    templates = TemplateSet(subject=body.subject, text=body.text, html=body.html)
    errors = check_override(app.settings, templates, kind=kind)
    if errors:
        raise _invalid_template(errors)
    with session_scope(app.engine) as session:
        if audience is not None and find_audience(session, audience) is None:
            raise _no_audience(audience)
        row, created = save_override(session, key, templates, now=app.clock())
        saved = TemplateOut.of(row)
    response.status_code = 201 if created else 200
    reload_renderer(app)
    return saved


@router.delete(
    "/templates/{kind}/{lang}",
    status_code=204,
    tags=["templates"],
    summary="Delete a template override",
    responses=problems(404),
)
def remove_template(
    kind: str,
    lang: str,
    app: App,
    _token: Editor,
    audience: str | None = Query(None),
    category: str | None = Query(None),
) -> Response:
    key = _template_key(kind, lang, audience, category)
    with session_scope(app.engine) as session:
        if not delete_override(session, key):
            raise Problem(404, f"no {_describe(key)} override")
    reload_renderer(app)
    return Response(status_code=204)


def current_renderer(
    engine: Engine, settings: Settings, *, language: str | None = None
) -> NoticeRenderer:
    """The shipped defaults with every stored override; ``language`` renders every notice in it."""
    with session_scope(engine) as session:
        overrides = load_overrides(session)
    if language is not None:
        return _InLanguage(settings, overrides, language)
    return IsolatedRenderer(settings, overrides)


def reload_renderer(app: AppState) -> None:
    """Make the running notice service render with the overrides as stored now."""
    notices = app.notices
    if notices is not None:
        renderer = current_renderer(app.engine, app.settings)
        notices.renderer = renderer
        notices.worker.compose.renderer = renderer


def _template_key(kind: str, lang: str, audience: str | None, category: str | None) -> OverrideKey:
    if kind not in KINDS:
        raise _invalid("kind", f"unknown notice kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not known_language(lang) or template_language(lang) != lang:  # templates are per language
        raise _invalid("lang", f"unknown language {lang!r}: templates are per language, a code Babel knows such as en, de or fr")  # fmt: skip
    if category is not None and category not in _CATEGORIES:
        raise _invalid(
            "category", f"unknown category {category!r}; expected one of {', '.join(_CATEGORIES)}"
        )
    return (audience or None, category or None, kind, lang)


def _invalid_template(errors: list[str]) -> Problem:
    listed = []
    for error in errors:
        found = _ERROR.match(error)
        part, line = (found["part"], found["line"]) if found else (None, "?")
        listed.append(
            {
                "field": f"body.{part}" if part else "body",
                "part": part,
                "line": int(line) if line.isdigit() else None,
                "message": found["message"] if found else error,
            }
        )
    return Problem(422, "; ".join(errors), title="Invalid template", errors=listed)


def _describe(key: OverrideKey) -> str:
    audience, category, kind, lang = key
    return f"{kind}/{lang} (audience {audience or 'any'}, category {category or 'any'})"


def _invalid(field: str, detail: str) -> Problem:
    return Problem(422, f"{field}: {detail}", title="Invalid request", field=field)


# --- preview -------------------------------------------------------------------------------


class _InLanguage(IsolatedRenderer):
    """Renders in ``language`` whatever the audience reads, for a preview in another language."""

    def __init__(
        self, settings: Settings, overrides: dict[OverrideKey, TemplateSet], language: str
    ) -> None:
        super().__init__(settings, overrides)
        self.language = language

    def render(self, kind: str, context: Any, *, lang: str, **where: Any) -> Any:  # type: ignore[override]
        period = {k: v for k, v in context["period"].items() if k != "category_label"}
        reader = {**context["reader"], "language": self.language}
        ctx = {**context, "reader": reader, "period": period}
        return super().render(kind, ctx, lang=self.language, **where)


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
            "incident notices come from incidents" if body.kind in KINDS else "unknown notice kind"
        )
        raise _invalid(
            "body.kind", f"{why}: {body.kind!r}; expected one of {', '.join(PREVIEW_KINDS)}"
        )
    with session_scope(app.engine) as session:
        spec = find_audience(session, body.audience)
        if spec is None:
            raise _no_audience(body.audience)
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
        select(Occurrence.id)
        .where(Occurrence.end > now)
        .order_by(Occurrence.start, Occurrence.id)
        .limit(1)
    )
    naming = upcoming.join(PeriodTarget, PeriodTarget.period_id == Occurrence.period_id).where(
        PeriodTarget.kind == "audience", PeriodTarget.name == body.audience
    )
    found = session.execute(naming).scalar() or session.execute(upcoming).scalar()
    if found is None:
        raise Problem(404, "no occurrence to preview that has not ended: upload a calendar first")
    return found


def _findings(found: list[Any], body_part: str) -> list[FindingOut]:
    return [
        FindingOut(
            part="subject" if f.line == 0 else body_part,
            line=max(f.line, 1),  # type: ignore[arg-type]
            rule=f.rule,
            message=f.message,
        )
        for f in found
    ]


# --- the outbox ----------------------------------------------------------------------------


@router.get(
    "/deliveries",
    response_model=list[DeliveryOut],
    tags=["deliveries"],
    summary="List deliveries, newest due first",
)
def get_deliveries(
    app: App,
    _token: Viewer,
    status: str | None = Query(None, description=f"One of {', '.join(DELIVERY_STATUSES)}."),
    audience: str | None = Query(None),
    kind: str | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    offset: Offset = 0,
) -> list[DeliveryOut]:
    if status is not None and status not in DELIVERY_STATUSES:
        raise _invalid(
            "status", f"unknown status {status!r}; expected one of {', '.join(DELIVERY_STATUSES)}"
        )
    query = select(Delivery)
    for column, value in (
        (Delivery.status, status),
        (Delivery.audience, audience),
        (Delivery.kind, kind),
    ):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Delivery.due_at.desc(), Delivery.id.desc()).limit(limit).offset(offset)  # type: ignore[attr-defined,union-attr]
    with session_scope(app.engine) as session:
        return [DeliveryOut.of(row) for row in session.execute(query).scalars()]


@router.get(
    "/deliveries/summary",
    response_model=DeliverySummaryOut,
    tags=["deliveries"],
    summary="How many deliveries are in each status",
)
def get_delivery_summary(app: App, _token: Viewer) -> DeliverySummaryOut:
    with session_scope(app.engine) as session:
        counts = dict(
            session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        )  # type: ignore[arg-type]
    by_status = {status: counts.pop(status, 0) for status in DELIVERY_STATUSES} | counts
    return DeliverySummaryOut(total=sum(by_status.values()), by_status=by_status)


# --- feedback ------------------------------------------------------------------------------


@router.get(
    "/feedback",
    response_model=FeedbackListOut,
    tags=["feedback"],
    summary="The readers' answers, newest first, with a count of each",
)
def get_feedback(
    app: App,
    _token: Viewer,
    audience: str | None = Query(None),
    occurrence_id: int | None = Query(None, ge=1, le=LARGEST_ID),
    limit: int = Query(500, ge=1, le=5000),
) -> FeedbackListOut:
    where = []
    if audience is not None:
        where.append(Feedback.audience == audience)
    if occurrence_id is not None:
        where.append(Feedback.occurrence_id == occurrence_id)
    with session_scope(app.engine) as session:
        counts = session.execute(
            select(Feedback.answer, func.count()).where(*where).group_by(Feedback.answer)
        ).all()  # type: ignore[arg-type]
        rows = session.execute(
            select(Feedback)
            .where(*where)
            .order_by(Feedback.at.desc(), Feedback.id.desc())
            .limit(limit)  # type: ignore[attr-defined,union-attr]
        ).scalars()
        answers = [FeedbackOut.of(row) for row in rows]
    return FeedbackListOut(summary=dict(sorted(counts)), answers=answers)
