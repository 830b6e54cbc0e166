"""Subscriptions: calendars kept by fetching an address; subscribe, list, show, refresh, stop.

A subscription's address, headers and password are never shown again: the
answers carry only the address's scheme, host and port.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.problems import Problem
from monitor.api.schemas import Instant
from monitor.api.state import App, AppState
from monitor.db.engine import session_scope
from monitor.db.models import Subscription
from monitor.fields import Checked
from monitor.store.subscriptions import delete_subscription, find_subscription, list_subscriptions
from monitor.subscriptions.refresh import (
    RefreshBusy,
    Refreshed,
    SubscribeRequest,
    SubscriptionProblem,
    every_seconds,
    header_pair,
    refresh_subscription,
    subscribe,
)
from monitor.subscriptions.schedule import count_refresh

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])


class SubscriptionIn(Checked):
    model_config = ConfigDict(extra="forbid")
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"mapping"})

    name: str = Field(max_length=200, description="The calendar's name (a slug); the same name replaces the subscription.")  # fmt: skip
    url: str = Field(max_length=2000, description="An http, https or webcal address of an .ics file, or a CalDAV calendar collection.")  # fmt: skip
    kind: Literal["ics", "caldav"] = "ics"
    every: str = Field("1h", max_length=20, description="How often to fetch it: 10s to 7d, e.g. 15m.")  # fmt: skip
    headers: list[str] = Field(default_factory=list, max_length=20, description="Request headers, each 'Name: value' (e.g. 'Authorization: Bearer ...'); stored encrypted.")  # fmt: skip
    username: str | None = Field(None, max_length=200, description="CalDAV (or HTTP basic) user name.")  # fmt: skip
    password: str | None = Field(None, max_length=1000, description="Stored encrypted, never shown again.")  # fmt: skip
    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: the calendar's own.")  # fmt: skip
    mapping: str | None = Field(None, max_length=100_000, description="YAML mapping rules for classification.")  # fmt: skip


class SubscriptionOut(BaseModel):
    name: str
    kind: str
    address: str = Field(description="Scheme, host and port only: the rest may be a secret.")
    every_seconds: int
    timezone: str | None
    last_success_at: Instant | None
    age_seconds: float | None = Field(description="Seconds since the last good fetch.")
    last_attempt_at: Instant | None
    last_changed_at: Instant | None = Field(description="When a fetch last brought a new version.")
    last_error: str | None = Field(
        description="Why the latest fetch failed; null after a good one."
    )
    failures: int = Field(description="Failed fetches in a row.")
    next_refresh_at: Instant
    created_at: Instant

    @classmethod
    def of(cls, row: Subscription, now: datetime) -> SubscriptionOut:
        success = row.last_success_at
        return cls(
            name=row.name, kind=row.kind, address=row.address_hint, every_seconds=row.every_seconds,
            timezone=row.timezone, last_success_at=success,
            age_seconds=(now - success).total_seconds() if success else None,
            last_attempt_at=row.last_attempt_at, last_changed_at=row.last_changed_at,
            last_error=row.last_error, failures=row.failures, next_refresh_at=row.next_refresh_at,
            created_at=row.created_at,
        )  # fmt: skip


class RefreshOut(BaseModel):
    changed: bool = Field(description="Whether a new version was stored.")
    error: str | None = Field(description="Why it failed; the last good version stays.")
    subscription: SubscriptionOut


@router.post(
    "",
    response_model=RefreshOut,
    status_code=201,
    summary="Subscribe to a calendar by address: fetched and imported once now, then every `every`",
    responses={200: {"description": "A subscription of that name was replaced"}, **problems(503)},
)
async def create_subscription(body: SubscriptionIn, response: Response, app: App, _token: Editor) -> RefreshOut:  # fmt: skip
    try:
        request = SubscribeRequest(
            name=body.name, url=body.url, kind=body.kind, every_seconds=every_seconds(body.every),
            headers=tuple(header_pair(header) for header in body.headers),
            username=body.username, password=body.password, timezone=body.timezone,
            mapping=body.mapping,
        )  # fmt: skip
        existed = _row(app, body.name) is not None
        done = await run_in_threadpool(
            subscribe, app.engine, app.settings, request, now=app.clock()
        )
    except SubscriptionProblem as exc:
        raise Problem(422, str(exc), field=exc.field) from None
    if existed:
        response.status_code = 200
    return _answer(app, done)


@router.get("", response_model=list[SubscriptionOut], summary="List subscriptions")
def get_subscriptions(app: App, _token: Viewer) -> list[SubscriptionOut]:
    now = app.clock()
    with session_scope(app.engine) as session:
        return [SubscriptionOut.of(row, now) for row in list_subscriptions(session)]


@router.get(
    "/{name}",
    response_model=SubscriptionOut,
    summary="Show one subscription",
    responses=problems(404),
)
def get_subscription(name: str, app: App, _token: Viewer) -> SubscriptionOut:
    row = _row(app, name)
    if row is None:
        raise Problem(404, f"no subscription named {name!r}")
    return SubscriptionOut.of(row, app.clock())


@router.post(
    "/{name}/refresh",
    response_model=RefreshOut,
    summary="Fetch it now; a failure keeps the last good version and is reported in `error`",
    responses=problems(404, 409, 503),
)
async def refresh_now(name: str, app: App, _token: Editor) -> RefreshOut:
    try:
        done = await run_in_threadpool(refresh_subscription, app.engine, app.settings, name, now=app.clock())  # fmt: skip
    except RefreshBusy as exc:
        raise Problem(409, str(exc)) from None
    if done is None:
        raise Problem(404, f"no subscription named {name!r}")
    count_refresh(app.metrics, done)
    return _answer(app, done)


@router.delete(
    "/{name}",
    status_code=204,
    summary="Stop fetching it; the calendar stays as last fetched (delete it as a calendar)",
    responses=problems(404),
)
def stop_subscription(name: str, app: App, _token: Editor) -> Response:
    with session_scope(app.engine) as session:
        if not delete_subscription(session, name):
            raise Problem(404, f"no subscription named {name!r}")
    return Response(status_code=204)


def _row(app: AppState, name: str) -> Subscription | None:
    with session_scope(app.engine) as session:
        row = find_subscription(session, name)
        if row is not None:
            session.expunge(row)
        return row


def _answer(app: AppState, done: Refreshed) -> RefreshOut:
    if done.changed:
        app.changed()
    row = _row(app, done.name)
    assert row is not None
    return RefreshOut(changed=done.changed, error=done.error, subscription=SubscriptionOut.of(row, app.clock()))  # fmt: skip
