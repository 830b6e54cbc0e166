"""Notices people choose: the form, the limits, the confirmation, leaving again.

In-process, on both databases; the served end-to-end run with a real SMTP server is
in ``test_subscriptions_served.py``.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage

import httpx
import pytest
from sqlalchemy import Engine, func, select

from monitor.api import create_app
from monitor.db.engine import session_scope
from monitor.db.models import Audience, Delivery, Subscriber, SubscriberRequest, Unsubscribe
from monitor.notices.compose import Composer
from monitor.notices.sync import current_plan
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import AudienceSpec, Site, SiteFile, load_site
from monitor.store.outbox import DatabaseOutbox
from notifiers.channels.file import FileChannel
from notifiers.links import Links
from notifiers.linter import lint_message
from notifiers.outbox import OutboxWorker
from notifiers.render import NoticeRenderer, sample_context
from tests.conftest import NOW, PinnedClock
from tests.monitor.samples import event, ics, tampered

SITE = """
systems:
  - {name: sap-fi, plain_name: the invoicing system, plain_names: {de: das Rechnungssystem}}
  - {name: wms, plain_name: the warehouse system}
subscribers:
  email_domains: [example.com]
  contact: {name: Dana Weber, email: dana.weber@example.com}
"""
ANNA = {"name": "Anna Schmidt", "email": "anna@Example.COM", "language": "de",
        "system": ["the invoicing system", "the warehouse system"]}  # fmt: skip


@pytest.fixture
def site() -> SiteFile:
    return load_site(SITE)


@pytest.fixture
async def client(
    engine: Engine, settings: Settings, site: SiteFile, clock: PinnedClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, clock=clock, migrate=False, site=site)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        yield client


async def ask(client: httpx.AsyncClient, **answers: object) -> httpx.Response:
    """Open the form and send it, as a browser would."""
    form = await client.get("/subscribe")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text
    return await client.post("/subscribe", data={**ANNA, **answers, "csrf": token.group(1)})


async def send_outbox(
    engine: Engine, settings: Settings, site: SiteFile, clock: PinnedClock
) -> list[EmailMessage]:
    """Deliver what is due as .eml files, and read them back."""
    outbox = settings.data_dir / "outbox"
    composer = Composer(engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=clock,
                        subscribers=site.subscribers)  # fmt: skip
    worker = OutboxWorker(
        DatabaseOutbox(engine), composer, {"email": FileChannel(outbox)}, clock=clock
    )
    await worker.drain()
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(outbox.glob("*.eml"))]  # fmt: skip


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def confirm_path(message: EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/subscribe/confirm/\S+)", text_of(message))
    assert found, text_of(message)
    return found.group(1)


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def subscriber_audiences(engine: Engine) -> dict[str, AudienceSpec]:
    with session_scope(engine) as session:
        rows = session.execute(select(Audience).where(Audience.managed_by == "signup")).scalars()
        return {row.name: AudienceSpec.model_validate(row.spec) for row in rows}


def metric(page: str, event: str) -> float:
    found = re.search(
        rf'^closewatch_notice_subscriptions_total\{{event="{event}"\}} (\S+)$', page, re.M
    )
    assert found, page
    return float(found.group(1))


# --- the form ------------------------------------------------------------------------------


async def test_the_status_page_leads_to_the_form_with_plain_names_only(
    client: httpx.AsyncClient,
) -> None:
    status = await client.get("/status")
    assert 'href="/subscribe"' in status.text and "Get notices about these systems" in status.text

    form = await client.get("/subscribe")

    assert form.status_code == 200
    assert (
        "the invoicing system" in form.text.lower() and "the warehouse system" in form.text.lower()
    )
    assert "sap-fi" not in form.text and "wms" not in form.text
    assert "@example.com" in form.text  # which addresses may ask
    assert "closewatch_form=" in form.headers["set-cookie"]
    assert "HttpOnly" in form.headers["set-cookie"]
    assert "<script" not in form.text and "style=" not in form.text
    assert "unsafe-inline" not in form.headers["content-security-policy"]


async def test_without_subscribers_in_the_site_file_nothing_is_offered(
    engine: Engine, settings: Settings
) -> None:
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False,
                     site=load_site("systems: [{name: wms, plain_name: the warehouse system}]"))  # fmt: skip
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        assert "/subscribe" not in (await client.get("/status")).text
        assert (await client.get("/subscribe")).status_code == 404
        assert (await client.post("/subscribe", data=ANNA)).status_code == 404
    assert count(engine, SubscriberRequest) == 0


async def test_a_form_without_its_token_is_refused_and_sends_nothing(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    await client.get("/subscribe")  # the cookie alone is not enough

    response = await client.post("/subscribe", data={**ANNA, "csrf": "forged"})

    assert response.status_code == 403
    assert "This form had expired" in response.text
    assert count(engine, SubscriberRequest) == 0 and count(engine, Delivery) == 0


async def test_an_address_outside_the_allowed_domains_is_refused_naming_the_field(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    response = await ask(client, email="anna@gmail.com", system=[])

    assert response.status_code == 400
    assert "Notices go only to addresses ending in @example.com." in response.text
    assert 'href="#email"' in response.text and 'href="#systems"' in response.text
    assert 'id="email"' in response.text and 'aria-invalid="true"' in response.text
    assert count(engine, SubscriberRequest) == 0 and count(engine, Delivery) == 0


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_confirmation_passes_the_tone_linter_as_template_and_as_sent(language: str) -> None:
    folder = templates_dir() / "notices" / language / "subscribe"
    subject = (folder / "subject.txt").read_text()
    for part in ("text.txt", "html.html"):
        source = (folder / part).read_text()
        assert lint_message(subject, source, kind="subscribe", html=part.endswith("html")) == []
    renderer = NoticeRenderer(templates_dir() / "notices")
    sent = renderer.render(
        "subscribe", sample_context("subscribe", language=language), lang=language
    )
    for body, html in ((sent.text, False), (sent.html, True)):
        assert (
            lint_message(sent.subject, body, kind="subscribe", html=html, contact_name="Dana Weber")
            == []
        )
        assert lint_message(sent.subject, body, kind="subscribe", html=html) == []


# --- asking --------------------------------------------------------------------------------


async def test_a_request_sends_only_the_confirmation_and_keeps_no_address(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    site: SiteFile,
    clock: PinnedClock,
) -> None:
    response = await ask(client)

    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert "Fri 27 Nov 2026, 10:00" in response.text
    assert "Europe/Berlin" in response.text  # the time says its zone
    with session_scope(engine) as session:
        (request,) = session.execute(select(SubscriberRequest)).scalars()
        assert "anna" not in request.address_hash.lower()
        (delivery,) = session.execute(select(Delivery)).scalars()
    assert (delivery.kind, delivery.recipient_address) == ("subscribe", "anna@example.com")
    assert subscriber_audiences(engine) == {}  # no member of anything before confirming

    (message,) = await send_outbox(engine, settings, site, clock)

    assert message["Subject"] == "Bitte bestätigen: Hinweise der IT zu Ihren Systemen"
    assert message["To"] == "Anna Schmidt <anna@example.com>"
    assert message["Reply-To"] == "dana.weber@example.com"
    assert "List-Unsubscribe" not in message  # nothing to leave yet: ignoring it is saying no
    text = text_of(message)
    assert "das Rechnungssystem" not in text  # plain names as the site file gives them
    assert "the invoicing system und the warehouse system" in text
    assert "Dana Weber, IT" in text
    assert "bis Freitag, 27. November, 10:00" in text


async def test_the_answer_never_tells_whether_an_address_is_subscribed(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    site: SiteFile,
    clock: PinnedClock,
) -> None:
    first = await ask(client)
    (message,) = await send_outbox(engine, settings, site, clock)
    await client.post(confirm_path(message))
    assert set(subscriber_audiences(engine)) == {"subscribers.de.sap-fi", "subscribers.de.wms"}

    again = await ask(client)
    stranger = await ask(client, email="ben@example.com", name="Anna Schmidt")

    assert again.status_code == first.status_code == stranger.status_code == 200
    assert again.text == first.text
    assert stranger.text == first.text.replace("anna@example.com", "ben@example.com")


async def test_one_address_gets_at_most_three_confirmations_a_day_and_no_one_is_told(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    answers = [await ask(client) for _ in range(4)]

    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.text for answer in answers}) == 1
    assert count(engine, SubscriberRequest) == 4
    assert count(engine, Delivery) == 3


async def test_a_client_asking_too_often_waits_with_retry_after(
    client: httpx.AsyncClient, engine: Engine, clock: PinnedClock
) -> None:
    for number in range(5):
        assert (await ask(client, email=f"person{number}@example.com")).status_code == 200

    refused = await ask(client, email="person5@example.com")

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "601"
    assert "Please wait a little" in refused.text
    assert count(engine, Delivery) == 5
    clock.now += timedelta(minutes=11)
    assert (await ask(client, email="person5@example.com")).status_code == 200


# --- confirming and leaving ----------------------------------------------------------------


async def test_confirming_makes_a_member_of_each_systems_audience_in_their_language(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    site: SiteFile,
    clock: PinnedClock,
) -> None:
    await ask(client)
    (message,) = await send_outbox(engine, settings, site, clock)
    path = confirm_path(message)

    shown = await client.get(path)  # a mail scanner opening the link confirms nothing
    assert shown.status_code == 200 and "Start your notices?" in shown.text
    assert "The invoicing system" in shown.text and "sap-fi" not in shown.text
    assert subscriber_audiences(engine) == {}

    done = await client.post(path)
    await client.post(path)  # twice is harmless

    assert "Your notices start now" in done.text
    audiences = subscriber_audiences(engine)
    assert set(audiences) == {"subscribers.de.sap-fi", "subscribers.de.wms"}
    spec = audiences["subscribers.de.sap-fi"]
    assert spec.language == "de" and spec.timezone == "Europe/Berlin"
    assert [(m.name, m.email) for m in spec.members] == [("Anna Schmidt", "anna@example.com")]
    assert spec.concerns.systems == ("sap-fi",)
    assert spec.incidents_at_normal == "members" and spec.contact.name == "Dana Weber"
    assert spec.heads_up.working_days_before == 2 and spec.wrap_up
    page = (await client.get("/metrics")).text
    assert (metric(page, "requested"), metric(page, "confirmed")) == (1, 1)


async def test_a_confirmation_link_expires_after_two_days(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    site: SiteFile,
    clock: PinnedClock,
) -> None:
    await ask(client)
    (message,) = await send_outbox(engine, settings, site, clock)
    clock.now += timedelta(hours=48, minutes=1)

    shown = await client.get(confirm_path(message))
    posted = await client.post(confirm_path(message))

    assert shown.status_code == posted.status_code == 400
    assert "This link does not work" in posted.text
    assert count(engine, Subscriber) == 0 and subscriber_audiences(engine) == {}


async def test_an_edited_confirmation_link_does_not_work(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    site: SiteFile,
    clock: PinnedClock,
) -> None:
    await ask(client)
    (message,) = await send_outbox(engine, settings, site, clock)
    path = confirm_path(message)

    response = await client.post(tampered(path))

    assert response.status_code == 400
    assert count(engine, Subscriber) == 0


async def test_unsubscribing_leaves_the_audience_and_asking_again_comes_back(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    site: SiteFile,
    clock: PinnedClock,
) -> None:
    await ask(client, system=["the invoicing system"])
    (confirmation,) = await send_outbox(engine, settings, site, clock)
    await client.post(confirm_path(confirmation))
    leave = Links(settings.signing_key(), settings.public_url).unsubscribe(
        "subscribers.de.sap-fi", "anna@example.com"
    )
    page = await client.get(leave.removeprefix(settings.public_url))
    response = await client.post(leave.removeprefix(settings.public_url))  # one click

    # The reader asked in German: the page, and the group's name on it, are German.
    assert "arbeitsreichen Zeiten für alle, die das Rechnungssystem verfolgen" in page.text
    assert "subscribers.de" not in page.text  # the group in plain words, never its slug
    assert response.status_code == 200
    assert subscriber_audiences(engine) == {}  # its last member left
    assert count(engine, Subscriber) == 0
    assert metric((await client.get("/metrics")).text, "unsubscribed") == 1

    await ask(client, system=["the invoicing system"])
    *_, again = await send_outbox(engine, settings, site, clock)
    await client.post(confirm_path(again))
    assert list(subscriber_audiences(engine)) == ["subscribers.de.sap-fi"]
    with session_scope(engine) as session:  # the earlier leaving no longer holds notices back
        assert session.execute(select(func.count()).select_from(Audience)).scalar_one() == 1
    assert count(engine, Unsubscribe) == 0


async def test_subscriber_audiences_are_not_edited_through_the_api(
    client: httpx.AsyncClient, engine: Engine, settings: Settings, site: SiteFile, clock: PinnedClock,
    editor: dict[str, str],
) -> None:  # fmt: skip
    await ask(client, system=["the warehouse system"])
    (confirmation,) = await send_outbox(engine, settings, site, clock)
    await client.post(confirm_path(confirmation))

    response = await client.delete("/api/v1/audiences/subscribers.de.wms", headers=editor)

    assert response.status_code == 409
    assert "they leave by unsubscribing" in response.json()["detail"]
    assert list(subscriber_audiences(engine)) == ["subscribers.de.wms"]


async def test_a_request_is_forgotten_once_its_link_has_expired(
    client: httpx.AsyncClient, engine: Engine, clock: PinnedClock
) -> None:
    await ask(client, email="once@example.com")
    clock.now += timedelta(hours=48, minutes=1)

    await ask(client, email="later@example.com")

    with session_scope(engine) as session:
        kept = session.execute(select(SubscriberRequest.at)).scalars().all()
    assert kept == [clock.now]  # no name or address hash kept past its use


async def test_a_subscriber_is_planned_the_heads_up_and_wrap_up_of_their_systems_only(
    client: httpx.AsyncClient, engine: Engine, settings: Settings, site: SiteFile, clock: PinnedClock,
    editor: dict[str, str],
) -> None:  # fmt: skip
    await ask(client, system=["the invoicing system"])
    (confirmation,) = await send_outbox(engine, settings, site, clock)
    await client.post(confirm_path(confirmation))
    closing = event("close@acme", "Month-end closing", "20261130", "20261202",
                    "CATEGORIES:month_end_close", "X-CLOSEWATCH-SYSTEMS:sap-fi")  # fmt: skip
    count_ = event("count@acme", "Inventory count", "20261203", "20261204",
                   "CATEGORIES:inventory_count", "X-CLOSEWATCH-SYSTEMS:wms")  # fmt: skip
    uploaded = await client.post("/api/v1/calendars", headers=editor, data={"name": "finance"},
                                 files={"file": ("f.ics", ics(closing, count_), "text/calendar")})  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text

    plan = current_plan(engine, Site(site, default_timezone="Europe/Berlin"), now=NOW,
                        ahead=timedelta(days=35))  # fmt: skip

    anna = [(p.kind, p.audience) for p in plan if p.recipient_address == "anna@example.com"]
    assert sorted(anna) == [
        ("heads_up", "subscribers.de.sap-fi"),
        ("wrap_up", "subscribers.de.sap-fi"),
    ]


async def test_the_site_files_contact_signs_for_subscribers_from_the_next_start(
    client: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    site: SiteFile,
    clock: PinnedClock,
) -> None:
    await ask(client, system=["the invoicing system"])
    (confirmation,) = await send_outbox(engine, settings, site, clock)
    await client.post(confirm_path(confirmation))

    create_app(settings, engine=engine, clock=clock, migrate=False,
               site=load_site(SITE.replace("Dana Weber", "Jonas Berg")))  # fmt: skip
    assert subscriber_audiences(engine)["subscribers.de.sap-fi"].contact.name == "Jonas Berg"

    create_app(settings, engine=engine, clock=clock, migrate=False,
               site=load_site(SITE.split("subscribers:")[0]))  # fmt: skip
    assert subscriber_audiences(engine) == {}  # no longer offered: no longer sent
    assert count(engine, Subscriber) == 1  # offered again, they are back


async def test_the_confirmation_may_be_overridden_but_speaks_of_no_period(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    own = {"subject": "Confirm, {{ reader.name }}",
           "text": "{{ systems|plain_list }}: {{ links.confirm }}\n{{ contact.name }}, IT\n",
           "html": "<p>{{ links.confirm }}</p><p>{{ contact.name }}, IT</p>"}  # fmt: skip
    stored = await client.put("/api/v1/templates/subscribe/en", headers=editor, json=own)
    assert stored.status_code in (200, 201), stored.text

    about_a_period = {**own, "text": "{{ period.category_label }}\n{{ contact.name }}, IT\n"}
    refused = await client.put(
        "/api/v1/templates/subscribe/de", headers=editor, json=about_a_period
    )

    assert refused.status_code == 422
    assert "text: line 1: unknown name 'period'" in refused.text


async def test_subscriber_audiences_are_read_only_on_the_audiences_page(
    client: httpx.AsyncClient, engine: Engine, settings: Settings, site: SiteFile, clock: PinnedClock,
    editor: dict[str, str],
) -> None:  # fmt: skip
    await ask(client, system=["the warehouse system"])
    (confirmation,) = await send_outbox(engine, settings, site, clock)
    await client.post(confirm_path(confirmation))
    signin = await client.get("/signin")
    secret = editor["Authorization"].removeprefix("Bearer ")
    await client.post("/signin", data={"csrf": csrf_of(signin.text), "token": secret})

    listed = await client.get("/audiences")
    shown = await client.get("/audiences/subscribers.de.wms/edit")
    saved = await client.post("/audiences/subscribers.de.wms/edit",
                              data={"csrf": csrf_of(shown.text), "timezone": "UTC"})  # fmt: skip

    assert "people who asked for notices (read-only here)" in listed.text
    assert (
        "read-only here" in shown.text
        and '<form method="post" action="/audiences/' not in shown.text
    )
    assert saved.status_code == 409
    assert subscriber_audiences(engine)["subscribers.de.wms"].timezone == "Europe/Berlin"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)
