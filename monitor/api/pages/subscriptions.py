"""Subscriptions on the calendars page: "Subscribe by address", and a Refresh button each.

Both go through :mod:`monitor.subscriptions.refresh`, as the API and the command
line do; the page shows a subscription's address as scheme, host and port only.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from monitor.api.pages.calendars import show_calendars
from monitor.api.pages.plumbing import BUSY, csrf_refused, gate, one_line, posted_form, see
from monitor.api.session import csrf_valid
from monitor.api.state import state_of
from monitor.jobs import WorkersBusy
from monitor.roles import Role
from monitor.subscriptions.refresh import (
    RefreshBusy,
    SubscribeRequest,
    SubscriptionProblem,
    every_seconds,
    header_pair,
    refresh_subscription,
    subscribe,
)
from monitor.subscriptions.schedule import count_refresh

router = APIRouter(include_in_schema=False)

FIELDS = ("csrf", "name", "url", "kind", "every", "header", "username", "password", "timezone")


@router.post("/calendars/subscribe", response_class=HTMLResponse)
async def subscribe_by_address(request: Request) -> Response:
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    try:
        async with request.form(max_files=0, max_fields=len(FIELDS), max_part_size=200_000) as form:
            posted = FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    except MultiPartException as exc:
        return show_calendars(request, who, status=400, error=f"The form could not be read: {exc.message}")  # fmt: skip
    if not csrf_valid(request, who.nonce, posted.get("csrf")):
        return csrf_refused(request, who)
    state = state_of(request)
    try:
        header = _text(posted, "header")
        subscription = SubscribeRequest(
            name=_text(posted, "name") or "", url=_text(posted, "url") or "",
            kind="caldav" if posted.get("kind") == "caldav" else "ics",
            every_seconds=every_seconds(_text(posted, "every") or "1h"),
            headers=(header_pair(header),) if header else (),
            username=_text(posted, "username"), password=str(posted.get("password") or "") or None,
            timezone=_text(posted, "timezone"),
        )  # fmt: skip
        await run_in_threadpool(subscribe, state.engine, state.settings, subscription, now=state.clock())  # fmt: skip
    except SubscriptionProblem as exc:
        return show_calendars(request, who, status=422, error=f"{exc.field}: {one_line(exc)}" if exc.field else one_line(exc))  # fmt: skip
    except WorkersBusy:
        return show_calendars(request, who, status=503, error=BUSY)
    state.changed()
    return see(f"/calendars?subscribed={quote(subscription.name, safe='')}")


@router.post("/calendars/subscriptions/{name}/refresh", response_class=HTMLResponse)
async def refresh_by_hand(name: str, request: Request) -> Response:
    posted = await posted_form(request, Role.EDITOR)
    if isinstance(posted, Response):
        return posted
    who, _form = posted
    state = state_of(request)
    try:
        done = await run_in_threadpool(refresh_subscription, state.engine, state.settings, name, now=state.clock())  # fmt: skip
    except RefreshBusy:
        return show_calendars(request, who, status=409, error=f"“{name}” is being refreshed right now; look again in a moment.")  # fmt: skip
    except WorkersBusy:
        return show_calendars(request, who, status=503, error=BUSY)
    if done is None:
        return show_calendars(request, who, status=404, error=f"There is no subscription named “{name}”.")  # fmt: skip
    count_refresh(state.metrics, done)
    if done.error is not None:
        return show_calendars(request, who, status=200, error=f"“{name}” could not be refreshed; its last good version stays. {done.error}")  # fmt: skip
    if done.changed:
        state.changed()
    outcome = "changed" if done.changed else "unchanged"
    return see(f"/calendars?refreshed={quote(name, safe='')}&outcome={outcome}")


def _text(form: FormData, field: str) -> str | None:
    value = str(form.get(field) or "").strip()
    return value or None
