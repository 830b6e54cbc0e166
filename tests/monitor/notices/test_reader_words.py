"""Notices in the reader's words: plain names per language, the present tense during a
period, closewatch's own incident sentences translated, the work an incident holds up."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
from sqlalchemy import Engine, select
from sqlmodel import col

from calendars import Level
from monitor.db.engine import session_scope
from monitor.db.models import Incident, Occurrence, System
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.notices.compose import Composer
from monitor.notices.incidents import announce, resolve_recovered
from monitor.notices.sync import plan_and_sync
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.outbox import DatabaseOutbox
from monitor.store.systems import sync_site
from notifiers.channels.file import FileChannel
from notifiers.links import Links
from notifiers.outbox import OutboxWorker
from notifiers.render import NoticeRenderer
from tests.conftest import NOW
from tests.monitor.samples import event, ics

SITE = load_site("""
systems:
  - name: sap-fi
    plain_name: the invoicing system
    plain_names: {de: das Rechnungssystem, de-CH: das Fakturasystem}
audiences:
  - name: finanz
    timezone: Europe/Berlin
    language: de
    working_days: {weekend: []}
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Anna Schmidt, email: anna@example.com}]
""")


def prepare(engine: Engine, settings: Settings, *, starts_in: timedelta) -> None:
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        sync_site_audiences(session, SITE, now=NOW)
    start = NOW + starts_in
    close = event("close@x", "Monatsabschluss", f"{start:%Y%m%d}", f"{start + timedelta(days=3):%Y%m%d}",
                  "X-CLOSEWATCH-AUDIENCES:finanz", "X-CLOSEWATCH-SYSTEMS:sap-fi",
                  "X-CLOSEWATCH-CATEGORY:month_end_close")  # fmt: skip
    import_calendar(
        engine, settings, ImportRequest(UploadedSource(name="finance", data=ics(close))), now=NOW
    )


async def deliver(
    engine: Engine, settings: Settings, at: datetime = NOW
) -> list[email.message.EmailMessage]:
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: at
    )
    outbox = settings.data_dir / "outbox"
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": FileChannel(outbox)},
                          clock=lambda: at)  # fmt: skip
    await worker.drain()
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(Path(outbox).glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    ]


def text_of(message: email.message.EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def test_a_heads_up_sent_during_the_period_speaks_german_names_in_the_present(
    engine: Engine, settings: Settings
) -> None:
    prepare(engine, settings, starts_in=-timedelta(days=1))  # uploaded on the second day
    plan_and_sync(engine, Site(SITE, "Europe/Berlin"), now=NOW, ahead=timedelta(days=30))

    (heads_up,) = await deliver(engine, settings)

    text = text_of(heads_up)
    assert "seit Dienstag, 24. November ist bei Ihnen Monatsabschluss" in text
    assert "behalten wir dieses System jetzt besonders genau im Blick: das Rechnungssystem." in text
    assert "invoicing" not in text
    assert (
        heads_up["Subject"] == "Monatsabschluss bis Donnerstag, 26. November: Die IT ist für Sie da"
    )


async def test_an_incident_for_german_readers_is_told_in_german_naming_the_work(
    engine: Engine, settings: Settings
) -> None:
    prepare(engine, settings, starts_in=-timedelta(days=1))
    with session_scope(engine) as session:
        system_id = session.execute(
            select(col(System.id)).where(col(System.name) == "sap-fi")
        ).scalar_one()
        occurrence_id = session.execute(select(col(Occurrence.id))).scalar_one()
        incident = Incident(system_id=system_id, status="open", level=int(Level.HIGH),
                            title="sap-fi/web: HTTP 500", opened_at=NOW)  # fmt: skip
        session.add(incident)
        session.flush()
        incident_id = incident.id or 0
    announce(engine, incident_id, level=Level.HIGH, occurrence_ids=[occurrence_id],
             response_minutes=60, now=NOW)  # fmt: skip
    (told,) = await deliver(engine, settings)
    resolve_recovered(engine, incident_id, now=NOW + timedelta(minutes=20))
    told_again = await deliver(engine, settings, NOW + timedelta(minutes=20))

    text = text_of(told)
    assert "Das Rechnungssystem funktioniert gerade nicht richtig." in text
    assert "Das betrifft den Monatsabschluss." in text
    assert "Uhr" in told["Subject"] and len(told["Subject"]) <= 78
    resolved = next(message for message in told_again if message["X-Closewatch-Kind"] == "resolved")
    assert "Das Rechnungssystem läuft wieder normal." in text_of(resolved)
    assert "Sie können dort weitermachen, wo Sie aufgehört haben." in text_of(resolved)
    assert resolved["Subject"] == "Behoben: das Rechnungssystem \u2013 klappt es bei Ihnen wieder?"
    with session_scope(engine) as session:  # IT and the API keep the stored English words
        stored = session.get(Incident, incident_id)
        assert (
            stored is not None
            and stored.public_line == "The invoicing system is not working as it should."
        )


async def test_plain_names_per_language_through_the_api(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    body = {"name": "wms", "plain_name": "the warehouse system",
            "plain_names": {"de": "das Lagersystem", "de-CH": "das Lagerverwaltungssystem"}}  # fmt: skip
    headers = editor

    created = await client.post("/api/v1/systems", json=body, headers=headers)
    refused = await client.post(
        "/api/v1/systems",
        json={**body, "name": "wms2", "plain_names": {"zz": "x"}},
        headers=headers,
    )

    assert created.status_code == 201, created.text
    assert created.json()["plain_names"] == body["plain_names"]
    assert refused.status_code == 422
    assert "plain_names" in refused.json()["detail"] and "zz" in refused.json()["detail"]


async def test_the_unsubscribe_page_names_the_group_in_plain_words(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    site = load_site("""
audiences:
  - {name: ops-nz, label: the operations team in Auckland, timezone: Pacific/Auckland,
     contact: {name: Dana Weber, email: dana@example.com}}
  - {name: fin-7, timezone: Europe/Berlin, contact: {name: Dana Weber, email: dana@example.com}}
""")
    with session_scope(engine) as session:
        sync_site_audiences(session, site, now=NOW)
    links = Links(settings.signing_key(), settings.public_url)

    labelled = await client.get(urlparse(links.unsubscribe("ops-nz", "a@example.com")).path)
    unlabelled = await client.get(urlparse(links.unsubscribe("fin-7", "a@example.com")).path)
    done = await client.post(urlparse(links.unsubscribe("ops-nz", "a@example.com")).path)

    assert "busy periods for the operations team in Auckland" in labelled.text
    assert "busy periods at work" in unlabelled.text
    assert "no more of these notices for the operations team in Auckland" in done.text
    for page in (labelled, unlabelled, done):
        assert "ops-nz" not in page.text and "fin-7" not in page.text
