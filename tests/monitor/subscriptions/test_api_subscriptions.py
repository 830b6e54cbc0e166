"""The subscriptions API in process: who may do what, each refusal naming its field,
and nothing secret in any answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from monitor.api import create_app
from monitor.settings import Settings
from tests.conftest import NOW
from tests.monitor.samples import MONTH_END, ics
from tests.monitor.subscriptions.calendar_server import CalendarHost, calendar_host

SECRET_PATH = "/private-a7c2/basic.ics"


@pytest.fixture
def host() -> Iterator[CalendarHost]:
    with calendar_host() as running:
        running.files[SECRET_PATH] = ics(MONTH_END)
        yield running


@pytest.fixture
async def local(engine: Engine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    allowed = settings.model_copy(update={"subscription_networks": "127.0.0.0/8"})
    app = create_app(allowed, engine=engine, clock=lambda: NOW, migrate=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://closewatch.test"
    ) as client:
        yield client


async def test_subscribe_then_read_it_back_without_its_secrets(
    local: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], host: CalendarHost
) -> None:
    body = {"name": "finance", "url": host.url(SECRET_PATH), "every": "15m",
            "headers": ["Authorization: Bearer api-s3cret"], "username": "dana", "password": "pw-s3cret"}  # fmt: skip

    made = await local.post("/api/v1/subscriptions", json=body, headers=editor)
    again = await local.post("/api/v1/subscriptions", json=body, headers=editor)
    listed = await local.get("/api/v1/subscriptions", headers=viewer)
    shown = await local.get("/api/v1/subscriptions/finance", headers=viewer)

    assert (made.status_code, again.status_code) == (201, 200)
    assert made.json()["changed"] is True and made.json()["error"] is None
    assert shown.json() == {**shown.json(), "name": "finance", "kind": "ics", "address": f"{host.base}/…",
                            "every_seconds": 900, "age_seconds": 0.0, "failures": 0, "last_error": None}  # fmt: skip
    everything = made.text + again.text + listed.text + shown.text
    assert not any(
        secret in everything for secret in ("private-a7c2", "api-s3cret", "pw-s3cret", "dana")
    )
    calendar = await local.get("/api/v1/calendars/finance", headers=viewer)
    assert calendar.json()["occurrences"] == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [({"name": "a/../b"}, "name"), ({"url": "ftp://127.0.0.1/a.ics"}, "url"),
     ({"url": "http://169.254.169.254/latest/"}, "url"), ({"every": "5s"}, "every"),
     ({"every": "soon"}, "every"), ({"headers": ["no colon"]}, "header"),
     ({"timezone": "Mars/Olympus"}, "timezone"), ({"password": "pw"}, "username")],
)  # fmt: skip
async def test_a_subscription_that_cannot_be_made_is_422_naming_its_field(
    local: httpx.AsyncClient,
    editor: dict[str, str],
    host: CalendarHost,
    change: dict[str, object],
    field: str,
) -> None:
    refused = await local.post("/api/v1/subscriptions", json={"name": "finance", "url": host.url(SECRET_PATH), **change},
                               headers=editor)  # fmt: skip

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == field
    assert host.requests == []


async def test_a_viewer_may_read_but_not_subscribe_or_refresh(
    local: httpx.AsyncClient, viewer: dict[str, str], host: CalendarHost
) -> None:
    body = {"name": "finance", "url": host.url(SECRET_PATH)}

    assert (await local.post("/api/v1/subscriptions", json=body, headers=viewer)).status_code == 403
    assert (
        await local.post("/api/v1/subscriptions/finance/refresh", headers=viewer)
    ).status_code == 403
    assert (await local.delete("/api/v1/subscriptions/finance", headers=viewer)).status_code == 403
    assert (await local.get("/api/v1/subscriptions", headers=viewer)).json() == []


async def test_an_unknown_subscription_is_404(
    local: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    for method, path in (("GET", "/api/v1/subscriptions/none"), ("POST", "/api/v1/subscriptions/none/refresh"),
                         ("DELETE", "/api/v1/subscriptions/none")):  # fmt: skip
        answer = await local.request(method, path, headers=editor)
        assert (
            answer.status_code == 404 and answer.json()["detail"] == "no subscription named 'none'"
        )


def test_a_network_setting_that_is_not_one_stops_start_up_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"'10\.0\.0\.0/33' is not an IP network"):
        Settings(subscription_networks="127.0.0.1/32, 10.0.0.0/33")
