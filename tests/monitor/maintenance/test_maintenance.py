"""Maintenance windows: refused over a critical period or its ramp, overridden only by an
admin with a reason, announced with an .ics, quiet for users while the work runs."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import icalendar
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from calendars import Level
from monitor.api import create_app
from monitor.checks.base import Outcome, Status
from monitor.cli import app as cli
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Incident, IncidentEvent, MaintenanceWindow, System
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.notices.compose import Composer
from monitor.paths import templates_dir
from monitor.roles import Role
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.outbox import DatabaseOutbox
from monitor.store.systems import sync_site
from monitor.watch.watcher import Watcher
from notifiers.channels.file import FileChannel
from notifiers.linter import lint_message
from notifiers.outbox import OutboxWorker
from notifiers.render import NoticeRenderer
from tests.conftest import NOW, make_token
from tests.monitor.samples import event, ics

SITE = load_site("""
systems:
  - name: sap-fi
    plain_name: the invoicing system
    checks: [{name: web, kind: tcp, host: 127.0.0.1, port: 9}]
audiences:
  - name: finance
    timezone: Europe/Berlin
    language: en
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Anna Schmidt, email: anna@example.com}]
    concerns: {systems: [sap-fi]}
  - name: buchhaltung
    timezone: Europe/Berlin
    language: de
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Jürgen Groß, email: juergen@example.com}]
  - name: warehouse
    timezone: Europe/Berlin
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Wim, email: wim@example.com}]
""")
# NOW is Wednesday 25 November 2026, 09:00 UTC. The closing runs 27 November to 2 December
# (all-day, Berlin), ramping up two working days before and down one day after.
CLOSING = event("close@acme", "Month-end closing", "20261127", "20261203",
                "X-CLOSEWATCH-SYSTEMS:sap-fi", "X-CLOSEWATCH-AUDIENCES:buchhaltung")  # fmt: skip
IN_THE_RAMP = {"start": "2026-11-26T21:00:00Z", "end": "2026-11-26T23:00:00Z"}
CLEAR = {
    "start": "2026-12-04T19:00:00Z",
    "end": "2026-12-04T21:00:00Z",
}  # Friday 20:00-22:00 Berlin


@pytest.fixture
async def site(client: httpx.AsyncClient, engine: Engine, editor: dict[str, str]) -> None:
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        sync_site_audiences(session, SITE, now=NOW)
    upload = await client.post("/api/v1/calendars", headers=editor, data={"name": "finance", "timezone": "Europe/Berlin"},
                               files={"file": ("closing.ics", ics(CLOSING), "text/calendar")})  # fmt: skip
    assert upload.status_code == 201, upload.text


def window(**times: str) -> dict[str, str]:
    return {"system": "sap-fi", "reason": "we install the yearly update", **times}


async def test_a_window_in_a_periods_ramp_is_refused_listing_the_period(
    client: httpx.AsyncClient, engine: Engine, editor: dict[str, str], site: None
) -> None:
    refused = await client.post("/api/v1/maintenance", headers=editor, json=window(**IN_THE_RAMP))

    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["field"] == "body.start"
    (collision,) = body["collisions"]
    assert collision.startswith(
        "Month-end closing (Fri 27 Nov 00:00 to Thu 3 Dec 00:00, Europe/Berlin"
    )
    assert "overlaps its ramp before" in collision
    assert "an admin" in body["detail"]
    with session_scope(engine) as session:
        assert session.execute(select(MaintenanceWindow)).first() is None


async def test_only_an_admin_overrides_and_the_reason_is_recorded(
    client: httpx.AsyncClient, engine: Engine, editor: dict[str, str], site: None
) -> None:
    admin = make_token(engine, Role.ADMIN)
    overriding = window(**IN_THE_RAMP, override_reason="the vendor's fix cannot wait")

    by_editor = await client.post("/api/v1/maintenance", headers=editor, json=overriding)
    by_admin = await client.post("/api/v1/maintenance", headers=admin, json=overriding)

    assert by_editor.status_code == 403 and by_editor.json()["field"] == "body.override_reason"
    assert by_admin.status_code == 201, by_admin.text
    stored = by_admin.json()
    assert stored["override_reason"] == "the vendor's fix cannot wait"
    assert "Month-end closing" in stored["collisions"][0]
    assert stored["created_by"].startswith("admin-")


async def test_a_clear_window_is_announced_to_the_audiences_concerned_and_cancelled_withdrawn(
    client: httpx.AsyncClient,
    engine: Engine,
    editor: dict[str, str],
    viewer: dict[str, str],
    site: None,
) -> None:
    planned = await client.post("/api/v1/maintenance", headers=editor, json=window(**CLEAR))

    assert planned.status_code == 201, planned.text
    assert planned.json()["override_reason"] == "" and planned.json()["announced_to"] == 2
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery.audience, Delivery.recipient_address, Delivery.due_at)
                               .where(Delivery.kind == "maintenance").order_by(Delivery.audience)).all()  # fmt: skip
    # finance names the system in its concerns; buchhaltung is named by a period on it; not the warehouse.
    # Two working days ahead, at 09:00 Berlin: Wednesday 2 December.
    assert [(a, r) for a, r, _due in rows] == [
        ("buchhaltung", "juergen@example.com"),
        ("finance", "anna@example.com"),
    ]
    assert {due for _a, _r, due in rows} == {datetime(2026, 12, 2, 8, 0, tzinfo=UTC)}
    listed = await client.get("/api/v1/maintenance", headers=viewer)
    assert [w["id"] for w in listed.json()] == [planned.json()["id"]]

    cancelled = await client.delete(f"/api/v1/maintenance/{planned.json()['id']}", headers=editor)

    assert cancelled.status_code == 204
    with session_scope(engine) as session:
        assert set(
            session.execute(select(Delivery.status).where(Delivery.kind == "maintenance")).scalars()
        ) == {"withdrawn"}
    assert (
        await client.delete(f"/api/v1/maintenance/{planned.json()['id']}", headers=editor)
    ).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2026-12-04T21:00:00Z", "end": "2026-12-04T19:00:00Z"}, "body.end"),
        ({"start": "2026-11-01T19:00:00Z", "end": "2026-11-01T21:00:00Z"}, "body.end"),
        ({"start": "2026-12-04T19:00:00", "end": "2026-12-04T21:00:00Z"}, "body.start"),
        ({**CLEAR, "system": "nope"}, "body.system"),
    ],
)
async def test_a_window_that_cannot_be_is_refused_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str], site: None, body: dict[str, str], field: str
) -> None:
    refused = await client.post("/api/v1/maintenance", headers=editor, json={**window(), **body})
    assert refused.status_code in (404, 422), refused.text
    assert refused.json()["field"] == field


async def test_the_announcement_carries_an_ics_and_passes_the_linter_in_both_languages(
    client: httpx.AsyncClient,
    engine: Engine,
    editor: dict[str, str],
    settings: Settings,
    site: None,
) -> None:
    assert (
        await client.post("/api/v1/maintenance", headers=editor, json=window(**CLEAR))
    ).status_code == 201
    at = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    folder = settings.data_dir / "outbox"
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: at
    )
    worker = OutboxWorker(
        DatabaseOutbox(engine), composer, {"email": FileChannel(folder)}, clock=lambda: at
    )

    assert await worker.drain() == 2

    for address, words in (
        ("anna@example.com", "from 20:00 until"),
        ("juergen@example.com", "von 20:00 Uhr bis"),
    ):
        message = _eml(folder, address)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert words in text and "we install the yearly update" in text
        assert lint_message(str(message["Subject"]), text, kind="maintenance") == []
        (invite,) = message.iter_attachments()
        assert invite.get_filename() == "maintenance.ics"
        parsed = icalendar.Calendar.from_ical(invite.get_payload(decode=True))
        (vevent,) = parsed.walk("VEVENT")
        assert vevent.decoded("DTSTART") == datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
        assert str(vevent["SUMMARY"]) == "Maintenance: the invoicing system"


def _eml(folder: Path, address: str) -> EmailMessage:
    for path in folder.glob("*.eml"):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(parsed["To"]):
            return parsed  # type: ignore[return-value]
    raise AssertionError(f"no message to {address}")


async def test_failures_during_maintenance_open_an_incident_for_it_only(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        session.add(MaintenanceWindow(system="sap-fi", start=NOW, end=NOW + timedelta(hours=2),
                                      reason="we install the yearly update", created_at=NOW))  # fmt: skip
    site = Site(SITE, "Europe/Berlin")
    watcher = Watcher(
        engine, settings, IntensityService(engine, site, lambda: NOW), Metrics(), lambda: NOW
    )
    told: list[tuple[str, int]] = []
    watcher.on_incident = lambda kind, incident_id, _planned, _at: told.append((kind, incident_id))  # type: ignore[func-returns-value]
    await watcher.reload()
    (planned,) = watcher.planned.values()
    assert planned.level == Level.NORMAL
    down = Outcome(Status.DOWN, 0.01, "connection refused")

    for minute in (10, 15, 20):  # normal: three failures in a row open an incident
        await watcher.record(planned, down, NOW + timedelta(minutes=minute))
    for minute in (130, 135, 140):  # after the window
        await watcher.record(planned, Outcome(Status.UP, 0.01), NOW + timedelta(minutes=minute - 5))
        await watcher.record(planned, down, NOW + timedelta(minutes=minute))
    for minute in (145, 150):
        await watcher.record(planned, down, NOW + timedelta(minutes=minute))

    with session_scope(engine) as session:
        incidents = list(session.execute(select(Incident).order_by(Incident.id)).scalars())
        kinds = list(
            session.execute(
                select(IncidentEvent.kind).where(IncidentEvent.incident_id == incidents[0].id)
            ).scalars()
        )
    assert len(incidents) == 2  # IT sees both
    assert "maintenance" in kinds
    # Users hear of the one after the window only.
    assert [entry for entry in told if entry[0] == "opened"] == [("opened", incidents[1].id)]


def test_the_command_line_plans_refuses_and_overrides(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: None
) -> None:
    monkeypatch.setattr("monitor.cli.maintenance.ready_engine", lambda _config: engine)
    monkeypatch.setenv("CLOSEWATCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CLOSEWATCH_TIMEZONE", "Europe/Berlin")
    monkeypatch.setattr("monitor.cli.common.now", lambda: NOW)
    monkeypatch.setattr("monitor.cli.maintenance.now", lambda: NOW)
    runner = CliRunner()
    args = ["maintenance", "plan", "sap-fi", "--from", "2026-11-26T22:00", "--to", "2026-11-27T00:00",
            "--reason", "we install the yearly update"]  # fmt: skip

    refused = runner.invoke(cli, args)
    approved = runner.invoke(cli, [*args, "--override", "the vendor's fix cannot wait"])
    listed = runner.invoke(cli, ["maintenance", "list"])

    assert refused.exit_code != 0
    assert "Month-end closing" in str(refused.exception) and "--override" not in str(
        refused.exception
    )
    assert approved.exit_code == 0, approved.output
    assert "approved over: Month-end closing" in approved.output
    assert "sap-fi  2026-11-26 22:00 to 2026-11-27 00:00" in listed.output


async def _sign_in(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    form = await client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    answer = await client.post(
        "/signin", data={"csrf": csrf.group(1), "token": headers["Authorization"][7:]}
    )
    assert answer.status_code == 303, answer.text
    page = await client.get("/maintenance")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def test_the_page_refuses_a_collision_lets_an_admin_approve_it_and_the_dashboard_draws_it(
    client: httpx.AsyncClient, engine: Engine, site: None
) -> None:
    csrf = await _sign_in(client, make_token(engine, Role.ADMIN))
    form = {"csrf": csrf, "system": "sap-fi", "start": "2026-11-26T22:00", "end": "2026-11-27T00:00",
            "reason": "we install the yearly update"}  # fmt: skip

    refused = await client.post("/maintenance", data=form)
    approved = await client.post(
        "/maintenance", data={**form, "override_reason": "the vendor's fix cannot wait"}
    )
    page = await client.get("/maintenance")
    dashboard = await client.get("/dashboard")

    assert refused.status_code == 409
    assert (
        "collides with critical periods of sap-fi" in refused.text
        and "Month-end closing (Fri 27 Nov" in refused.text
    )
    assert approved.status_code == 303 and approved.headers["location"].startswith(
        "/maintenance?planned="
    )
    assert "the vendor&#39;s fix cannot wait" in page.text and "Thu 26 Nov 2026, 22:00" in page.text
    assert "Maintenance: The invoicing system" in dashboard.text
    assert '<g class="bar level-maintenance">' in dashboard.text
    window_id = approved.headers["location"].rsplit("=", 1)[1]
    cancelled = await client.post(f"/maintenance/{window_id}/cancel", data={"csrf": csrf})
    assert cancelled.status_code == 303
    assert "No maintenance is planned." in (await client.get("/maintenance")).text


async def test_the_status_page_announces_a_window_and_shows_it_instead_of_a_problem(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    editor: dict[str, str],
    site: None,
) -> None:
    assert (
        await client.post("/api/v1/maintenance", headers=editor, json=window(**CLEAR))
    ).status_code == 201

    ahead = await client.get("/status")

    assert "Planned maintenance" in ahead.text
    assert (
        "The invoicing system</strong>: Friday, 4 December, 20:00 to 22:00. We install the yearly update."
        in ahead.text
    )
    during = datetime(2026, 12, 4, 19, 30, tzinfo=UTC)
    with session_scope(engine) as session:
        system_id = session.execute(select(System.id).where(System.name == "sap-fi")).scalar_one()
        session.add(
            Incident(
                system_id=system_id,
                status="open",
                level=0,
                title="sap-fi/web: refused",
                opened_at=during,
            )
        )
    app = create_app(settings, engine=engine, clock=lambda: during, migrate=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://closewatch.test"
    ) as later:
        now_page = await later.get("/status")
    assert "Planned maintenance until 22:00" in now_page.text
    assert (
        "not working properly" not in now_page.text
        and "Problems we are working on" not in now_page.text
    )


async def test_the_calendar_feed_includes_windows_when_asked(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], site: None
) -> None:
    assert (
        await client.post("/api/v1/maintenance", headers=editor, json=window(**CLEAR))
    ).status_code == 201

    plain = await client.get("/calendar.ics", headers=viewer)
    with_windows = await client.get("/calendar.ics", headers=viewer, params={"maintenance": "true"})

    assert "Maintenance" not in plain.text
    (event,) = [e for e in icalendar.Calendar.from_ical(with_windows.content).walk("VEVENT")
                if str(e["SUMMARY"]).startswith("Maintenance")]  # fmt: skip
    assert str(event["SUMMARY"]) == "Maintenance: the invoicing system"
    assert event.decoded("DTSTART") == datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
    assert "we install the yearly update" in str(event["DESCRIPTION"])
