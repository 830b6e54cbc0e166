"""The public problem-report form: the page, what is stored, what the helpdesk receives."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select, update

from monitor.api.routes_report import REFERENCE_CHARACTERS, clean
from monitor.db.engine import session_scope
from monitor.db.models import Calendar, Delivery, Period, ProblemReport, System
from monitor.notices.compose import Composer
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.store.outbox import DatabaseOutbox
from notifiers.channels.file import FileChannel
from notifiers.outbox import OutboxWorker
from notifiers.render import NoticeRenderer
from tests.conftest import NOW
from tests.monitor.samples import event, ics

HELPDESK = "helpdesk@example.com"
ANSWERS = {
    "doing": "Posting the supplier invoices for November",
    "seen": "The screen froze, then: Document could not be posted",
    "since": "since 8:30 this morning",
    "name": "Anna Schmidt",
    "contact": "anna@example.com",
}
# A month-end closing on now (NOW is 2026-11-25 09:00 UTC) that concerns sap-fi.
CLOSING_NOW = event("close@acme", "Month-end closing November", "20261124", "20261128",
                    "CATEGORIES:month_end_close", "X-CLOSEWATCH-SYSTEMS:sap-fi")  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, timezone="Europe/Berlin", helpdesk=HELPDESK)


@pytest.fixture
def invoicing(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(System(name="sap-fi", plain_name="the invoicing system"))


def reports(engine: Engine) -> list[ProblemReport]:
    with session_scope(engine) as session:
        return list(session.execute(select(ProblemReport)).scalars())


def deliveries(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as session:
        return list(session.execute(select(Delivery)).scalars())


async def test_form_asks_the_three_questions_with_plain_system_names_only(
    client: httpx.AsyncClient, invoicing: None
) -> None:
    page = await client.get("/report")

    assert page.status_code == 200
    for question in ("What were you doing?", "What did you see?", "Since when?"):
        assert question in page.text
    for field in ("doing", "seen", "since", "system", "name", "contact"):
        assert f'<label for="{field}">' in page.text and f'id="{field}"' in page.text
    assert "<fieldset>" in page.text and "<legend>" in page.text
    assert "The exact message, if there was one." in page.text
    assert "the invoicing system" in page.text
    assert "sap-fi" not in page.text
    assert "IT knows this is" not in page.text  # nothing critical on now


async def test_a_report_is_stored_with_a_reference_and_queued_for_the_helpdesk(
    client: httpx.AsyncClient, engine: Engine, invoicing: None
) -> None:
    response = await client.post("/report", data={**ANSWERS, "system": "the invoicing system"})

    assert response.status_code == 200
    (report,) = reports(engine)
    assert report.reference.startswith("CW-") and len(report.reference) == 9
    assert set(report.reference[3:]) <= set(REFERENCE_CHARACTERS)
    assert f"Your reference is <strong>{report.reference}</strong>. Quote it if you call IT." in (
        response.text
    )
    assert (report.doing, report.seen, report.since) == (
        ANSWERS["doing"],
        ANSWERS["seen"],
        ANSWERS["since"],
    )
    assert (report.name, report.contact, report.system) == (
        "Anna Schmidt",
        "anna@example.com",
        "the invoicing system",
    )
    assert report.critical_period == "" and report.at == NOW and report.client
    (delivery,) = deliveries(engine)
    assert (delivery.kind, delivery.channel, delivery.audience, delivery.recipient_address) == (
        "report",
        "email",
        "helpdesk",
        HELPDESK,
    )
    assert (delivery.status, delivery.due_at, delivery.dedupe_key) == (
        "pending",
        NOW,
        f"report/{report.id}",
    )


async def test_the_helpdesk_receives_the_three_answers_and_the_reference(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    await client.post("/report", data=ANSWERS)
    (report,) = reports(engine)

    files = FileChannel(settings.data_dir / "outbox")
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": files}, clock=lambda: NOW)
    assert await worker.drain() == 1

    (written,) = (settings.data_dir / "outbox").glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == (
        f"Problem report {report.reference}: no system named — no critical period"
    )
    assert message["To"] == f"Helpdesk <{HELPDESK}>"
    assert message["Reply-To"] == "anna@example.com"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    for answer in ANSWERS.values():
        assert answer in body
    assert report.reference in body
    assert [d.status for d in deliveries(engine)] == ["sent"]


async def test_a_chat_helpdesk_gets_the_report_through_the_chat_channel(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    settings.helpdesk = "mmost://chat.example.com/abcdef"

    await client.post("/report", data=ANSWERS)

    (delivery,) = deliveries(engine)
    assert (delivery.channel, delivery.recipient_address) == ("chat", settings.helpdesk)


async def test_without_a_helpdesk_the_report_is_still_stored(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    settings.helpdesk = None

    response = await client.post("/report", data=ANSWERS)

    assert response.status_code == 200 and "Your reference is" in response.text
    assert len(reports(engine)) == 1 and deliveries(engine) == []


async def test_what_the_reporter_typed_is_shown_escaped(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    typed = '<script>alert("x")</script>'

    response = await client.post("/report", data={**ANSWERS, "seen": typed, "name": typed})

    assert response.status_code == 200
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    assert reports(engine)[0].seen == typed  # stored as typed, escaped only when shown


async def test_missing_answers_are_named_and_nothing_is_stored(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    response = await client.post(
        "/report", data={**ANSWERS, "seen": "  ", "since": "", "doing": "<b>closing</b>"}
    )

    assert response.status_code == 400
    assert "Please answer these questions too:" in response.text
    assert '<a href="#seen">What did you see?</a>' in response.text
    assert '<a href="#since">Since when?</a>' in response.text
    assert '<a href="#doing">' not in response.text
    assert "&lt;b&gt;closing&lt;/b&gt;</textarea>" in response.text  # kept, escaped
    assert reports(engine) == [] and deliveries(engine) == []


async def test_the_sixth_report_within_ten_minutes_is_refused(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    for _ in range(5):
        assert (await client.post("/report", data=ANSWERS)).status_code == 200

    sixth = await client.post("/report", data=ANSWERS)

    assert sixth.status_code == 429
    assert "Please wait a little" in sixth.text and "call IT" in sixth.text
    assert len(reports(engine)) == 5 and len(deliveries(engine)) == 5


async def test_during_a_critical_period_the_page_says_so_and_the_report_carries_it(
    client: httpx.AsyncClient, engine: Engine, editor: dict[str, str], invoicing: None
) -> None:
    uploaded = await client.post("/api/v1/calendars", headers=editor, data={"name": "finance"},
                                 files={"file": ("closing.ics", ics(CLOSING_NOW))})  # fmt: skip
    assert uploaded.status_code in (200, 201)

    page = await client.get("/report")
    sent = await client.post("/report", data={**ANSWERS, "system": "the invoicing system"})

    expected = "IT knows this is month-end closing: reports about it are handled first."
    assert expected in page.text and expected in sent.text
    assert "sap-fi" not in page.text and "finance" not in page.text
    (report,) = reports(engine)
    assert report.critical_period == "Month-end closing November"
    assert report.system == "the invoicing system"


async def test_a_system_not_in_the_list_is_left_out(
    client: httpx.AsyncClient, engine: Engine, invoicing: None
) -> None:
    await client.post("/report", data={**ANSWERS, "system": "sap-fi"})

    assert reports(engine)[0].system == ""


def test_control_characters_are_stripped_and_answers_capped() -> None:
    assert clean("a\x00b\x1bc\u202ed", 100, lines=False) == "abcd"
    assert clean("one\r\ntwo\x07", 100, lines=True) == "one\ntwo"
    assert clean("one\ntwo", 100, lines=False) == "one two"
    assert clean("x" * 300, 200, lines=False) == "x" * 200
    assert clean(None, 10, lines=False) == ""


async def test_a_title_stored_with_control_characters_does_not_reach_the_helpdesk(
    client: httpx.AsyncClient, engine: Engine, editor: dict[str, str], invoicing: None
) -> None:
    uploaded = await client.post("/api/v1/calendars", headers=editor, data={"name": "finance"},
                                 files={"file": ("closing.ics", ics(CLOSING_NOW))})  # fmt: skip
    assert uploaded.status_code in (200, 201)
    with session_scope(engine) as session:  # as an older closewatch stored it
        session.execute(update(Period).values(title="Month-end\x07 closing\x1b[2J"))
        session.execute(update(Calendar).values(updated_at=NOW + timedelta(seconds=1)))

    await client.post("/report", data={**ANSWERS, "system": "the invoicing system"})

    (report,) = reports(engine)
    assert report.critical_period == "Month-end closing[2J"
