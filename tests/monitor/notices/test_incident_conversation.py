"""An incident told end to end: real failing target, real SMTP server, the real clock.

Incident opens during a critical period → the notice arrives with the next
update time in the reader's zone → nothing is posted → the update goes out on
its own at the promised time (and IT is told it was due) → the target
recovers → the resolved notice asks whether it works → "still a problem"
flags the incident and reaches IT.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine, select

from monitor.api import create_app
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Incident, IncidentEvent
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.notices.service import NoticeService
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.systems import sync_site
from monitor.watch.watcher import Watcher
from tests.monitor.samples import event, ics
from tests.monitor.watch.test_watcher import stamp, target
from tests.notifiers.smtp import SMTPServer

NEW_YORK = ZoneInfo("America/New_York")


def site_yaml(port: int) -> str:
    return f"""
ramps: {{default: {{before_working_days: 0, after_days: 0}}}}
policy:
  critical: {{interval: 200ms, failures: 2, response: 3s}}
systems:
  - name: billing
    plain_name: the invoicing system
    checks: [{{name: web, kind: http, url: "http://127.0.0.1:{port}/health", timeout: 2}}]
audiences:
  - name: finance
    timezone: America/New_York
    working_days: {{weekend: []}}
    contact: {{name: Dana Weber, email: dana@example.com}}
    members: [{{name: Anna Schmidt, email: anna@example.com}}]
"""


async def arrival(smtp: SMTPServer, kind: str, *, within: float) -> email.message.EmailMessage:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for received in smtp.received:
            message = received.message
            if message["X-Closewatch-Kind"] == kind:
                return message
        await asyncio.sleep(0.05)
    kinds = [r.message["X-Closewatch-Kind"] for r in smtp.received]
    pytest.fail(f"no {kind} notice within {within} s (arrived: {kinds})")


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


async def test_incident_update_kept_promise_resolution_and_still_a_problem(
    engine: Engine, settings: Settings
) -> None:
    now = datetime.now(UTC)
    async with SMTPServer() as smtp, target(status=500) as billing:
        settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                               "smtp_security": "none", "smtp_connections": 1})  # fmt: skip
        spec = load_site(site_yaml(billing.port))
        with session_scope(engine) as session:
            sync_site(session, spec, now=now)
            sync_site_audiences(session, spec, now=now)
        period = event("close@x", "Month-end closing", stamp(now - timedelta(hours=1)), stamp(now + timedelta(hours=2)),
                       "X-CLOSEWATCH-LEVEL:critical", "X-CLOSEWATCH-SYSTEMS:billing", "X-CLOSEWATCH-AUDIENCES:finance")  # fmt: skip
        import_calendar(
            engine,
            settings,
            ImportRequest(UploadedSource(name="finance", data=ics(period))),
            now=now,
        )
        site = Site(spec, default_timezone="Europe/Berlin")
        intensity = IntensityService(engine, site, lambda: datetime.now(UTC))
        metrics = Metrics()
        watcher = Watcher(engine, settings, intensity, metrics)
        notices = NoticeService(engine, settings, site, metrics, intensity=intensity, tick=0.2)
        watcher.on_incident = notices.incident_changed
        await watcher.start()
        await notices.start()
        try:
            told = await arrival(smtp, "incident", within=10)
            with session_scope(engine) as session:
                incident = session.execute(select(Incident)).scalar_one()
            promised = incident.next_update_at.astimezone(NEW_YORK)  # type: ignore[union-attr]
            assert told["To"] == "Anna Schmidt <anna@example.com>"
            assert "The invoicing system is not working as it should." in text_of(told)
            assert f"We'll write again by {promised:%H:%M}" in text_of(told)  # the reader's zone
            assert incident.priority == "p1"  # a critical period
            assert (
                metrics.registry.get_sample_value(
                    "closewatch_incidents_open",
                    {"system": "billing", "level": "critical", "priority": "p1"},
                )
                == 1
            )

            update = await arrival(
                smtp, "update", within=10
            )  # nobody posted: closewatch keeps the promise
            overdue = await arrival(smtp, "overdue", within=5)
            assert "still working on it" in text_of(update)
            assert (
                overdue["To"] == "Dana Weber <dana@example.com>"
                and "promised update was due" in overdue["Subject"]
            )
            assert (
                metrics.registry.get_sample_value(
                    "closewatch_update_promises_total", {"outcome": "kept_automatically"}
                )
                >= 1
            )

            billing.status = 200
            resolved = await arrival(smtp, "resolved", within=10)
            assert "The invoicing system is working normally again." in text_of(resolved)
            problem_link = next(
                line.split()[-1]
                for line in text_of(resolved).splitlines()
                if "still a problem" in line
            )
        finally:
            await notices.stop()
            await watcher.stop()

    app = create_app(settings, engine=engine, migrate=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        answer = await client.post(urlparse(problem_link).path, data={"answer": "problem"})
    assert answer.status_code == 200
    with session_scope(engine) as session:
        kinds = [
            e.kind
            for e in session.execute(select(IncidentEvent).order_by(IncidentEvent.id)).scalars()
        ]
        alert = session.execute(select(Delivery).where(Delivery.kind == "alert")).scalar_one()
    assert kinds[:2] == ["opened", "announced"]
    assert {"auto_update", "recovered", "resolved", "still_a_problem"} <= set(kinds)
    assert alert.recipient_address == "dana@example.com"  # the handler hears at once
