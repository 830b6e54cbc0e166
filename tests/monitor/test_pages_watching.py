"""The pages that show the watching (dashboard cards, a system's page, the live numbers),
in-process with a pinned clock: what an IT lead reads there."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import Engine, insert, select

from monitor.db.engine import session_scope
from monitor.db.models import Check, CheckResult, Incident, System
from tests.conftest import NOW
from tests.monitor.samples import MONTH_END, ics

SAP = {"name": "sap-fi", "plain_name": "the finance and invoicing system",
       "checks": [{"name": "web", "kind": "http", "url": "http://sap.example/health"}]}  # fmt: skip


async def signed_in(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """Sign the client in with the token in ``headers``; the session's CSRF token."""
    form = await client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    secret = headers["Authorization"].removeprefix("Bearer ")
    answer = await client.post("/signin", data={"csrf": csrf.group(1), "token": secret})
    assert answer.status_code == 303
    page = await client.get("/dashboard")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def watched_sap(client: httpx.AsyncClient, editor: dict[str, str], engine: Engine) -> int:
    """sap-fi with one check, in its month-end ramp: nine answers and a failure in the last
    hour, and a failure 30 hours ago, outside the last 24 hours."""
    assert (await client.post("/api/v1/systems", headers=editor, json=SAP)).status_code == 201
    uploaded = await client.post("/api/v1/calendars", headers=editor, data={"name": "finance"},
                                 files={"file": ("close.ics", ics(MONTH_END), "text/calendar")})  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    with session_scope(engine) as session:
        check_id = session.execute(select(Check.id).where(Check.name == "web")).scalar_one()
        rows = [{"check_id": check_id, "at": NOW - timedelta(minutes=5 * n), "status": "up",
                 "duration_ms": 100.0 + n, "level": 1, "message": ""} for n in range(1, 10)]  # fmt: skip
        rows.append({"check_id": check_id, "at": NOW - timedelta(seconds=30), "status": "down",
                     "duration_ms": 5000.0, "level": 1, "message": "HTTP 503 (expected 200)"})  # fmt: skip
        rows.append({"check_id": check_id, "at": NOW - timedelta(hours=30), "status": "down",
                     "duration_ms": 1.0, "level": 0, "message": "refused"})  # fmt: skip
        session.execute(insert(CheckResult), rows)
    return int(check_id or 0)


async def test_dashboard_card_shows_each_checks_state_strip_and_availability(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    await watched_sap(client, editor, engine)
    await signed_in(client, editor)

    page = (await client.get("/dashboard")).text

    assert '<a href="/systems/sap-fi">The finance and invoicing system</a>' in page
    assert 'class="badge state-down" data-live="sap-fi/web/state">down</span>' in page
    # The last result, in the site's time (Europe/Berlin, UTC+1 in November), with its reason.
    assert "Last 09:59:30: down in 5000 ms (HTTP 503 (expected 200))" in page
    # The strip shows the latest results, whatever their age, and says so in words.
    assert 'role="img" aria-label="Last 11 results: 9 up, 2 down."' in page
    assert page.count('class="mark up"') == 9 and page.count('class="mark down"') == 2
    # Availability counts the last 24 hours only: 9 of 10 answered.
    assert 'Available <span data-live="sap-fi/web/day">90 %</span> over 24 h' in page
    assert "over this period" in page  # the month-end ramp raises it now
    assert "Checked every 2 min now; every 5 min normally." in page
    assert "(Europe/Berlin time)" in page


async def test_system_page_shows_answer_times_availability_incidents_and_periods(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    await watched_sap(client, editor, engine)
    with session_scope(engine) as session:
        system_id = session.execute(select(System.id).where(System.name == "sap-fi")).scalar_one()
        session.add(Incident(system_id=system_id, status="open", level=1, priority="p3",
                             title="sap-fi/web: HTTP 503 (expected 200)", opened_at=NOW,
                             public_line="The finance and invoicing system is slow."))  # fmt: skip
    await signed_in(client, editor)

    page = (await client.get("/systems/sap-fi")).text

    assert "<h1>The finance and invoicing system" in page
    assert "<strong>90 %</strong> available over the last 24 hours" in page
    assert "(10 results: 1 down, 0 degraded)" in page
    assert "median 105 ms" in page  # the answers, not the failures
    assert 'class="latency"' in page and "Median answer time of web" in page
    assert "Users were told: The finance and invoicing system is slow." in page
    assert "during Month-end closing" in page  # the period that raises it, ahead
    assert (await client.get("/systems/nope")).status_code == 404


async def test_live_numbers_need_a_session_and_follow_the_data(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    check_id = await watched_sap(client, editor, engine)
    assert (await client.get("/dashboard/live.json")).status_code == 401
    await signed_in(client, editor)

    before = (await client.get("/dashboard/live.json")).json()
    with session_scope(engine) as session:
        session.execute(insert(CheckResult), [{"check_id": check_id, "at": NOW, "status": "up",
                                              "duration_ms": 80.0, "level": 1, "message": ""}])  # fmt: skip
    after = (await client.get("/dashboard/live.json")).json()

    assert before["values"]["sap-fi/web/state"] == "down"
    assert after["values"]["sap-fi/web/state"] == "up"
    assert after["classes"]["sap-fi/web/state"] == "badge state-up"
    assert after["values"]["sap-fi/web/last"] == "Last 10:00:00: up in 80 ms"
    assert after["open"] == ""
    script = await client.get("/static/live.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )


async def test_before_any_calendar_the_dashboard_still_shows_the_checks(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    assert (await client.post("/api/v1/systems", headers=editor, json=SAP)).status_code == 201
    await signed_in(client, editor)

    page = (await client.get("/dashboard")).text

    assert "Start with a calendar" in page
    assert 'data-live="sap-fi/web/state">unknown</span>' in page and "Not checked yet" in page
    assert "Checked every 5 min, as normally." in page
