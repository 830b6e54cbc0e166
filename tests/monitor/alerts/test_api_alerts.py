"""Alerts from Alertmanager, Grafana and status webhooks open and end closewatch's incidents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from monitor.alerts.details import ALERT_DETAILS, details_message
from monitor.api import create_app
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Incident
from monitor.roles import Role
from monitor.settings import Settings
from monitor.site import load_site
from tests.conftest import NOW, make_token

SITE = """
systems:
  - name: billing
    plain_name: the invoicing system
    alerts: [{job: billing-exporter}, {instance: "db1:9100", env: prod}]
  - name: payroll
    plain_name: the payroll system
audiences:
  - name: finance
    timezone: Europe/Berlin
    incidents_at_normal: members
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Anna Schmidt, email: anna@example.com}]
    concerns: {systems: [billing, payroll]}
"""
ALERTMANAGER = "/api/v1/alerts/alertmanager"


@pytest.fixture
async def alerts_client(engine: Engine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings, engine=engine, clock=lambda: NOW, migrate=False, site=load_site(SITE)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        yield client


@pytest.fixture
def ingest(engine: Engine) -> dict[str, str]:
    return make_token(engine, Role.INGEST)


def notification(status: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    """Alertmanager's webhook body, version 4, as it sends it."""
    return {
        "version": "4", "groupKey": '{}:{alertname="BillingDown"}', "truncatedAlerts": 0,
        "status": status, "receiver": "closewatch", "groupLabels": {"alertname": "BillingDown"},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }  # fmt: skip


def alert(status: str, fingerprint: str, **labels: str) -> dict[str, Any]:
    return {
        "status": status, "labels": {"alertname": "BillingDown", **labels},
        "annotations": {"summary": "billing exporter reports HTTP 500",
                        "runbook_url": "https://wiki.example.com/billing"},
        "startsAt": "2026-11-25T08:58:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-25T09:05:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up", "fingerprint": fingerprint,
    }  # fmt: skip


def deliveries(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(col(Delivery.kind), col(Delivery.recipient_address)).order_by(col(Delivery.id))
        )
        return [(kind, address) for kind, address in rows]


async def test_a_firing_alert_opens_one_incident_and_its_resolution_ends_it(
    alerts_client: httpx.AsyncClient, ingest: dict[str, str], engine: Engine
) -> None:
    firing = notification("firing", alert("firing", "a1b2", closewatch_system="billing"))
    resolved = notification("resolved", alert("resolved", "a1b2", closewatch_system="billing"))

    opened = await alerts_client.post(ALERTMANAGER, headers=ingest, json=firing)
    again = await alerts_client.post(ALERTMANAGER, headers=ingest, json=firing)
    told = deliveries(engine)
    ended = await alerts_client.post(ALERTMANAGER, headers=ingest, json=resolved)
    ended_again = await alerts_client.post(ALERTMANAGER, headers=ingest, json=resolved)

    assert opened.status_code == 200, opened.text
    (incident_id,) = opened.json()["opened"]
    assert again.json() == {"received": 1, "opened": [], "recovered": [], "ignored": []}
    assert told == [("incident", "anna@example.com"), (ALERT_DETAILS, "dana@example.com")]
    assert ended.json()["recovered"] == [incident_id]
    assert ended_again.json()["recovered"] == []
    assert deliveries(engine)[2:] == [("resolved", "anna@example.com")]
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert (incident.status, incident.check_id) == ("closed", None)
        assert incident.public_line == "The invoicing system is not working as it should."


async def test_alert_details_reach_it_contacts_and_readers_hear_the_plain_name(
    alerts_client: httpx.AsyncClient, ingest: dict[str, str], engine: Engine
) -> None:
    firing = notification("firing", alert("firing", "c3d4", job="billing-exporter"))

    response = await alerts_client.post(ALERTMANAGER, headers=ingest, json=firing)

    (incident_id,) = response.json()["opened"]
    with session_scope(engine) as session:
        key = session.execute(
            select(col(Delivery.dedupe_key)).where(col(Delivery.kind) == ALERT_DETAILS)
        ).scalar_one()
        incident = session.get(Incident, incident_id)
        assert incident is not None
        public_line = incident.public_line
    message = details_message(engine, incident_id, dedupe_key=key, recipient_name="Dana Weber",
                              recipient_address="dana@example.com", written_at=NOW)  # fmt: skip
    assert message is not None
    assert "annotation runbook_url: https://wiki.example.com/billing" in message.text
    assert "billing exporter reports HTTP 500" in message.text
    assert "HTTP 500" not in public_line and "invoicing system" in public_line


async def test_alerts_map_by_label_matchers_and_unmatched_ones_are_named(
    alerts_client: httpx.AsyncClient, ingest: dict[str, str]
) -> None:
    body = notification(
        "firing",
        alert("firing", "m1", instance="db1:9100", env="prod"),
        alert("firing", "m2", instance="db1:9100", env="test"),
        alert("firing", "m3", closewatch_system="warehouse"),
    )

    response = await alerts_client.post(ALERTMANAGER, headers=ingest, json=body)

    assert response.status_code == 200
    assert len(response.json()["opened"]) == 1
    assert response.json()["ignored"] == [
        {"fingerprint": "m2", "reason": "no closewatch_system label, and no system's alerts "
                                        "matchers match its labels"},
        {"fingerprint": "m3", "reason": "no system named 'warehouse'"},
    ]  # fmt: skip


async def test_two_alerts_of_one_source_are_one_incident_until_both_clear(
    alerts_client: httpx.AsyncClient, ingest: dict[str, str]
) -> None:
    first = alert("firing", "f1", closewatch_system="billing")
    second = alert("firing", "f2", closewatch_system="billing")

    both = await alerts_client.post(
        ALERTMANAGER, headers=ingest, json=notification("firing", first, second)
    )
    one_clears = await alerts_client.post(ALERTMANAGER, headers=ingest, json=notification(
        "firing", {**first, "status": "resolved"}, second))  # fmt: skip
    grafana = await alerts_client.post(f"{ALERTMANAGER}?source=grafana", headers=ingest,
                                       json=notification("firing", first))  # fmt: skip
    other_clears = await alerts_client.post(ALERTMANAGER, headers=ingest, json=notification(
        "resolved", {**second, "status": "resolved"}))  # fmt: skip

    assert len(both.json()["opened"]) == 1
    assert one_clears.json()["recovered"] == []
    assert len(grafana.json()["opened"]) == 1  # another source: its own incident
    assert other_clears.json()["recovered"] == both.json()["opened"]


async def test_only_ingest_and_admin_tokens_report_and_ingest_reads_nothing(
    alerts_client: httpx.AsyncClient, engine: Engine, ingest: dict[str, str]
) -> None:
    body = notification("firing", alert("firing", "r1", closewatch_system="billing"))
    answers = {
        role: (await alerts_client.post(ALERTMANAGER, headers=make_token(engine, role), json=body)).status_code
        for role in (Role.VIEWER, Role.EDITOR, Role.ADMIN)
    }  # fmt: skip
    reading = await alerts_client.get("/api/v1/systems", headers=ingest)

    assert answers == {Role.VIEWER: 403, Role.EDITOR: 403, Role.ADMIN: 200}
    assert reading.status_code == 403
    assert reading.json()["detail"] == "this needs the viewer role; the token has ingest"


async def test_a_status_webhook_reports_problems_down_and_up(
    alerts_client: httpx.AsyncClient, ingest: dict[str, str]
) -> None:
    url = "/api/v1/systems/payroll/status"

    def post(**body: str) -> Any:
        return alerts_client.post(url, headers=ingest, json={"source": "zabbix", **body})

    first = await post(status="down", summary="Payroll DB unreachable", id="1041")
    second = await post(status="down", summary="Payroll API slow", id="1042")
    again = await post(status="down", summary="Payroll DB unreachable", id="1041")
    one_up = await post(status="up", id="1041")
    all_up = await post(status="up")
    missing = await alerts_client.post(
        "/api/v1/systems/warehouse/status", headers=ingest, json={"status": "down"}
    )
    bad = await post(status="sideways")

    assert first.json()["down"] == ["1041"] and len(first.json()["opened"]) == 1
    assert second.json()["opened"] == [] and again.json()["opened"] == []
    assert one_up.json() == {"system": "payroll", "source": "zabbix", "down": ["1042"],
                             "opened": [], "recovered": []}  # fmt: skip
    assert all_up.json()["recovered"] == first.json()["opened"]
    assert (missing.status_code, missing.json()["detail"]) == (
        404, "no system named 'warehouse'"
    )  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert bad.json()["detail"].startswith("body.status: "), bad.text


async def test_grafanas_webhook_and_odd_times_are_read_as_alertmanagers(
    alerts_client: httpx.AsyncClient, ingest: dict[str, str]
) -> None:
    grafana = {
        "receiver": "closewatch", "status": "firing", "orgId": 1, "version": "1",
        "groupKey": "{}/{}:{}", "truncatedAlerts": 0, "title": "[FIRING:1] BillingDown",
        "state": "alerting", "message": "**Firing**", "externalURL": "http://grafana:3000/",
        "alerts": [{
            "status": "firing", "labels": {"alertname": "BillingDown", "closewatch_system": "billing"},
            "annotations": {"description": "Error rate high\nsee the dashboard"},
            "startsAt": "0001-01-01T00:00:00+01:00", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://grafana:3000/alerting/grafana/abc/view", "fingerprint": "57c6d9296de2ad39",
            "silenceURL": "http://grafana:3000/alerting/silence/new", "dashboardURL": "", "panelURL": "",
            "values": {"B": 22.5, "C": 1}, "valueString": "[ var='B' value=22.5 ]",
        }],
    }  # fmt: skip

    response = await alerts_client.post(
        f"{ALERTMANAGER}?source=grafana", headers=ingest, json=grafana
    )

    assert response.status_code == 200, response.text
    assert len(response.json()["opened"]) == 1


async def test_the_late_end_of_an_earlier_firing_does_not_end_the_new_one(
    alerts_client: httpx.AsyncClient, ingest: dict[str, str]
) -> None:
    firing = alert("firing", "late1", closewatch_system="billing")
    earlier_end = {**firing, "status": "resolved", "startsAt": "2026-11-25T07:00:00Z"}

    opened = await alerts_client.post(
        ALERTMANAGER, headers=ingest, json=notification("firing", firing)
    )
    late = await alerts_client.post(
        ALERTMANAGER, headers=ingest, json=notification("resolved", earlier_end)
    )

    assert len(opened.json()["opened"]) == 1
    assert late.json()["recovered"] == []
