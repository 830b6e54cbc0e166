"""``/subscribe``: "Get notices about ...", the form the status page leads to. No sign-in.

A person gives a name and an address in one of the site file's
``subscribers.email_domains``, picks systems (by their plain names) and a
language. The answer is the same page whatever happened to the address, so no
one learns whether it is subscribed already or how often it was asked for: see
:func:`monitor.subscribers.store.request_notices` for the limits. The form is
bound to a cookie (a CSRF token, as before signing in), and the page runs no
script.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from monitor.api.pages.plumbing import render_page, small_form
from monitor.api.routes_report import clean
from monitor.api.session import csrf_token, csrf_valid
from monitor.api.state import AppState, state_of
from monitor.db.engine import session_scope
from monitor.db.models import System
from monitor.site import Subscribers
from monitor.subscribers.store import (
    CONFIRM_WITHIN,
    TooManyRequests,
    allowed_domain,
    normal_address,
    request_notices,
)

router = APIRouter(include_in_schema=False)

FORM_COOKIE = "closewatch_form"  # the nonce this form's CSRF token signs
FORM_COOKIE_SECONDS = 60 * 60
MOST_SYSTEMS = 2000  # checkboxes one form may carry; more than any site lists


@dataclass(slots=True)
class Answers:
    name: str = ""
    email: str = ""
    language: str = ""
    systems: list[str] = field(default_factory=list)  # plain names, as ticked
    problems: dict[str, str] = field(default_factory=dict)  # field: what is wrong


def _plain_names(state: AppState) -> dict[str, list[str]]:
    """Plain name: the systems known by it (two systems may share one)."""
    with session_scope(state.engine) as session:
        rows = session.execute(select(col(System.plain_name), col(System.name))).all()
    found: dict[str, list[str]] = {}
    for plain, name in sorted(rows, key=lambda row: (row[0].casefold(), row[1])):
        found.setdefault(plain, []).append(name)
    return found


def _languages(settings: Subscribers) -> list[tuple[str, str]]:
    """(code, the language's name in itself), as offered."""
    return [(code, Locale.parse(code, sep="-").get_display_name(code) or code)
            for code in settings.languages]  # fmt: skip


def _nonce(request: Request) -> str:
    nonce = request.cookies.get(FORM_COOKIE, "")
    return nonce if 16 <= len(nonce) <= 64 else secrets.token_urlsafe(16)


def _page(
    request: Request, settings: Subscribers | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    state = state_of(request)
    if settings is None:
        return render_page(request, "subscribe", None, status=404, closed=True)
    nonce = _nonce(request)
    response = render_page(
        request, "subscribe", None, status=status, closed=False,
        systems=list(_plain_names(state)), languages=_languages(settings),
        domains=settings.email_domains, form_csrf=csrf_token(request, nonce), **context,
    )  # fmt: skip
    response.set_cookie(FORM_COOKIE, nonce, max_age=FORM_COOKIE_SECONDS, httponly=True,
                        samesite="lax", secure=_https(state), path="/")  # fmt: skip
    return response


def _https(state: AppState) -> bool:
    return state.settings.public_url.lower().startswith("https://")


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request) -> Response:
    settings = state_of(request).site.spec.subscribers
    wanted = request.headers.get("accept-language", "")[:200].lower()
    offered = settings.languages if settings else ("",)
    # The browser's first language when it is offered, else the first offered.
    chosen = next((code for code in offered if wanted.startswith(code.lower())), offered[0])
    return _page(request, settings, answers=Answers(language=chosen))


def _read(form: FormData, settings: Subscribers, known: dict[str, list[str]]) -> Answers:
    answers = Answers(
        name=clean(form.get("name"), 200, lines=False),
        email=clean(form.get("email"), 320, lines=False),
        language=str(form.get("language") or ""),
        systems=[
            plain
            for plain in dict.fromkeys(str(value) for value in form.getlist("system"))
            if plain in known
        ],
    )
    if not answers.name:
        answers.problems["name"] = "Please tell us your name, so notices can greet you."
    try:
        checked = validate_email(answers.email, check_deliverability=False, allow_smtputf8=False)
        answers.email = normal_address(checked.ascii_email or checked.normalized)
    except EmailNotValidError as exc:
        answers.problems["email"] = f"This is not an email address: {exc}"
    else:
        if not allowed_domain(answers.email, settings.email_domains):
            answers.problems["email"] = (
                "Notices go only to addresses ending in "
                + " or ".join(f"@{domain}" for domain in settings.email_domains) + "."
            )  # fmt: skip
    if not answers.systems:
        answers.problems["systems"] = "Please pick at least one system."
    if answers.language not in settings.languages:
        answers.problems["language"] = "Please pick a language."
    return answers


@router.post("/subscribe", response_class=HTMLResponse)
async def subscribe(request: Request) -> Response:
    state = state_of(request)
    settings = state.site.spec.subscribers
    if settings is None:
        return _page(request, None)
    form = await small_form(request, max_fields=MOST_SYSTEMS + 8)
    known = await run_in_threadpool(_plain_names, state)
    answers = _read(form, settings, known)
    if not csrf_valid(request, request.cookies.get(FORM_COOKIE), form.get("csrf")):
        answers.problems = {
            "form": "This form had expired. Please check your answers and send it again."
        }
        return _page(request, settings, status=403, answers=answers)  # fmt: skip
    if answers.problems:
        return _page(request, settings, status=400, answers=answers)
    client = (request.client.host if request.client else "")[:64]
    systems = sorted({name for plain in answers.systems for name in known[plain]})
    now: datetime = state.clock()
    try:
        await run_in_threadpool(_store, state, answers, systems, client, now)
    except TooManyRequests as too_many:
        response = _page(request, settings, status=429, answers=answers, too_many=True)
        response.headers["Retry-After"] = str(too_many.retry_after)
        return response
    state.metrics.notice_subscriptions.labels("requested").inc()
    return _page(request, settings, answers=answers, sent=True, until=now + CONFIRM_WITHIN)


def _store(
    state: AppState, answers: Answers, systems: list[str], client: str, now: datetime
) -> int | None:
    with session_scope(state.engine) as session:
        return request_notices(
            session, address=answers.email, name=answers.name, language=answers.language,
            systems=systems, client=client, secret=state.settings.signing_key(), now=now,
        )  # fmt: skip
