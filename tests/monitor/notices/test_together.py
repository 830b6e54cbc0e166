"""One message per person per moment, through the outbox into the .eml folder.

Two periods whose heads-ups fall due to the same reader in the same minute arrive
as one message naming both; it is sent once however often the outbox runs, its
Message-ID comes from a dedupe key covering both parts, and a part withdrawn
before the moment leaves the other to go out alone, rendered without it.
"""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import Delivery
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.notices.compose import Composer
from monitor.notices.sync import plan_and_sync
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.outbox import DatabaseOutbox
from monitor.store.systems import sync_site
from notifiers.channels.base import DeliveryError
from notifiers.channels.file import FileChannel
from notifiers.message import Message
from notifiers.mime import dedupe_digest
from notifiers.outbox import OutboxWorker
from notifiers.render import NoticeRenderer, TemplateSet
from tests.conftest import NOW
from tests.monitor.samples import event, ics

SITE = load_site("""
systems: [{name: sap-fi, plain_name: the invoicing system}, {name: hr, plain_name: the payroll system}]
audiences:
  - name: finance
    timezone: Europe/Berlin
    working_days: {weekend: []}
    contact: {name: Dana Weber, email: dana@example.com}
    members:
      - {name: Anna Schmidt, email: anna@example.com}
      - {name: Ben Braun, email: ben@example.com}
""")
START = NOW + timedelta(days=1)  # the heads-ups are late, so both are due now


def period(uid: str, title: str, category: str, system: str) -> str:
    return event(uid, title, f"{START:%Y%m%d}", f"{START + timedelta(days=2):%Y%m%d}",
                 f"X-CLOSEWATCH-CATEGORY:{category}", f"X-CLOSEWATCH-SYSTEMS:{system}",
                 "X-CLOSEWATCH-AUDIENCES:finance")  # fmt: skip


CLOSE = period("close@x", "November closing", "month_end_close", "sap-fi")
PAYROLL = period("pay@x", "December payroll", "payroll", "hr")


def plan(engine: Engine, settings: Settings, *events: str) -> None:
    import_calendar(
        engine, settings, ImportRequest(UploadedSource(name="finance", data=ics(*events))), now=NOW
    )
    plan_and_sync(engine, Site(SITE, "Europe/Berlin"), now=NOW, ahead=timedelta(days=30))


async def drain(engine: Engine, settings: Settings) -> int:
    """The outbox, one claim a batch: the moment's other notices come along anyway."""
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": FileChannel(outbox(settings))},
                          clock=lambda: NOW, batch=1, compose_together=composer.together)  # fmt: skip
    return await worker.drain()


def outbox(settings: Settings) -> Path:
    return settings.data_dir / "outbox"


def received(settings: Settings, address: str) -> list[email.message.EmailMessage]:
    found = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox(settings).glob("*.eml"))
    ]
    return [message for message in found if address in message["To"]]


def text_of(message: email.message.EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def heads_ups(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        return sorted(
            (address, status, key)
            for address, status, key in session.execute(
                select(
                    col(Delivery.recipient_address), col(Delivery.status), col(Delivery.dedupe_key)
                ).where(col(Delivery.kind) == "heads_up")
            )
        )


async def test_two_heads_ups_due_at_one_moment_arrive_as_one_message_naming_both(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        sync_site_audiences(session, SITE, now=NOW)
    plan(engine, settings, CLOSE, PAYROLL)

    await drain(engine, settings)
    again = await drain(engine, settings)

    (message,) = received(settings, "anna@example.com")
    text = text_of(message)
    assert message["Subject"] == "Month-end closing and the payroll run: IT is standing by"
    assert "Month-end closing starts on" in text and "The payroll run starts on" in text
    assert "the invoicing system" in text and "the payroll system" in text
    assert text.count("Hello Anna Schmidt") == 1 and text.count("Dana Weber, IT") == 1
    assert message["X-Closewatch-Kind"] == "heads_up"
    anna = [key for address, _, key in heads_ups(engine) if address == "anna@example.com"]
    assert message["Message-ID"].startswith(f"<{dedupe_digest('+'.join(sorted(anna)))}@")
    assert len(received(settings, "ben@example.com")) == 1  # each reader gets their own
    assert {status for _, status, _ in heads_ups(engine)} == {"sent"}
    assert again == 0  # sent once, however often the outbox runs
    plan(engine, settings, CLOSE, PAYROLL)
    assert await drain(engine, settings) == 0


async def test_a_part_withdrawn_before_the_moment_leaves_the_other_alone(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        sync_site_audiences(session, SITE, now=NOW)
    plan(engine, settings, CLOSE, PAYROLL)
    plan(engine, settings, CLOSE)  # the payroll run is cancelled before anything went out

    await drain(engine, settings)

    (message,) = received(settings, "anna@example.com")
    text = text_of(message)
    assert message["Subject"].startswith("Month-end closing from ")
    assert "payroll" not in text.lower()
    (close_key,) = [
        key for address, status, key in heads_ups(engine)
        if address == "anna@example.com" and status == "sent"
    ]  # fmt: skip
    assert message["Message-ID"].startswith(f"<{dedupe_digest(close_key)}@")  # its own key
    assert sorted(status for _, status, _ in heads_ups(engine)) == [
        "sent", "sent", "withdrawn", "withdrawn"
    ]  # fmt: skip


class Unreachable:
    """A mail server that does not answer: a temporary failure."""

    name = "email"

    def __init__(self) -> None:
        self.tried: list[str] = []

    async def send(self, message: Message) -> None:
        self.tried.append(message.dedupe_key)
        raise DeliveryError("the server did not answer")

    async def close(self) -> None:
        pass


async def test_the_parts_of_one_message_fail_and_are_tried_again_together(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        sync_site_audiences(session, SITE, now=NOW)
    plan(engine, settings, CLOSE, PAYROLL)
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )
    server = Unreachable()
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": server}, clock=lambda: NOW,
                          compose_together=composer.together)  # fmt: skip

    await worker.run_once()

    assert len(server.tried) == 2  # one message for each reader, not one per notice
    with session_scope(engine) as session:
        rows = session.execute(
            select(col(Delivery.recipient_address), col(Delivery.status), col(Delivery.due_at),
                   col(Delivery.last_error))
            .where(col(Delivery.kind) == "heads_up")
        ).all()  # fmt: skip
    for address in ("anna@example.com", "ben@example.com"):
        mine = {(status, due, error) for who, status, due, error in rows if who == address}
        (only,) = mine  # both parts: pending again, at the same moment, for the same reason
        assert only[0] == "pending" and only[1] > NOW and "did not answer" in only[2]


async def test_an_audiences_own_template_keeps_its_notices_apart(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        sync_site_audiences(session, SITE, now=NOW)
    plan(engine, settings, CLOSE, PAYROLL)
    own = TemplateSet(
        subject="Coming up: {{ period.category_label }}",
        text="{{ period.category_label|capfirst }} starts soon.\n{{ contact.name }}",
        html="<p>{{ period.category_label|capfirst }} starts soon.</p>",
    )
    renderer = NoticeRenderer(
        templates_dir() / "notices", {("finance", None, "heads_up", "en"): own}
    )
    composer = Composer(engine, settings, renderer, clock=lambda: NOW)
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": FileChannel(outbox(settings))},
                          clock=lambda: NOW, compose_together=composer.together)  # fmt: skip

    await worker.drain()

    subjects = sorted(message["Subject"] for message in received(settings, "anna@example.com"))
    assert subjects == ["Coming up: month-end closing", "Coming up: the payroll run"]
