"""The notices API: audiences (site-managed ones read-only), template overrides
(validated in the sandbox before they are stored), previews with lint findings,
the outbox and the readers' feedback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from monitor.api import create_app
from monitor.api.state import app_state
from monitor.db.engine import session_scope
from monitor.db.models import Audience, Delivery, Feedback
from monitor.settings import Settings
from monitor.site import AudienceSpec
from monitor.store.audiences import SITE, save_audience
from notifiers.render import sample_context
from tests.conftest import NOW
from tests.monitor.samples import MONTH_END, ics
from tests.monitor.test_api_calendars import upload

FINANCE: dict[str, Any] = {
    "name": "finance",
    "timezone": "Europe/Berlin",
    "contact": {"name": "Dana Weber", "email": "dana.weber@example.com"},
    "members": [
        {"name": "Anna Schmidt", "email": "anna@example.com"},
        {"name": "Ben Ode", "chat": "msteams://secret-token@example"},
    ],
}
OVERRIDE = {
    "subject": "Heads-up from {{ contact.name }}: {{ period.category_label }}",
    "text": "Hello {{ reader.name }},\n{{ period.category_label|capfirst }} starts on "
    "{{ occurrence.start|date }}.\n{{ contact.name }}, IT\n",
    "html": "<p>{{ period.category_label|capfirst }} starts on {{ occurrence.start|date }}.</p>"
    "<p>{{ contact.name }}, IT</p>",
}


def add_site_audience(engine: Engine, name: str = "hr") -> None:
    spec = AudienceSpec.model_validate({**FINANCE, "name": name})
    with session_scope(engine) as session:
        audience = Audience(name=name, timezone=spec.timezone)
        save_audience(session, audience, spec, managed_by=SITE, now=NOW)


# --- audiences -----------------------------------------------------------------------------


async def test_create_then_read_an_audience_without_its_secrets(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    created = await client.post("/api/v1/audiences", headers=editor, json=FINANCE)

    assert created.status_code == 201, created.text
    shown = (await client.get("/api/v1/audiences/finance", headers=viewer)).json()
    assert shown == created.json()
    assert (shown["managed_by"], shown["member_count"]) == ("api", 2)
    assert shown["contact"]["name"] == "Dana Weber"
    assert shown["members"][1] == {"name": "Ben Ode", "email": "", "chat": "msteams://…"}
    assert "secret-token" not in created.text
    listed = (await client.get("/api/v1/audiences", headers=viewer)).json()
    assert [audience["name"] for audience in listed] == ["finance"]


async def test_audiences_need_a_token_and_writes_an_editor(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    anonymous = await client.get("/api/v1/audiences")
    as_viewer = await client.post("/api/v1/audiences", headers=viewer, json=FINANCE)

    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert as_viewer.status_code == 403
    assert "editor" in as_viewer.json()["detail"]


async def test_creating_an_audience_twice_conflicts(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await client.post("/api/v1/audiences", headers=editor, json=FINANCE)

    again = await client.post("/api/v1/audiences", headers=editor, json=FINANCE)

    assert again.status_code == 409
    assert "PUT /api/v1/audiences/finance" in again.json()["detail"]


async def test_replace_then_delete_an_audience(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await client.post("/api/v1/audiences", headers=editor, json=FINANCE)

    replaced = await client.put(
        "/api/v1/audiences/finance", headers=editor, json={**FINANCE, "language": "de"}
    )
    deleted = await client.delete("/api/v1/audiences/finance", headers=editor)

    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["language"] == "de"
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/audiences/finance", headers=editor)).status_code == 404
    assert (await client.delete("/api/v1/audiences/finance", headers=editor)).status_code == 404


async def test_replacing_needs_the_same_name_and_an_existing_audience(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    mismatch = await client.put("/api/v1/audiences/payroll", headers=editor, json=FINANCE)
    missing = await client.put(
        "/api/v1/audiences/payroll", headers=editor, json={**FINANCE, "name": "payroll"}
    )

    assert mismatch.status_code == 422
    assert mismatch.json()["field"] == "body.name"
    assert missing.status_code == 404


async def test_a_bad_audience_is_refused_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/audiences", headers=editor, json={**FINANCE, "timezone": "Mars/Olympus"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.timezone"


async def test_site_managed_audiences_are_read_only(
    client: httpx.AsyncClient, engine: Engine, editor: dict[str, str]
) -> None:
    add_site_audience(engine, "hr")

    replaced = await client.put(
        "/api/v1/audiences/hr", headers=editor, json={**FINANCE, "name": "hr"}
    )
    deleted = await client.delete("/api/v1/audiences/hr", headers=editor)

    assert (replaced.status_code, deleted.status_code) == (409, 409)
    assert "site file" in deleted.json()["detail"]
    shown = (await client.get("/api/v1/audiences/hr", headers=editor)).json()
    assert shown["managed_by"] == "site"


# --- template overrides and previews -------------------------------------------------------


async def finance_with_a_closing(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    assert (await client.post("/api/v1/audiences", headers=editor, json=FINANCE)).is_success
    assert (await upload(client, editor, ics(MONTH_END), name="finance")).is_success


async def test_preview_renders_a_heads_up_as_the_first_member_gets_it(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    await finance_with_a_closing(client, editor)

    response = await client.post(
        "/api/v1/notices/preview", headers=viewer, json={"kind": "heads_up", "audience": "finance"}
    )

    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["subject"].startswith("Month-end closing from Friday, 27 November")
    assert preview["text"].startswith("Hello Anna Schmidt,")
    assert "Dana Weber, IT" in preview["text"]
    assert "Dana Weber" in preview["html"]
    assert preview["findings"] == []


async def test_preview_in_another_language(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await finance_with_a_closing(client, editor)

    response = await client.post(
        "/api/v1/notices/preview",
        headers=editor,
        json={"kind": "heads_up", "audience": "finance", "lang": "de"},
    )

    assert response.status_code == 200, response.text
    assert "Freitag, 27. November" in response.json()["subject"]


async def test_preview_refuses_unknown_audiences_occurrences_and_kinds(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await finance_with_a_closing(client, editor)
    url = "/api/v1/notices/preview"

    no_audience = await client.post(url, headers=editor, json={"kind": "heads_up", "audience": "x"})
    no_occurrence = await client.post(
        url, headers=editor, json={"kind": "heads_up", "audience": "finance", "occurrence_id": 999}
    )
    bad_kind = await client.post(url, headers=editor, json={"kind": "memo", "audience": "finance"})
    incident = await client.post(
        url, headers=editor, json={"kind": "incident", "audience": "finance"}
    )

    assert no_audience.status_code == 404
    assert no_occurrence.status_code == 404
    assert (bad_kind.status_code, bad_kind.json()["field"]) == (422, "body.kind")
    assert incident.status_code == 422
    assert "incident notices come from incidents" in incident.json()["detail"]


async def test_a_valid_override_is_stored_and_used_by_the_preview(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    await finance_with_a_closing(client, editor)

    stored = await client.put(
        "/api/v1/templates/heads_up/en?audience=finance", headers=editor, json=OVERRIDE
    )
    replaced = await client.put(
        "/api/v1/templates/heads_up/en?audience=finance", headers=editor, json=OVERRIDE
    )
    preview = await client.post(
        "/api/v1/notices/preview", headers=viewer, json={"kind": "heads_up", "audience": "finance"}
    )

    assert (stored.status_code, replaced.status_code) == (201, 200), stored.text
    assert stored.json()["audience"] == "finance"
    assert stored.json()["category"] is None
    assert preview.json()["subject"] == "Heads-up from Dana Weber: month-end closing"
    assert preview.json()["findings"] == []
    listed = (await client.get("/api/v1/templates", headers=viewer)).json()
    assert [(t["kind"], t["lang"], t["audience"]) for t in listed] == [
        ("heads_up", "en", "finance")
    ]


async def test_deleting_an_override_brings_back_the_default(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await finance_with_a_closing(client, editor)
    await client.put("/api/v1/templates/heads_up/en", headers=editor, json=OVERRIDE)

    deleted = await client.delete("/api/v1/templates/heads_up/en", headers=editor)
    again = await client.delete("/api/v1/templates/heads_up/en", headers=editor)
    preview = await client.post(
        "/api/v1/notices/preview", headers=editor, json={"kind": "heads_up", "audience": "finance"}
    )

    assert (deleted.status_code, again.status_code) == (204, 404)
    assert preview.json()["subject"].endswith("IT is standing by")


async def test_an_override_with_a_syntax_error_is_refused_with_its_line(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    broken = {**OVERRIDE, "text": "Hello,\n{% if reader.name %}{{ reader.name }}\n"}

    response = await client.put("/api/v1/templates/heads_up/en", headers=editor, json=broken)

    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Invalid template"
    assert problem["detail"].startswith("text: line ")
    assert problem["errors"][0]["part"] == "text"
    assert isinstance(problem["errors"][0]["line"], int)
    assert (await client.get("/api/v1/templates", headers=editor)).json() == []


async def test_an_override_reaching_out_of_the_sandbox_is_refused(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    escape = {**OVERRIDE, "subject": "{{ ''.__class__.__mro__ }}"}

    response = await client.put("/api/v1/templates/heads_up/en", headers=editor, json=escape)

    assert response.status_code == 422
    assert response.json()["errors"][0]["part"] == "subject"
    assert "subject: line 1" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/templates/memo/en", "kind"),
        ("/api/v1/templates/heads_up/english", "lang"),
        ("/api/v1/templates/heads_up/en?category=lunch", "category"),
    ],
)
async def test_an_override_key_must_be_known(
    client: httpx.AsyncClient, editor: dict[str, str], path: str, field: str
) -> None:
    response = await client.put(path, headers=editor, json=OVERRIDE)

    assert response.status_code == 422
    assert response.json()["field"] == field


async def test_an_override_for_an_unknown_audience_is_not_found(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.put(
        "/api/v1/templates/heads_up/en?audience=nobody", headers=editor, json=OVERRIDE
    )

    assert response.status_code == 404


async def test_the_running_notice_service_renders_with_a_new_override(
    engine: Engine, settings: Settings, editor: dict[str, str]
) -> None:
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False, background=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        response = await client.put("/api/v1/templates/heads_up/en", headers=editor, json=OVERRIDE)

    assert response.status_code == 201, response.text
    notices = app_state(app).notices
    assert notices is not None
    assert notices.worker.compose.renderer is notices.renderer
    rendered = notices.renderer.render("heads_up", sample_context("heads_up"), lang="en")
    assert rendered.subject == "Heads-up from Dana Weber: month-end closing"


# --- the outbox and feedback ---------------------------------------------------------------


def add_delivery(engine: Engine, key: str, *, status: str = "pending", **fields: Any) -> None:
    due = fields.pop("due_at", NOW)
    values: dict[str, Any] = {"kind": "heads_up", "channel": "email", "audience": "finance",
                              "recipient_name": "Anna Schmidt", "recipient_address": "anna@example.com",
                              "occurrence_id": 1, **fields}  # fmt: skip
    with session_scope(engine) as session:
        session.add(Delivery(dedupe_key=key, due_at=due, first_due_at=due, status=status, **values))


async def test_deliveries_newest_due_first_filtered_and_counted(
    client: httpx.AsyncClient, engine: Engine, viewer: dict[str, str]
) -> None:
    add_delivery(engine, "a", status="sent", sent_at=NOW, attempts=1)
    add_delivery(engine, "b", due_at=NOW + timedelta(days=1))
    add_delivery(engine, "c", status="dead", last_error="mailbox full", attempts=7,
                 audience="warehouse", kind="wrap_up")  # fmt: skip

    everything = (await client.get("/api/v1/deliveries", headers=viewer)).json()
    dead = (await client.get("/api/v1/deliveries?status=dead", headers=viewer)).json()
    finance = await client.get("/api/v1/deliveries?audience=finance&limit=1", headers=viewer)
    summary = (await client.get("/api/v1/deliveries/summary", headers=viewer)).json()

    assert [d["dedupe_key"] for d in everything] == ["b", "c", "a"]
    assert [(d["dedupe_key"], d["last_error"], d["attempts"]) for d in dead] == [
        ("c", "mailbox full", 7)
    ]
    assert [d["dedupe_key"] for d in finance.json()] == ["b"]
    assert everything[2]["sent_at"] == "2026-11-25T09:00:00Z"
    assert summary == {
        "total": 3,
        "by_status": {"pending": 1, "sending": 0, "sent": 1, "dead": 1, "withdrawn": 0},
    }


async def test_deliveries_refuse_an_unknown_status(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    response = await client.get("/api/v1/deliveries?status=lost", headers=viewer)

    assert response.status_code == 422
    assert response.json()["field"] == "status"


async def test_feedback_lists_answers_with_a_count_of_each(
    client: httpx.AsyncClient, engine: Engine, viewer: dict[str, str]
) -> None:
    with session_scope(engine) as session:
        for minutes, answer, audience, rating in (
            (1, "sorted", "finance", None),
            (2, "problem", "finance", None),
            (3, "rating", "finance", 5),
            (4, "sorted", "warehouse", None),
        ):
            session.add(Feedback(dedupe_key=f"k{minutes}", audience=audience, recipient_address="a@example.com",
                                 occurrence_id=1, answer=answer, rating=rating, comment="ok",
                                 at=NOW + timedelta(minutes=minutes)))  # fmt: skip

    finance = (await client.get("/api/v1/feedback?audience=finance", headers=viewer)).json()
    none = (await client.get("/api/v1/feedback?occurrence_id=2", headers=viewer)).json()

    assert finance["summary"] == {"problem": 1, "rating": 1, "sorted": 1}
    assert [a["answer"] for a in finance["answers"]] == ["rating", "problem", "sorted"]
    assert finance["answers"][0] == {"answer": "rating", "rating": 5, "comment": "ok",
                                     "at": "2026-11-25T09:03:00Z", "audience": "finance",
                                     "occurrence_id": 1}  # fmt: skip
    assert none == {"summary": {}, "answers": []}
