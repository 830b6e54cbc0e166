"""GET /api/v1/prometheus/targets: what blackbox_exporter probes, at the pace of the calendar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine

from monitor.alerts.targets import prometheus_duration
from monitor.api import create_app
from monitor.roles import Role
from monitor.settings import Settings
from monitor.site import load_site
from tests.conftest import NOW, make_token
from tests.monitor.samples import event, ics
from tests.monitor.test_api_calendars import upload

SITE = """
systems:
  - name: billing
    plain_name: the invoicing system
    checks:
      - {name: web, kind: http, url: "https://billing.example.com/health", timeout: 30}
      - {name: login, kind: http, url: "https://billing.example.com/login", method: POST}
      - {name: db, kind: tcp, host: db.example.com, port: 5432, timeout: 3}
      - {name: cert, kind: tls, host: billing.example.com}
  - name: wms
    plain_name: the warehouse system
    policy: {normal: {interval: 90s}}
    checks: [{name: web, kind: http, url: "http://wms.example.com/", expect_status: [200, 204]}]
"""
GO_LIVE = event("go-live@acme", "Billing go-live", "20261125T080000Z", "20261125T120000Z",
                "X-CLOSEWATCH-LEVEL:critical", "X-CLOSEWATCH-SYSTEMS:billing")  # fmt: skip


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
async def client(
    engine: Engine, settings: Settings, clock: list[datetime]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings, engine=engine, clock=lambda: clock[0], migrate=False, site=load_site(SITE)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        yield client


async def test_each_probeable_check_is_a_target_group_at_its_systems_level_now(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    editor, viewer = make_token(engine, Role.EDITOR), make_token(engine, Role.VIEWER)
    assert (await upload(client, editor, ics(GO_LIVE), name="projects")).status_code == 201

    response = await client.get("/api/v1/prometheus/targets", headers=viewer)

    assert response.status_code == 200
    groups = {(g["labels"]["closewatch_system"], g["labels"]["closewatch_check"]): g
              for g in response.json()}  # fmt: skip
    assert sorted(groups) == [("billing", "cert"), ("billing", "db"), ("billing", "web"),
                              ("wms", "web")]  # fmt: skip
    assert groups["billing", "web"] == {
        "targets": ["https://billing.example.com/health"],
        "labels": {"__param_module": "http_2xx", "__scrape_interval__": "15s",
                   "__scrape_timeout__": "15s", "module": "http_2xx",
                   "closewatch_system": "billing", "closewatch_check": "web",
                   "closewatch_level": "critical"},
    }  # fmt: skip
    assert groups["billing", "db"]["targets"] == ["db.example.com:5432"]
    assert groups["billing", "db"]["labels"]["__scrape_timeout__"] == "3s"
    assert groups["billing", "cert"]["labels"]["__param_module"] == "tls_expiry"
    assert groups["wms", "web"]["labels"]["__scrape_interval__"] == "90s"
    assert groups["wms", "web"]["labels"]["closewatch_level"] == "normal"


async def test_targets_follow_a_level_boundary_and_a_changed_system(
    client: httpx.AsyncClient, engine: Engine, clock: list[datetime]
) -> None:
    editor, viewer = make_token(engine, Role.EDITOR), make_token(engine, Role.VIEWER)
    assert (await upload(client, editor, ics(GO_LIVE), name="projects")).status_code == 201

    async def interval(system: str, check: str) -> str | None:
        groups = (await client.get("/api/v1/prometheus/targets", headers=viewer)).json()
        found = [g["labels"]["__scrape_interval__"] for g in groups
                 if g["labels"]["closewatch_system"] == system and g["labels"]["closewatch_check"] == check]  # fmt: skip
        return found[0] if found else None

    clock[0] = NOW - timedelta(hours=2)  # the ramp before a go-live: high
    before = await interval("billing", "web")
    again = await interval("billing", "web")
    clock[0] = NOW  # the go-live has started: critical
    after = await interval("billing", "web")
    added = await client.post("/api/v1/systems", headers=editor, json={
        "name": "payroll", "plain_name": "the payroll system",
        "checks": [{"name": "api", "kind": "tcp", "host": "payroll.example.com", "port": 443}]})  # fmt: skip

    assert (before, again, after) == ("1m", "1m", "15s")
    assert added.status_code == 201
    assert await interval("payroll", "api") == "5m"


async def test_targets_need_a_reading_token(client: httpx.AsyncClient, engine: Engine) -> None:
    ingest = make_token(engine, Role.INGEST)

    assert (await client.get("/api/v1/prometheus/targets")).status_code == 401
    assert (await client.get("/api/v1/prometheus/targets", headers=ingest)).status_code == 403


@pytest.mark.parametrize(
    ("seconds", "written"), [(15, "15s"), (120, "2m"), (90, "90s"), (0.2, "200ms"), (300, "5m")]
)
def test_durations_are_written_as_prometheus_reads_them(seconds: float, written: str) -> None:
    assert prometheus_duration(seconds) == written
