"""Names are data: a 4xx naming the field, never a 500, and nothing half-stored.

Calendar names are slugs (and those stored before still read and delete), text
holds no control characters and fits its column, addresses are addresses and
languages are languages Babel knows.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from monitor.db.engine import session_scope
from monitor.db.models import Audience
from monitor.imports import ImportRequest, UploadedSource, horizon_for, parse_upload
from monitor.settings import Settings
from monitor.store.calendars import save_calendar
from tests.conftest import NOW
from tests.monitor.samples import INVENTORY, event, ics
from tests.monitor.test_api_calendars import upload
from tests.monitor.test_api_notices import FINANCE

BIG = "99999999999999999999"  # past 64 bits


def store_legacy_calendar(engine: Engine, settings: Settings, name: str) -> None:
    """A calendar stored by an older closewatch, under a name uploads now refuse."""
    source = UploadedSource(name=name, data=ics(INVENTORY), filename="old.ics")
    parsed = parse_upload(settings, ImportRequest(source), horizon=horizon_for(settings, NOW))
    with session_scope(engine) as session:
        save_calendar(session, source, parsed, now=NOW)


async def names(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    return [c["name"] for c in (await client.get("/api/v1/calendars", headers=headers)).json()]


# --- calendar names are slugs ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a/../b", "..", ".", "fin ance", "-rf", "x" * 201, "bell\x07"])
async def test_a_calendar_name_that_is_not_a_slug_is_refused_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str], name: str
) -> None:
    response = await upload(client, editor, ics(INVENTORY), name=name)

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "name"
    assert "cannot name a calendar" in response.json()["detail"]
    assert await names(client, editor) == []


async def test_a_rules_body_with_a_bad_name_is_refused_too(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    rules = {"periods": [{"title": "Close", "rule": {"last_working_days": 2}}]}
    response = await client.post(
        "/api/v1/calendars", headers=editor, json={"name": "a/../b", "rules": rules}
    )

    assert response.status_code == 422 and response.json()["field"] == "name"


async def test_without_a_name_the_file_name_becomes_a_slug(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/calendars",
        headers=editor,
        files={"file": ("Inventur München (final).ics", ics(INVENTORY), "text/calendar")},
    )

    assert response.status_code == 201, response.text
    assert response.json()["calendar"]["name"] == "Inventur-Munchen-final"


@pytest.mark.parametrize("legacy", ["a/../b", "..", "with space", "x?y#z"])
async def test_a_stored_name_that_is_not_a_slug_can_still_be_read_and_deleted(
    client: httpx.AsyncClient,
    editor: dict[str, str],
    engine: Engine,
    settings: Settings,
    legacy: str,
) -> None:
    store_legacy_calendar(engine, settings, legacy)
    store_legacy_calendar(engine, settings, "b")
    quoted = httpx.URL("/api/v1/calendars/").copy_with(
        raw_path=b"/api/v1/calendars/" + _quote_all(legacy)
    )

    shown = await client.get(quoted, headers=editor)
    periods = await client.get(quoted.copy_with(raw_path=quoted.raw_path + b"/periods"), headers=editor)  # fmt: skip
    deleted = await client.delete(quoted, headers=editor)

    assert shown.status_code == 200 and shown.json()["name"] == legacy
    assert periods.status_code == 200 and len(periods.json()) == 1
    assert deleted.status_code == 204
    assert await names(client, editor) == ["b"]


def _quote_all(name: str) -> bytes:
    """Every byte percent-encoded, dots too, as a careful client sends a name in a path."""
    return "".join(f"%{byte:02X}" for byte in name.encode()).encode()


# --- text: no control characters, lengths that fit -----------------------------------------


def finance(**changes: Any) -> dict[str, Any]:
    body = {**FINANCE, **changes}
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (finance(contact={"name": "Dana\r\nBcc: all@example.com", "email": "dana@example.com"}),
         "body.contact.name"),
        (finance(contact={"name": "Dana", "email": "dana@example.com\r\nBcc: all@example.com"}),
         "body.contact.email"),
        (finance(members=[{"name": "Anna\x1b[31m", "email": "anna@example.com"}]),
         "body.members.0.name"),
        (finance(members=[{"name": "Anna", "email": "not an address"}]), "body.members.0.email"),
        (finance(members=[{"name": "Anna", "chat": "json://" + "x" * 600}]), "body.members.0.chat"),
        (finance(language="zz"), "body.language"),
        (finance(name="finance\n"), "body.name"),
        (finance(contact={"name": "Dana \ud800", "email": "dana@example.com"}), "body.contact.name"),
        (finance(heads_up={"by_category": {"year_end": int(BIG)}}),
         "body.heads_up.by_category.year_end"),
        (finance(timezone="x" * 100_000), "body.timezone"),
        (finance(working_days={"country": "XX"}), "body.working_days"),
        (finance(working_days={"country": "\ud800"}), "body.working_days"),
        (finance(heads_up={"by_category": {"\ud800": 1}}), "body.heads_up.by_category"),
    ],
    ids=["crlf-name", "crlf-email", "escape", "not-an-address", "long-chat", "language",
         "newline-in-name", "surrogate", "huge-days", "zone-too-long-for-a-path",
         "unknown-country", "surrogate-in-working-days", "surrogate-key"],
)  # fmt: skip
async def test_an_audience_with_bad_text_is_refused_naming_the_field_and_not_stored(
    client: httpx.AsyncClient, editor: dict[str, str], body: dict[str, Any], field: str
) -> None:
    json_headers = {**editor, "Content-Type": "application/json"}
    # json.dumps escapes a lone surrogate as \\ud800, as an attacker's client would send it.
    response = await client.post(
        "/api/v1/audiences", headers=json_headers, content=json.dumps(body)
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert (await client.get("/api/v1/audiences", headers=editor)).json() == []


async def test_an_audience_in_a_language_without_templates_is_accepted(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/audiences", headers=editor, json=finance(language="de-CH")
    )

    assert response.status_code == 201, response.text
    assert response.json()["language"] == "de-CH"


async def test_an_audience_stored_before_the_checks_still_reads_and_previews_in_english(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    legacy = {**finance(language="zz"), "contact": {"name": "Dana", "email": "not an address"}}
    legacy_spec = {
        "local_time": "09:00", "quiet_hours": None, "working_days": None, "channels": ["email"],
        "heads_up": {"working_days_before": 2, "by_category": {}}, "daily_status": False,
        "wrap_up": True, "incidents_at_normal": "contacts", "concerns": {"categories": [], "systems": []},
        **legacy,
    }  # fmt: skip
    with session_scope(engine) as session:
        session.add(
            Audience(name="finance", timezone="Europe/Berlin", spec=legacy_spec, updated_at=NOW)
        )
    await upload(client, editor, ics(INVENTORY), name="warehouse")

    shown = await client.get("/api/v1/audiences/finance", headers=editor)
    preview = await client.post(
        "/api/v1/notices/preview", headers=editor, json={"kind": "heads_up", "audience": "finance"}
    )

    assert shown.status_code == 200 and shown.json()["language"] == "zz"
    assert preview.status_code == 200, preview.text
    assert "Dana" in preview.json()["text"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "sap-fi", "plain_name": "the \x1b[31minvoicing system"}, "body.plain_name"),
        ({"name": "sap-fi", "plain_name": "invoicing", "owner_team": "x" * 201}, "body.owner_team"),
        ({"name": "sap-fi", "plain_name": "invoicing", "checks": [
            {"name": "web", "kind": "http", "url": "https://sap.example.com",
             "headers": {"X-Test": "a\r\nInjected: yes"}}]}, "body.checks.0.http.headers"),
        ({"name": "sap-fi", "plain_name": "invoicing",
          "policy": {"high": {"interval": "1e999"}}}, "body.policy.high.interval"),
        ({"name": "sap-fi", "plain_name": "invoicing",
          "policy": {"high": {"interval": int(BIG)}}}, "body.policy.high.interval"),
    ],
    ids=["escape", "long-team", "header-injection", "infinite-interval", "huge-interval"],
)  # fmt: skip
async def test_a_system_with_bad_text_or_numbers_is_refused_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/systems", headers=editor, json=body)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_a_system_description_may_have_several_lines(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    body = {"name": "sap-fi", "plain_name": "invoicing", "description": "Line one\nLine two"}

    assert (await client.post("/api/v1/systems", headers=editor, json=body)).status_code == 201


async def test_calendar_titles_lose_control_characters_with_a_warning(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    data = ics(event("inv@acme", "Inventur\x07 \x1b[2JM\u00fcnchen", "20261230", "20261231"))

    response = await upload(client, editor, data, name="warehouse")

    assert response.status_code == 201, response.text
    assert any("control characters" in w for w in response.json()["warnings"])
    (period,) = (await client.get("/api/v1/periods", headers=editor)).json()
    assert period["title"] == "Inventur [2JMünchen"


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (ics(event("long@acme", "x" * 100_000, "20261230", "20261231")), "long.ics"),
        (f"title,start\n{'x' * 100_000},2026-12-30\n".encode(), "long.csv"),
    ],
    ids=["ics", "csv"],
)
async def test_a_title_longer_than_its_column_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, editor: dict[str, str], data: bytes, filename: str
) -> None:
    response = await upload(client, editor, data, name="long", filename=filename)

    assert response.status_code == 422
    assert "at most 500" in response.json()["detail"]
    assert await names(client, editor) == []


@pytest.mark.parametrize(("field", "value"), [("team", "t" * 201), ("team", "ops\x07")])
async def test_upload_fields_that_do_not_fit_are_refused(
    client: httpx.AsyncClient, editor: dict[str, str], field: str, value: str
) -> None:
    response = await upload(client, editor, ics(INVENTORY), name="warehouse", **{field: value})

    assert response.status_code == 422 and response.json()["field"] == field


async def test_a_time_zone_too_long_for_a_file_name_is_unknown(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await upload(client, editor, ics(INVENTORY), name="w", timezone="x" * 100_000)

    assert response.status_code == 422
    assert "unknown time zone 'xxxx" in response.json()["detail"]
    assert len(response.json()["detail"]) < 200


# --- languages -----------------------------------------------------------------------------


async def test_a_preview_in_an_unknown_language_is_422_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await client.post("/api/v1/audiences", headers=editor, json=FINANCE)
    await upload(client, editor, ics(INVENTORY), name="warehouse")

    unknown = await client.post(
        "/api/v1/notices/preview",
        headers=editor,
        json={"kind": "heads_up", "audience": "finance", "lang": "zz"},
    )
    french = await client.post(
        "/api/v1/notices/preview",
        headers=editor,
        json={"kind": "heads_up", "audience": "finance", "lang": "fr"},
    )

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.lang"
    assert french.status_code == 200, french.text  # no French templates: English, in English
    assert "is on Wednesday, 30 December" in french.json()["text"]  # a one-day count


@pytest.mark.parametrize("lang", ["zz", "de-CH", "en%0A"])
async def test_a_template_for_an_unknown_language_is_refused(
    client: httpx.AsyncClient, editor: dict[str, str], lang: str
) -> None:
    template = {"subject": "s {{ contact.name }}", "text": "{{ contact.name }}", "html": "<p>h</p>"}

    response = await client.put(f"/api/v1/templates/heads_up/{lang}", headers=editor, json=template)

    assert response.status_code == 422 and response.json()["field"] == "lang"


async def test_the_message_is_our_sentence_without_pydantics_wrapping(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post("/api/v1/audiences", headers=editor, json=finance(language="zz"))

    assert response.json()["detail"] == (
        "body.language: unknown language 'zz': use a language code Babel knows, "
        "such as en, de, fr or de-CH"
    )
    assert response.json()["errors"][0]["message"].startswith("unknown language")


async def test_a_file_name_with_a_control_character_is_refused(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    # Written by hand: httpx would percent-encode the ESC in the file's name.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="x\x1b[2J.ics"\r\n'
        b"Content-Type: text/calendar\r\n\r\n" + ics(INVENTORY) + b"\r\n--b--\r\n"
    )

    response = await client.post(
        "/api/v1/calendars",
        headers={**editor, "Content-Type": "multipart/form-data; boundary=b"},
        content=body,
    )

    assert response.status_code == 422 and response.json()["field"] == "file"
    assert await names(client, editor) == []
