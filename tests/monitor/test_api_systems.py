"""The systems API (create, read, replace, delete; site-managed systems stay
read-only) and the incidents API (newest first, each with its events)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from monitor.db.engine import session_scope
from monitor.db.models import CheckResult, Incident, IncidentEvent, System
from monitor.intensity.policy import DEFAULT_POLICY
from monitor.site import SystemSpec
from monitor.store.systems import SITE, checks_of, find_system, save_system
from tests.conftest import NOW
from tests.monitor.samples import MONTH_END, ics
from tests.monitor.test_api_calendars import upload

SAP_FI: dict[str, Any] = {
    "name": "sap-fi",
    "plain_name": "the finance and invoicing system",
    "owner_team": "ERP",
    "checks": [
        {"name": "web", "kind": "http", "url": "https://sap.example.com/health"},
        {"name": "db", "kind": "tcp", "host": "db.example.com", "port": 5432},
    ],
}


def add_site_system(engine: Engine, name: str = "hr") -> None:
    spec = SystemSpec(name=name, plain_name="the HR system")
    with session_scope(engine) as session:
        save_system(session, System(name=name, plain_name=""), spec, managed_by=SITE, now=NOW)


async def test_create_then_read_a_system_with_its_checks(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    created = await client.post("/api/v1/systems", headers=editor, json=SAP_FI)

    assert created.status_code == 201, created.text
    shown = (await client.get("/api/v1/systems/sap-fi", headers=viewer)).json()
    assert shown == created.json()
    assert shown["plain_name"] == "the finance and invoicing system"
    assert shown["owner_team"] == "ERP"
    assert shown["managed_by"] == "api"
    assert [(c["name"], c["kind"]) for c in shown["checks"]] == [("db", "tcp"), ("web", "http")]
    assert shown["checks"][1]["spec"]["url"] == "https://sap.example.com/health"
    assert all(check["last_result"] is None for check in shown["checks"])
    assert (shown["level"], shown["causes"], shown["open_incidents"]) == ("normal", [], 0)
    normal = DEFAULT_POLICY[min(DEFAULT_POLICY)]
    assert shown["policy"] == {
        "interval_seconds": normal.interval,
        "failures": normal.failures,
        "latency_budget_seconds": normal.latency_budget,
        "response_minutes": normal.response_minutes,
    }
    listed = (await client.get("/api/v1/systems", headers=viewer)).json()
    assert [system["name"] for system in listed] == ["sap-fi"]


async def test_system_policy_overrides_apply_at_its_level(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    body = {**SAP_FI, "policy": {"normal": {"interval": "1m", "response": "1h"}}}

    created = (await client.post("/api/v1/systems", headers=editor, json=body)).json()

    assert created["policy"]["interval_seconds"] == 60
    assert created["policy"]["response_minutes"] == 60
    assert created["policy"]["failures"] == 3


async def test_listing_shows_the_level_now_with_its_cause(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await client.post("/api/v1/systems", headers=editor, json=SAP_FI)
    await upload(client, editor, ics(MONTH_END), name="finance")

    (system,) = (await client.get("/api/v1/systems", headers=editor)).json()

    # NOW is Wednesday 25 November; closing starts Friday 27th: two working days of ramp.
    assert system["level"] == "elevated"
    (cause,) = system["causes"]
    assert cause["title"] == "Month-end closing"
    assert cause["phase"] == "before"
    assert (cause["start"], cause["end"]) == ("2026-11-26T23:00:00Z", "2026-12-01T23:00:00Z")
    assert isinstance(cause["occurrence_id"], int)


async def test_last_result_per_check_and_open_incidents(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    await client.post("/api/v1/systems", headers=editor, json=SAP_FI)
    with session_scope(engine) as session:
        system = find_system(session, "sap-fi")
        assert system is not None and system.id is not None
        web = next(c.id for c in checks_of(session, [system.id])[system.id] if c.name == "web")
        assert web is not None
        for minutes, status in ((3, "up"), (1, "down"), (2, "up")):
            session.add(CheckResult(check_id=web, at=NOW - timedelta(minutes=minutes),
                                    status=status, duration_ms=12.5, level=0,
                                    message=f"{status} {minutes}"))  # fmt: skip
        for status in ("open", "closed"):
            session.add(Incident(system_id=system.id, check_id=web, status=status, level=0,
                                 title="web down", opened_at=NOW))  # fmt: skip

    shown = (await client.get("/api/v1/systems/sap-fi", headers=editor)).json()

    last = {check["name"]: check["last_result"] for check in shown["checks"]}
    assert last["db"] is None
    assert last["web"] == {
        "status": "down",
        "at": "2026-11-25T08:59:00Z",
        "duration_ms": 12.5,
        "message": "down 1",
    }
    assert shown["open_incidents"] == 1


async def test_replace_changes_the_system_and_its_checks(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await client.post("/api/v1/systems", headers=editor, json=SAP_FI)
    body = {**SAP_FI, "plain_name": "SAP", "checks": [SAP_FI["checks"][1]]}

    replaced = await client.put("/api/v1/systems/sap-fi", headers=editor, json=body)

    assert replaced.status_code == 200, replaced.text
    shown = (await client.get("/api/v1/systems/sap-fi", headers=editor)).json()
    assert shown["plain_name"] == "SAP"
    assert [check["name"] for check in shown["checks"]] == ["db"]


async def test_delete_removes_the_system(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    await client.post("/api/v1/systems", headers=editor, json=SAP_FI)

    deleted = await client.delete("/api/v1/systems/sap-fi", headers=editor)

    assert deleted.status_code == 204
    missing = await client.get("/api/v1/systems/sap-fi", headers=editor)
    assert missing.status_code == 404
    assert "sap-fi" in missing.json()["detail"]
    assert (await client.get("/api/v1/systems", headers=editor)).json() == []


async def test_creating_an_existing_name_is_409(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await client.post("/api/v1/systems", headers=editor, json=SAP_FI)

    again = await client.post("/api/v1/systems", headers=editor, json=SAP_FI)

    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "sap-fi" in again.json()["detail"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_site_managed_system_cannot_be_changed_here(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine, method: str
) -> None:
    add_site_system(engine)
    body = {"name": "hr", "plain_name": "HR"} if method == "PUT" else None

    response = await client.request(method, "/api/v1/systems/hr", headers=editor, json=body)

    assert response.status_code == 409
    assert "managed by the site file; change it there" in response.json()["detail"]
    shown = (await client.get("/api/v1/systems/hr", headers=editor)).json()
    assert (shown["plain_name"], shown["managed_by"]) == ("the HR system", "site")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_unknown_system_is_404_naming_it(
    client: httpx.AsyncClient, editor: dict[str, str], method: str
) -> None:
    body = {"name": "nope", "plain_name": "Nope"} if method == "PUT" else None

    response = await client.request(method, "/api/v1/systems/nope", headers=editor, json=body)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "'nope'" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SAP_FI, "name": "SAP FI"}, "body.name"),
        ({**SAP_FI, "plain_name": ""}, "body.plain_name"),
        ({**SAP_FI, "colour": "red"}, "body.colour"),
        (
            {**SAP_FI, "checks": [{"name": "web", "kind": "http", "url": "ftp://x"}]},
            "body.checks.0",
        ),
        ({**SAP_FI, "checks": [SAP_FI["checks"][0], SAP_FI["checks"][0]]}, "body.checks.1.name"),
        ({**SAP_FI, "policy": {"high": {"interval": "soon"}}}, "body.policy.high.interval"),
    ],
    ids=["bad-name", "empty-plain-name", "unknown-key", "bad-check", "twice", "bad-duration"],
)
async def test_invalid_system_is_422_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/systems", headers=editor, json=body)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"].startswith(field)
    assert (await client.get("/api/v1/systems", headers=editor)).json() == []


async def test_replace_with_another_name_in_the_body_is_422(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await client.post("/api/v1/systems", headers=editor, json=SAP_FI)

    response = await client.put(
        "/api/v1/systems/sap-fi", headers=editor, json={**SAP_FI, "name": "sap-co"}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "body.name"


async def test_reads_need_a_token_and_writes_the_editor_role(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    anonymous = await client.get("/api/v1/systems")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"

    for method, path in (("POST", ""), ("PUT", "/sap-fi"), ("DELETE", "/sap-fi")):
        body = SAP_FI if method != "DELETE" else None
        response = await client.request(method, f"/api/v1/systems{path}", headers=viewer, json=body)
        assert response.status_code == 403, (method, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def add_incidents(engine: Engine) -> list[int]:
    """sap-fi with an older closed incident of its web check and a newer open one of no check."""
    with session_scope(engine) as session:
        system = System(name="sap-fi", plain_name="SAP")
        save_system(session, system, SystemSpec.model_validate(SAP_FI), managed_by=SITE, now=NOW)
        assert system.id is not None
        web = next(c.id for c in checks_of(session, [system.id])[system.id] if c.name == "web")
        closed = Incident(system_id=system.id, check_id=web, status="closed", level=2,
                          title="web is down", opened_at=NOW - timedelta(hours=3),
                          closed_at=NOW - timedelta(hours=2))  # fmt: skip
        opened = Incident(system_id=system.id, check_id=None, status="open", level=3,
                          title="sap-fi is slow", opened_at=NOW - timedelta(minutes=10))  # fmt: skip
        session.add_all([closed, opened])
        session.flush()
        assert closed.id is not None and opened.id is not None
        session.add_all([
            IncidentEvent(incident_id=closed.id, at=NOW - timedelta(hours=2), kind="recovered",
                          message="answered 200"),
            IncidentEvent(incident_id=closed.id, at=NOW - timedelta(hours=3), kind="opened",
                          message="connection refused"),
            IncidentEvent(incident_id=opened.id, at=NOW - timedelta(minutes=10), kind="opened",
                          message="2.4 s, budget 1 s"),
        ])  # fmt: skip
        return [opened.id, closed.id]


async def test_incidents_newest_first_with_their_events(
    client: httpx.AsyncClient, viewer: dict[str, str], engine: Engine
) -> None:
    opened, closed = add_incidents(engine)

    everything = await client.get("/api/v1/incidents?status=all", headers=viewer)

    assert everything.status_code == 200, everything.text
    assert [incident["id"] for incident in everything.json()] == [opened, closed]
    older = everything.json()[1]
    assert older == {
        "id": closed,
        "system": "sap-fi",
        "check": "web",
        "status": "closed",
        "level": "high",
        "priority": "p4",  # never told to anyone, so never ranked
        "title": "web is down",
        "opened_at": "2026-11-25T06:00:00Z",
        "closed_at": "2026-11-25T07:00:00Z",
        "next_update_at": None,
        "events": [
            {"at": "2026-11-25T06:00:00Z", "kind": "opened", "message": "connection refused"},
            {"at": "2026-11-25T07:00:00Z", "kind": "recovered", "message": "answered 200"},
        ],
    }
    newer = everything.json()[0]
    assert (newer["check"], newer["level"], newer["closed_at"]) == (None, "critical", None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", ["open"]), ("?status=closed", ["closed"]), ("?status=all&limit=1", ["open"]),
     ("?status=all&system=sap-fi", ["open", "closed"]), ("?status=all&system=hr", [])],
)  # fmt: skip
async def test_incidents_filter_by_status_and_system(
    client: httpx.AsyncClient,
    viewer: dict[str, str],
    engine: Engine,
    query: str,
    expected: list[str],
) -> None:
    add_incidents(engine)

    response = await client.get(f"/api/v1/incidents{query}", headers=viewer)

    assert [incident["status"] for incident in response.json()] == expected


async def test_one_incident_and_an_unknown_one(
    client: httpx.AsyncClient, viewer: dict[str, str], engine: Engine
) -> None:
    opened, closed = add_incidents(engine)

    shown = await client.get(f"/api/v1/incidents/{closed}", headers=viewer)
    missing = await client.get(f"/api/v1/incidents/{opened + closed + 100}", headers=viewer)
    bad_status = await client.get("/api/v1/incidents?status=sometimes", headers=viewer)

    assert shown.json()["title"] == "web is down"
    assert len(shown.json()["events"]) == 2
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert bad_status.status_code == 422
    assert bad_status.json()["errors"][0]["field"] == "query.status"
    assert (await client.get("/api/v1/incidents")).status_code == 401
