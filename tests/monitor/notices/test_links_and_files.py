"""From plan to .eml file, and the links in it: feedback, still a problem, unsubscribe."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import Engine, select

from monitor.api import create_app
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Feedback, Unsubscribe
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.notices.compose import Composer
from monitor.notices.sync import plan_and_sync
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.outbox import DatabaseOutbox
from monitor.store.systems import sync_site
from notifiers.channels.file import FileChannel
from notifiers.links import BadLink, Links
from notifiers.outbox import Claim, OutboxWorker
from notifiers.render import NoticeRenderer
from tests.conftest import NOW, PinnedClock
from tests.monitor.samples import event, ics, tampered

SITE = load_site("""
systems: [{name: sap-fi, plain_name: das Rechnungssystem}]
audiences:
  - name: finance
    timezone: Europe/Berlin
    language: de
    working_days: {weekend: []}
    contact: {name: Dana Weber, email: dana@example.com, phone: "+49 89 1234 567"}
    members: [{name: Anna Schmidt, email: anna@example.com}]
""")


async def send_heads_up(engine: Engine, settings: Settings) -> Path:
    """Plan a close starting tomorrow (its heads-up is due now) and deliver it as a file."""
    with session_scope(engine) as session:
        sync_site(session, SITE, now=NOW)
        sync_site_audiences(session, SITE, now=NOW)
    start = NOW + timedelta(days=1)
    close = event("close@x", "Monatsabschluss", f"{start:%Y%m%d}", f"{start + timedelta(days=3):%Y%m%d}",
                  "X-CLOSEWATCH-AUDIENCES:finance", "X-CLOSEWATCH-SYSTEMS:sap-fi")  # fmt: skip
    import_calendar(
        engine, settings, ImportRequest(UploadedSource(name="finance", data=ics(close))), now=NOW
    )
    plan_and_sync(engine, Site(SITE, "Europe/Berlin"), now=NOW, ahead=timedelta(days=30))
    files = FileChannel(settings.data_dir / "outbox")
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": files}, clock=lambda: NOW)
    assert await worker.drain() == 1
    (written,) = (settings.data_dir / "outbox").glob("*.eml")
    return written


def path_of(url: str) -> str:
    return urlparse(url).path


async def test_heads_up_arrives_as_a_german_multipart_email_with_its_links(
    engine: Engine, settings: Settings
) -> None:
    written = await send_heads_up(engine, settings)

    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert "Monatsabschluss" in message["Subject"]
    assert message["To"] == "Anna Schmidt <anna@example.com>"
    assert message["Reply-To"] == "dana@example.com"
    assert "Dana Weber" in message["From"]
    text = message.get_body(("plain",)).get_content()
    assert "das Rechnungssystem" in text and "Dana Weber" in text
    assert message["List-Unsubscribe"].startswith(f"<{settings.public_url}/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with session_scope(engine) as session:
        statuses = sorted(
            tuple(row) for row in session.execute(select(Delivery.kind, Delivery.status))
        )
    assert statuses == [
        ("heads_up", "sent"),
        ("period_report", "pending"),
        ("wrap_up", "pending"),
    ]  # the wrap-up (and the IT contact's report with it) waits for the end


async def test_one_click_unsubscribe_stops_the_next_notice(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    written = await send_heads_up(engine, settings)
    link = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)[
        "List-Unsubscribe"
    ][1:-1]

    shown = await client.get(path_of(link))
    done = await client.post(path_of(link), content=b"List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip

    # The reader's audience reads German: so do the pages its links open.
    assert shown.status_code == 200 and "Keine Hinweise mehr erhalten?" in shown.text
    assert done.status_code == 200 and "Sie sind abgemeldet" in done.text
    with session_scope(engine) as session:
        assert session.execute(select(Unsubscribe.recipient_address)).scalars().all() == [
            "anna@example.com"
        ]
        wrap_up = session.execute(select(Delivery).where(Delivery.kind == "wrap_up")).scalar_one()
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )

    claim = Claim(wrap_up.id or 0, wrap_up.dedupe_key, "wrap_up", "email", "finance", "Anna Schmidt",
                  "anna@example.com", wrap_up.occurrence_id, None, 1, NOW)  # fmt: skip
    assert composer.compose(claim) is None  # the outbox withdraws it instead of sending


async def test_still_a_problem_is_stored_and_sent_on_to_the_it_contact(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    await send_heads_up(engine, settings)
    with session_scope(engine) as session:
        key = session.execute(
            select(Delivery.dedupe_key).where(Delivery.status == "sent")
        ).scalar_one()
    link = Links(settings.signing_key(), settings.public_url).feedback(key, "problem")

    page = await client.get(path_of(link))
    answered = await client.post(
        path_of(link), data={"answer": "problem", "comment": "Die Rechnungen hängen."}
    )

    assert page.status_code == 200 and "Klappt es noch nicht?" in page.text
    assert answered.status_code == 200 and "Dana Weber weiß jetzt" in answered.text
    with session_scope(engine) as session:
        (feedback,) = session.execute(select(Feedback)).scalars().all()
        alert = session.execute(select(Delivery).where(Delivery.kind == "alert")).scalar_one()
    assert (feedback.answer, feedback.comment, feedback.audience) == (
        "problem",
        "Die Rechnungen hängen.",
        "finance",
    )
    assert (alert.recipient_address, alert.status) == ("dana@example.com", "pending")
    assert alert.due_at <= NOW  # due at once, by the app's clock

    files = FileChannel(settings.data_dir / "alerts")
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": files}, clock=lambda: NOW)
    assert await worker.drain() >= 1
    (sent,) = (settings.data_dir / "alerts").glob("*.eml")
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("Still a problem: Monatsabschluss")
    assert message["Reply-To"] == "anna@example.com"
    assert "Die Rechnungen hängen." in message.get_content()


@pytest.mark.parametrize(
    ("language", "lang", "heading"),
    [
        ("de-CH", "de-CH", "Keine Hinweise mehr erhalten?"),  # the German pages, Swiss-marked
        ("fr", "en", "Stop these notices?"),  # no French pages: English, and marked so
        ("en", "en", "Stop these notices?"),
    ],
)
async def test_a_link_opens_its_page_in_the_readers_language(
    client: httpx.AsyncClient, engine: Engine, settings: Settings, language: str, lang: str,
    heading: str,
) -> None:  # fmt: skip
    site = load_site(f"""
audiences:
  - name: readers
    timezone: Europe/Zurich
    language: {language}
    contact: {{name: Dana Weber, email: dana@example.com}}
    members: [{{name: Anna Schmidt, email: anna@example.com}}]
""")
    with session_scope(engine) as session:
        sync_site_audiences(session, site, now=NOW)
    link = Links(settings.signing_key(), settings.public_url).unsubscribe(
        "readers", "anna@example.com"
    )

    page = await client.get(path_of(link))

    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert f"<h1>{heading}</h1>" in page.text


async def test_an_edited_link_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    link = Links(settings.signing_key(), settings.public_url).feedback("any/key", "sorted")
    edited = tampered(path_of(link))

    response = await client.post(edited, data={"answer": "sorted"})

    assert response.status_code == 400 and "This link does not work" in response.text
    with session_scope(engine) as session:
        assert session.execute(select(Feedback)).first() is None


async def test_links_in_a_preview_work_for_nobody(engine: Engine, settings: Settings) -> None:
    await send_heads_up(engine, settings)
    with session_scope(engine) as session:
        sent = session.execute(select(Delivery).where(Delivery.status == "sent")).scalar_one()

    claim = Claim(0, sent.dedupe_key, "heads_up", "email", "finance", "Anna Schmidt", "anna@example.com",
                  sent.occurrence_id, None, 1, NOW)  # fmt: skip
    renderer = NoticeRenderer(templates_dir() / "notices")
    preview = Composer(engine, settings, renderer, preview=True, clock=lambda: NOW).compose(claim)

    assert preview is not None and preview.unsubscribe_url
    real = Links(settings.signing_key(), settings.public_url)
    token = preview.unsubscribe_url.rsplit("/", 1)[1]
    with pytest.raises(BadLink):
        real.read_unsubscribe(token)


async def test_one_answer_per_link_and_still_a_problem_reaches_it_at_most_hourly(
    engine: Engine, settings: Settings
) -> None:
    await send_heads_up(engine, settings)
    with session_scope(engine) as session:
        key = session.execute(
            select(Delivery.dedupe_key).where(Delivery.status == "sent")
        ).scalar_one()
    link = path_of(Links(settings.signing_key(), settings.public_url).feedback(key, "problem"))
    clock = PinnedClock(NOW)
    app = create_app(settings, engine=engine, clock=clock, migrate=False)
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        for minutes, answer, comment in ((0, "problem", "Hängt."), (10, "sorted", "Geht."),
                                         (20, "problem", "Hängt wieder."), (61, "problem", "Immer noch.")):  # fmt: skip
            clock.now = NOW + timedelta(minutes=minutes)
            answered = await client.post(link, data={"answer": answer, "comment": comment})
            assert answered.status_code == 200

    with session_scope(engine) as session:
        answers = session.execute(select(Feedback.answer, Feedback.comment, Feedback.at)).all()
        alerts = session.execute(
            select(Delivery.recipient_address, Delivery.due_at).where(Delivery.kind == "alert")
        ).all()
    assert answers == [("problem", "Immer noch.", NOW + timedelta(minutes=61))]
    # The first press at 0 and the one an hour later; the press at 20 minutes was within the hour.
    assert sorted(alerts) == [
        ("dana@example.com", NOW),
        ("dana@example.com", NOW + timedelta(minutes=61)),
    ]


async def test_a_comment_loses_control_characters_a_nul_included(
    client: httpx.AsyncClient, engine: Engine, settings: Settings
) -> None:
    await send_heads_up(engine, settings)
    with session_scope(engine) as session:
        key = session.execute(
            select(Delivery.dedupe_key).where(Delivery.status == "sent")
        ).scalar_one()
    link = Links(settings.signing_key(), settings.public_url).feedback(key, "problem")

    answered = await client.post(
        path_of(link), data={"answer": "problem", "comment": "Hängt\x00 immer\x07 noch.\nSeit 9."}
    )

    assert answered.status_code == 200  # on PostgreSQL a NUL would fail the insert
    with session_scope(engine) as session:
        (feedback,) = session.execute(select(Feedback)).scalars().all()
    assert feedback.comment == "Hängt immer noch.\nSeit 9."
