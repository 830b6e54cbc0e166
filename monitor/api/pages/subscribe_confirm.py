"""``/subscribe/confirm/{token}``: the link in the "please confirm" message. No sign-in.

A GET only shows what would start, since mail scanners open every link; the
POST confirms (double opt-in). The signed token says which request and which
address, and expires; the request it names must still be fresh too. Following
it twice is harmless, and counts once.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from monitor.api.pages.plumbing import render_page
from monitor.api.state import AppState, state_of
from monitor.db.engine import session_scope
from monitor.db.models import SubscriberRequest, System
from monitor.subscribers.store import CONFIRM_WITHIN, address_key, confirm
from notifiers.links import BadLink, Links

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Pending:
    address: str
    systems: list[str]  # plain names


def _links(state: AppState) -> Links:
    return Links(state.settings.signing_key(), state.settings.public_url)


def _plain(session: Session, names: list[str]) -> list[str]:
    rows = session.execute(
        select(col(System.name), col(System.plain_name)).where(col(System.name).in_(names))
    )
    plain: dict[str, str] = dict(rows.all())
    return sorted({plain.get(name, name) for name in names}, key=str.casefold)


def _pending(state: AppState, token: str) -> Pending | None:
    """What the link would start; None when it is void (edited, too old, or from elsewhere)."""
    try:
        request_id, address = _links(state).read_confirm(token)
    except BadLink:
        return None
    with session_scope(state.engine) as session:
        request = session.get(SubscriberRequest, request_id)
        key = address_key(state.settings.signing_key(), address)
        if (
            request is None
            or request.address_hash != key
            or state.clock() - request.at > CONFIRM_WITHIN
        ):
            return None
        return Pending(address, _plain(session, list(request.systems)))


def _void(request: Request) -> HTMLResponse:
    return render_page(request, "subscribe_confirm", None, status=400, void=True)


@router.get("/subscribe/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request) -> HTMLResponse:
    pending = _pending(state_of(request), token)
    if pending is None or state_of(request).site.spec.subscribers is None:
        return _void(request)
    return render_page(request, "subscribe_confirm", None, pending=pending, done=False)


@router.post("/subscribe/confirm/{token}", response_class=HTMLResponse)
async def confirm_subscription(token: str, request: Request) -> HTMLResponse:
    state = state_of(request)
    pending = await run_in_threadpool(_pending, state, token)
    if pending is None or state.site.spec.subscribers is None:
        return _void(request)
    request_id, address = _links(state).read_confirm(token)
    confirmed = await run_in_threadpool(_confirm, state, request_id, address)
    if confirmed is None:
        return _void(request)
    if confirmed:
        state.metrics.notice_subscriptions.labels("confirmed").inc()
    state.changed()  # the new members' notices are planned now
    return render_page(request, "subscribe_confirm", None, pending=pending, done=True)


def _confirm(state: AppState, request_id: int, address: str) -> bool | None:
    """Whether this confirmed the request for the first time; None when it is void."""
    for attempt in (1, 2):
        try:
            with session_scope(state.engine) as session:
                done = confirm(session, request_id, address, state.site,
                               secret=state.settings.signing_key(), now=state.clock())  # fmt: skip
                return None if done is None else done.first_time
        except IntegrityError:  # the same link, followed twice at once: the other one stored it
            if attempt == 2:
                raise
    return None
