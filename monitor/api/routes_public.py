"""Pages reached from links in notices: feedback and unsubscribe. No sign-in.

They speak the reader's language, their audience's, where closewatch has the page in
it (``templates/pages/de``), else English, as the notices do.

A GET only shows the page: mail scanners (Outlook's Safe Links and the like)
open every link in a message, and must not answer for the reader. The answer
is stored on POST. The signed token in the path says who and what, so no
form can be forged for someone else. ``List-Unsubscribe-Post`` one-click
unsubscribing posts to the same unsubscribe address.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from calendars.text import without_unwanted
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Feedback, Unsubscribe
from monitor.notices.compose import ALERT as ALERT_KIND
from monitor.notices.incidents import confirmed_by_reader, still_a_problem
from monitor.site import AudienceSpec
from monitor.store.audiences import find_audience
from monitor.subscribers.store import leave
from notifiers.languages import FALLBACK_LANGUAGE, template_language
from notifiers.links import BadLink, Links

router = APIRouter(include_in_schema=False)

ALERT_EVERY = timedelta(hours=1)  # "still a problem" from one link reaches IT at most this often


def _links(request: Request) -> Links:
    settings = state_of(request).settings
    return Links(settings.signing_key(), settings.public_url)


def _page(
    request: Request, name: str, audience: AudienceSpec | None, **context: object
) -> HTMLResponse:
    """The page in the reader's language (their audience's) where it has one, else English."""
    language = audience.language if audience else FALLBACK_LANGUAGE
    translated = f"pages/{template_language(language)}/{name}.html"
    template = state_of(request).pages.select_template([translated, f"pages/{name}.html"])
    lang = language if template.name == translated else FALLBACK_LANGUAGE
    return HTMLResponse(template.render(lang=lang, **context))


def _bad_link(request: Request, error: BadLink) -> HTMLResponse:
    return HTMLResponse(
        state_of(request)
        .pages.from_string(
            '{% extends "pages/base.html" %}{% block main %}<h1>This link does not work</h1>'
            '<p class="lead">{{ reason }}. Please answer the notice by email instead.</p>{% endblock %}'
        )
        .render(reason=str(error).capitalize()),
        status_code=400,
    )


@router.get("/feedback/{token}", response_class=HTMLResponse)
def feedback_page(token: str, request: Request) -> HTMLResponse:
    try:
        key, answer = _links(request).read_feedback(token)
    except BadLink as error:
        return _bad_link(request, error)
    with session_scope(state_of(request).engine) as session:
        audience = session.execute(
            select(col(Delivery.audience)).where(col(Delivery.dedupe_key) == key)
        ).scalar_one_or_none()
        spec = find_audience(session, audience) if audience else None
    return _page(request, "feedback", spec, answer=answer, done=False)


@router.post("/feedback/{token}", response_class=HTMLResponse)
async def feedback_answer(token: str, request: Request) -> HTMLResponse:
    try:
        key, linked = _links(request).read_feedback(token)
    except BadLink as error:
        return _bad_link(request, error)
    form = await request.form()
    answer = str(form.get("answer") or linked)
    answer = answer if answer in ("sorted", "problem") else "rating"
    rating = form.get("rating")
    rating_value = (
        int(rating) if isinstance(rating, str) and rating in {"1", "2", "3", "4", "5"} else None
    )
    # Free text, but no control characters: a NUL, for one, PostgreSQL cannot store.
    comment = without_unwanted(str(form.get("comment") or ""), lines=True)[:2000]
    try:
        spec = await run_in_threadpool(_store_feedback, request, key, answer, rating_value, comment)
    except IntegrityError:  # the same link's first answer, stored meanwhile: this one replaces it
        spec = await run_in_threadpool(_store_feedback, request, key, answer, rating_value, comment)
    state_of(request).metrics.feedback.labels(answer).inc()
    return _page(request, "feedback", spec, answer=answer, done=True,
                 contact_name=spec.contact.name if spec else None)  # fmt: skip


def _store_feedback(
    request: Request, key: str, answer: str, rating: int | None, comment: str
) -> AudienceSpec | None:
    """Stores the answer; the link's audience, whose contact and language the thanks use."""
    state = state_of(request)
    now = state.clock()
    with session_scope(state.engine) as session:
        delivery = session.execute(
            select(Delivery).where(col(Delivery.dedupe_key) == key)
        ).scalar_one_or_none()
        if delivery is None:
            return None
        feedback = _answer_of(session, delivery, now)
        # One answer per link: a later one replaces the earlier.
        feedback.answer, feedback.rating, feedback.comment, feedback.at = (
            answer,
            rating,
            comment,
            now,
        )
        session.add(feedback)
        session.flush()
        if delivery.kind == "resolved" and delivery.incident_id is not None:
            # Confirm, don't declare: the reader's answer decides whether the fix worked.
            if answer == "problem":
                still_a_problem(session, delivery.incident_id, now, delivery.recipient_name)
            elif answer == "sorted":
                confirmed_by_reader(session, delivery.incident_id, now)
        audience = find_audience(session, delivery.audience)
        if audience is None:
            return None
        if answer == "problem" and audience.contact.email and _may_alert(feedback, now):
            # "Still a problem" reaches the audience's IT contact at once, through the outbox,
            # and at most once an hour for one link, however often the reader presses it.
            feedback.alerted_at = now
            session.add(feedback)
            session.add(Delivery(
                dedupe_key=f"{ALERT_KIND}/{int(now.timestamp())}/{feedback.id}", kind=ALERT_KIND,
                channel="email", audience=delivery.audience, recipient_name=audience.contact.name,
                recipient_address=audience.contact.email, occurrence_id=delivery.occurrence_id,
                incident_id=delivery.incident_id, due_at=now, first_due_at=now, created_at=now, updated_at=now,
            ))  # fmt: skip
        return audience


def _answer_of(session: Session, delivery: Delivery, now: datetime) -> Feedback:
    """The link's stored answer, locked until this one is stored; a new row for a first answer."""
    found = session.execute(
        select(Feedback).where(col(Feedback.dedupe_key) == delivery.dedupe_key).with_for_update()
    ).scalar_one_or_none()
    return found or Feedback(
        dedupe_key=delivery.dedupe_key, audience=delivery.audience,
        recipient_address=delivery.recipient_address, occurrence_id=delivery.occurrence_id,
        incident_id=delivery.incident_id, answer="", at=now,
    )  # fmt: skip


def _may_alert(feedback: Feedback, now: datetime) -> bool:
    return feedback.alerted_at is None or now - feedback.alerted_at >= ALERT_EVERY


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request) -> HTMLResponse:
    try:
        audience, address = _links(request).read_unsubscribe(token)
    except BadLink as error:
        return _bad_link(request, error)
    with session_scope(state_of(request).engine) as session:
        spec = find_audience(session, audience)
    # The public page shows the group's label, never its technical name ("ops-nz").
    return _page(request, "unsubscribe", spec, label=spec.label if spec else "", address=address,
                 done=False)  # fmt: skip


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, request: Request) -> HTMLResponse:
    try:
        audience, address = _links(request).read_unsubscribe(token)
    except BadLink as error:
        return _bad_link(request, error)
    state = state_of(request)
    with session_scope(state.engine) as session:
        known = session.execute(
            select(col(Unsubscribe.id)).where(col(Unsubscribe.audience) == audience, col(Unsubscribe.recipient_address) == address)
        ).first()  # fmt: skip
        if known is None:
            session.add(Unsubscribe(audience=audience, recipient_address=address, at=state.clock()))
        spec = find_audience(session, audience)
        # A subscriber leaves their system's audience for good, not only its notices.
        left = leave(session, audience, address, state.site, now=state.clock())
    if left:
        state.metrics.notice_subscriptions.labels("unsubscribed").inc()
        state.changed()
    return _page(request, "unsubscribe", spec, label=spec.label if spec else "", address=address,
                 done=True,
                 contact_name=spec.contact.name if spec else None)  # fmt: skip
