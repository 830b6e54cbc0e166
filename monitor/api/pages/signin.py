"""Signing in with an API token, signing out, and the one stylesheet every page uses."""

from __future__ import annotations

import math
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from monitor.api.pages.plumbing import (
    csrf_refused,
    page_zone,
    render_page,
    see,
    small_form,
)
from monitor.api.session import (
    csrf_token,
    csrf_valid,
    end_session,
    read_session,
    signin_nonce,
    start_session,
)
from monitor.api.signin_limit import blocked_until, record_failure
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.paths import templates_dir
from monitor.store.tokens import authenticate

router = APIRouter(include_in_schema=False)


STYLESHEET = (templates_dir() / "static" / "closewatch.css").read_bytes()


@router.get("/static/closewatch.css")
def stylesheet() -> Response:
    return Response(
        STYLESHEET,
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _safe_next(value: object) -> str:
    text = value if isinstance(value, str) else ""
    return text if text.startswith("/") and not text.startswith("//") else "/dashboard"


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/dashboard") -> Response:
    if read_session(request) is not None:
        return see(_safe_next(next))
    return _signin_form(request, next=_safe_next(next))


def _signin_form(request: Request, *, next: str, error: str = "", status: int = 200) -> Response:
    probe = Response()
    nonce = signin_nonce(request, probe)
    response = render_page(
        request, "signin", None, status=status, signin_csrf=csrf_token(request, nonce),
        next=next, error=error,
    )  # fmt: skip
    response.headers.append("set-cookie", probe.headers["set-cookie"])
    return response


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request) -> Response:
    form = await small_form(request)
    next = _safe_next(form.get("next"))
    if not csrf_valid(request, request.cookies.get("closewatch_signin"), form.get("csrf")):
        return _signin_form(
            request, next=next, status=403,
            error="The sign-in form had expired. Please paste your token again.",
        )  # fmt: skip
    state = state_of(request)
    client = (request.client.host if request.client else "")[:64]
    now = state.clock()
    until = await run_in_threadpool(blocked_until, state.engine, client, now)
    if until is not None:
        return _too_many_attempts(request, next, until, now)
    secret = str(form.get("token") or "").strip()
    with session_scope(state.engine) as session:
        token = authenticate(session, secret) if secret else None
        if token is not None:
            session.expunge(token)
    if token is None:
        await run_in_threadpool(record_failure, state.engine, client, now)
        return _signin_form(
            request, next=next, status=401,
            error="That token is not valid. Tokens start with cw_; copy the whole line.",
        )  # fmt: skip
    response = see(next)
    start_session(response, request, token)
    return response


def _too_many_attempts(request: Request, next: str, until: datetime, now: datetime) -> Response:
    wait = max(math.ceil((until - now).total_seconds()), 1)
    at = until.astimezone(page_zone(request))
    minutes = math.ceil(wait / 60)
    response = _signin_form(
        request, next=next, status=429,
        error=f"Too many wrong tokens were tried from your address. Try again at {at:%H:%M} "
        f"({page_zone(request)}), in {minutes} minute{'' if minutes == 1 else 's'}.",
    )  # fmt: skip
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    who = read_session(request)
    form = await small_form(request)
    if who is not None and not csrf_valid(request, who.nonce, form.get("csrf")):
        return csrf_refused(request, who)
    response = see("/signin")
    end_session(request, response)
    return response
