"""The public status page: plain words only, one snapshot per 30 seconds, 304 on a match."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, select

from monitor.api import create_app
from monitor.api.routes_status import status_cache
from monitor.api.state import app_state
from monitor.db.engine import session_scope
from monitor.db.models import Check, Incident, System
from monitor.settings import Settings
from tests.conftest import NOW, PinnedClock
from tests.monitor.samples import MONTH_END, event, ics
from tests.monitor.test_api_calendars import upload

STOCKTAKE = event(
    "stocktake@acme", "Stocktake WH-7 (SAP MM)", "20261124", "20261127",
    "CATEGORIES:inventory_count", "X-CLOSEWATCH-SYSTEMS:wms",
)  # fmt: skip
BOARD_VISIT = event("visit@acme", "Board visit", "20261130", "20261201", "X-CLOSEWATCH-SYSTEMS:crm")
INCIDENT_TITLE = "fi-http: HTTP 500 from https://sap-fi.internal/health (deadlock)"


@pytest.fixture
async def app_client(
    engine: Engine, settings: Settings, clock: PinnedClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, clock=clock, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


async def _site(client: httpx.AsyncClient, editor: dict[str, str], engine: Engine) -> int:
    with session_scope(engine) as session:
        for name, plain in (("sap-fi", "the invoicing system"), ("wms", "the warehouse system"),
                            ("hr-portal", "the HR portal"), ("crm", "the customer system")):  # fmt: skip
            session.add(System(name=name, plain_name=plain))
        session.flush()
        fi = session.execute(select(System).where(System.name == "sap-fi")).scalar_one()
        check = Check(system_id=fi.id, name="fi-http", kind="http",
                      spec={"url": "https://sap-fi.internal/health"})  # fmt: skip
        session.add(check)
        session.flush()
        session.add(Incident(
            system_id=fi.id, check_id=check.id, status="open", level=2, title=INCIDENT_TITLE,
            opened_at=NOW - timedelta(minutes=20), public_line="Invoices cannot be posted just now.",
            next_update_at=datetime.fromisoformat("2026-11-25T13:30:00+00:00"),
        ))  # fmt: skip
        system_id = fi.id
    for name, data in (("finance", ics(MONTH_END)), ("stores", ics(STOCKTAKE, BOARD_VISIT))):
        response = await upload(client, editor, data, name=name, timezone="Europe/Berlin")
        assert response.status_code == 201, response.text
    assert system_id is not None
    return system_id


async def test_page_says_the_week_in_plain_words(
    app_client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    await _site(app_client, editor, engine)

    response = await app_client.get("/status")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "This week: inventory counting, month-end closing and Board visit." in page
    assert "Month-end closing</strong>: from Friday, 27 November to Tuesday, 1 December" in page
    assert "Inventory counting</strong>: now, until Thursday, 26 November" in page
    assert "We are watching the invoicing system, the warehouse system" in page or (
        "We are watching the invoicing system and the warehouse system closely." in page
    )
    assert '<a href="/report">' in page


async def test_each_system_has_a_plain_state(
    app_client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    await _site(app_client, editor, engine)

    page = (await app_client.get("/status")).text

    assert "The invoicing system</th><td class=\"state-problem\">Not working properly — next update by 14:30" in page  # fmt: skip
    assert 'The warehouse system</th><td class="state-watched">Watched closely' in page
    assert 'The HR portal</th><td class="state-normal">Working normally' in page
    assert "Invoices cannot be posted just now." in page
    assert "Next update by <time>14:30</time>" in page


async def test_nothing_technical_is_shown(
    app_client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    await _site(app_client, editor, engine)

    page = (await app_client.get("/status")).text

    for internal in ("sap-fi", "fi-http", "https://", "HTTP 500", "deadlock", "hr-portal",
                     "wms", "crm", "WH-7", "SAP MM", INCIDENT_TITLE):  # fmt: skip
        assert internal not in page, internal


async def test_an_incident_without_a_public_line_gets_a_plain_one(
    app_client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    system_id = await _site(app_client, editor, engine)
    with session_scope(engine) as session:
        for incident in session.execute(
            select(Incident).where(Incident.system_id == system_id)
        ).scalars():
            incident.public_line, incident.next_update_at = "", None

    page = (await app_client.get("/status")).text

    assert "Something is not working properly. IT is working on it." in page
    assert "Not working properly — IT is working on it" in page
    assert INCIDENT_TITLE not in page


async def test_quiet_week_says_so(app_client: httpx.AsyncClient) -> None:
    page = (await app_client.get("/status")).text

    assert "No critical business periods this week." in page
    assert "<h1>How our systems are doing</h1>" in page


async def test_page_is_cacheable_and_answers_if_none_match_with_304(
    app_client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    await _site(app_client, editor, engine)

    first = await app_client.get("/status")
    etag = first.headers["etag"]
    again = await app_client.get("/status", headers={"If-None-Match": etag})
    weak = await app_client.get("/status", headers={"If-None-Match": f'"other", W/{etag}'})
    stale = await app_client.get("/status", headers={"If-None-Match": '"other"'})

    assert first.headers["cache-control"] == "public, max-age=30"
    assert etag.startswith('"') and etag.endswith('"')
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=30"
    assert weak.status_code == 304
    assert stale.status_code == 200 and stale.text == first.text


async def test_one_snapshot_per_thirty_seconds(
    app_client: httpx.AsyncClient, editor: dict[str, str], engine: Engine, clock: PinnedClock
) -> None:
    system_id = await _site(app_client, editor, engine)
    clock.now = NOW + timedelta(seconds=1)
    cache = status_cache(app_state(app_client.app))  # type: ignore[attr-defined]
    before = (await app_client.get("/status")).text
    with session_scope(engine) as session:
        for incident in session.execute(
            select(Incident).where(Incident.system_id == system_id)
        ).scalars():
            incident.status = "closed"

    clock.now = NOW + timedelta(seconds=29)
    same_bucket = await app_client.get("/status")
    clock.now = NOW + timedelta(seconds=30)
    next_bucket = await app_client.get("/status")

    assert same_bucket.text == before
    assert "Not working properly" in before
    assert "Not working properly" not in next_bucket.text
    assert "The invoicing system</th>" in next_bucket.text
    assert next_bucket.headers["etag"] != same_bucket.headers["etag"]
    assert cache.builds == 2


async def test_the_etag_stays_while_the_page_says_the_same_and_says_since_when(
    app_client: httpx.AsyncClient, editor: dict[str, str], engine: Engine, clock: PinnedClock
) -> None:
    system_id = await _site(app_client, editor, engine)
    first = await app_client.get("/status")

    clock.now = NOW + timedelta(minutes=7)  # many buckets later, nothing changed
    later = await app_client.get("/status", headers={"If-None-Match": first.headers["etag"]})
    with session_scope(engine) as session:
        incident = session.execute(
            select(Incident).where(Incident.system_id == system_id)
        ).scalar_one()
        incident.public_line = "Invoices can be posted again; we are checking the rest."
    clock.now = NOW + timedelta(minutes=8)
    changed = await app_client.get("/status", headers={"If-None-Match": first.headers["etag"]})

    # 09:00 UTC is 10:00 in Berlin, the settings' zone.
    assert "nothing on it has changed since 10:00" in first.text
    assert "Times are in Europe/Berlin." in first.text  # the zone is named
    assert (later.status_code, later.headers["etag"]) == (304, first.headers["etag"])
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]
    assert "nothing on it has changed since 10:08" in changed.text


async def test_head_on_the_status_page_gives_its_headers_without_the_page(
    app_client: httpx.AsyncClient,
) -> None:
    get = await app_client.get("/status")
    head = await app_client.head("/status")

    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["cache-control"] == "public, max-age=30"
