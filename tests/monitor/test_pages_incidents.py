"""The incidents page in-process: the conversation, the countdown, and the forms to post an
update and to resolve, with the tone checker's findings before anything is sent."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import Engine, func, select

from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Incident, IncidentEvent, System
from monitor.notices.incidents import post_update
from tests.conftest import NOW
from tests.monitor.test_pages_watching import signed_in


def an_incident_told_to_one_reader(engine: Engine) -> int:
    with session_scope(engine) as session:
        system = System(name="billing", plain_name="the invoicing system")
        session.add(system)
        session.flush()
        incident = Incident(system_id=system.id or 0, status="open", level=2, priority="p2",
                            title="billing/web: HTTP 500", opened_at=NOW - timedelta(minutes=20),
                            public_line="The invoicing system is not working as it should.",
                            handler="Dana Weber", next_update_at=NOW + timedelta(minutes=12, seconds=5))  # fmt: skip
        session.add(incident)
        session.flush()
        session.add(IncidentEvent(incident_id=incident.id or 0, at=NOW - timedelta(minutes=20), kind="announced",
                                  message="told 1 recipients",
                                  data={"next_update": (NOW - timedelta(minutes=10)).isoformat()}))  # fmt: skip
        session.add(Delivery(dedupe_key=f"incident/{incident.id}/finance/email/anna@example.com", kind="incident",
                             channel="email", audience="finance", recipient_name="Anna Schmidt",
                             recipient_address="anna@example.com", incident_id=incident.id, status="sent",
                             due_at=NOW - timedelta(minutes=20), first_due_at=NOW - timedelta(minutes=20),
                             sent_at=NOW - timedelta(minutes=20)))  # fmt: skip
        incident_id = incident.id or 0
    # IT kept the first promise, five minutes early.
    post_update(engine, incident_id, message="We found the cause.", next_update=timedelta(minutes=27, seconds=5),
                now=NOW - timedelta(minutes=15))  # fmt: skip
    return incident_id


def deliveries(engine: Engine, kind: str) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).where(Delivery.kind == kind)).scalar_one())


async def test_page_shows_the_conversation_promises_and_countdown(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    incident = an_incident_told_to_one_reader(engine)
    await signed_in(client, editor)

    page = (await client.get("/incidents")).text

    assert f'id="incident-{incident}"' in page
    assert "The invoicing system" in page and "handled by Dana Weber" in page
    # The countdown to the next promised update, and the promise times in the site's zone.
    assert 'data-live="incident-1/countdown">in 12 min 5 s</span>' in page
    assert "Incident notice to Anna Schmidt" in page
    assert "Next update promised by Wed 25 Nov 2026, 09:50: kept: IT posted an update" in page
    assert "Update posted: We found the cause." in page
    assert "Next update promised by Wed 25 Nov 2026, 10:12: not yet due" in page


async def test_checking_the_wording_shows_findings_and_sends_nothing(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    incident = an_incident_told_to_one_reader(engine)
    csrf = await signed_in(client, editor)
    sent_before = deliveries(engine, "update")

    answer = await client.post(f"/incidents/{incident}/update", data={
        "csrf": csrf, "message": "A deadlock in the database; we apologize for any inconvenience.",
        "next_update": "45m", "action": "check"})  # fmt: skip

    assert answer.status_code == 200
    assert "What the tone checker found" in answer.text
    assert "deadlock" in answer.text and "boilerplate apology" in answer.text
    assert "A deadlock in the database; we apologize" in answer.text  # the draft stays in the form
    assert deliveries(engine, "update") == sent_before


async def test_sending_an_update_tells_the_readers_and_promises_the_next(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    incident = an_incident_told_to_one_reader(engine)
    csrf = await signed_in(client, editor)
    sent_before = deliveries(engine, "update")

    answer = await client.post(f"/incidents/{incident}/update", data={
        "csrf": csrf, "message": "Invoices can be entered again from 11:00.", "next_update": "45m",
        "action": "send"})  # fmt: skip

    assert answer.status_code == 303
    assert (
        answer.headers["location"]
        == f"/incidents?sent=update&incident={incident}&told=1#incident-{incident}"
    )
    assert deliveries(engine, "update") == sent_before + 1
    with session_scope(engine) as session:
        stored = session.get(Incident, incident)
        assert stored is not None
        assert stored.public_line == "Invoices can be entered again from 11:00."
        assert stored.next_update_at == NOW + timedelta(minutes=45)
    shown = (await client.get(answer.headers["location"])).text
    assert "Update sent for incident 1: 1 message on the way" in shown


async def test_resolving_sends_the_resolution_once(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    incident = an_incident_told_to_one_reader(engine)
    csrf = await signed_in(client, editor)
    form = {"csrf": csrf, "summary": "A full disk stopped the invoicing system.",
            "what_you_can_do": "Send the invoices you started again.", "action": "send"}  # fmt: skip

    first = await client.post(f"/incidents/{incident}/resolve", data=form)
    again = await client.post(f"/incidents/{incident}/resolve", data=form)

    assert first.status_code == 303 and again.status_code == 303
    assert deliveries(engine, "resolved") == 1
    page = (await client.get("/incidents")).text
    assert "Resolved by IT at" in page and "A full disk stopped the invoicing system." in page
    assert f'action="/incidents/{incident}/update"' not in page  # nothing more to post


async def test_problems_are_shown_at_their_field_and_nothing_is_sent(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    incident = an_incident_told_to_one_reader(engine)
    csrf = await signed_in(client, editor)
    sent_before = deliveries(engine, "update")

    empty = await client.post(f"/incidents/{incident}/update",
                              data={"csrf": csrf, "message": "", "next_update": "soon", "action": "send"})  # fmt: skip
    long = await client.post(f"/incidents/{incident}/resolve",
                             data={"csrf": csrf, "summary": "x" * 1001, "action": "send"})  # fmt: skip

    assert empty.status_code == 422
    assert re.search(r'id="message-1" name="message"[^>]*aria-invalid="true"', empty.text)
    assert (
        '<p class="field-error" id="message-1-error">Write what is new, in plain words.</p>'
        in empty.text
    )
    assert "&#39;soon&#39; is not a duration (e.g. 30s, 5m, 1h)." in empty.text
    assert long.status_code == 422
    assert 'id="summary-1-error">String should have at most 1000 characters.</p>' in long.text
    assert deliveries(engine, "update") == sent_before and deliveries(engine, "resolved") == 0


async def test_posting_needs_the_editor_role_and_the_csrf_token(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], engine: Engine
) -> None:
    incident = an_incident_told_to_one_reader(engine)
    form = {"message": "Still on it.", "next_update": "30m", "action": "send"}
    await signed_in(client, editor)
    no_token = await client.post(f"/incidents/{incident}/update", data=form)
    client.cookies.clear()
    csrf = await signed_in(client, viewer)
    as_viewer = await client.post(f"/incidents/{incident}/update", data={"csrf": csrf, **form})
    viewer_page = (await client.get("/incidents")).text
    missing = await client.post("/incidents/999/update", data={"csrf": csrf, **form})

    assert no_token.status_code == 403 and "This form has expired" in no_token.text
    assert as_viewer.status_code == 403 and "needs the editor role" in as_viewer.text
    assert "Post an update" not in viewer_page  # a viewer reads; the forms are not offered
    assert missing.status_code == 403  # the role is checked before anything else
