"""The calendar API: uploads in every form, preview, listing, deleting, access."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from monitor.roles import Role
from tests.conftest import make_token
from tests.monitor.samples import INVENTORY, MONTH_END, TEAM_LUNCH, ics

CALENDAR_FIXTURES = Path(__file__).parents[1] / "calendars" / "fixtures"
RULES = {
    "timezone": "Europe/Berlin",
    "working_days": {"country": "DE", "subdivision": "BY"},
    "periods": [
        {
            "title": "Month-end closing",
            "category": "month_end_close",
            "systems": ["sap-fi"],
            "audiences": ["finance"],
            "rule": {"last_working_days": 3},
        }
    ],
}


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes, **fields: str
) -> httpx.Response:
    filename = fields.pop("filename", "closing.ics")
    return await client.post(
        "/api/v1/calendars", headers=headers, files={"file": (filename, data)}, data=fields
    )


async def test_upload_creates_then_updates_in_place(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    first = await upload(client, editor, ics(MONTH_END, INVENTORY), name="finance")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True
    assert body["calendar"]["name"] == "finance"
    assert body["calendar"]["timezone"] == "Europe/Berlin"
    assert body["periods"] == {"added": 2, "updated": 0, "removed": 0}
    assert body["occurrences"]["added"] == 4

    second = await upload(client, editor, ics(MONTH_END), name="finance")
    assert second.status_code == 200
    assert second.json()["periods"] == {"added": 0, "updated": 1, "removed": 1}

    listed = (await client.get("/api/v1/calendars", headers=editor)).json()
    assert [(c["name"], c["periods"], c["occurrences"]) for c in listed] == [("finance", 1, 3)]


async def test_name_defaults_to_the_file_name(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await upload(client, editor, ics(INVENTORY), filename="warehouse-2026.ics")
    assert response.status_code == 201
    assert response.json()["calendar"]["name"] == "warehouse-2026"


async def test_occurrences_are_listed_in_utc_with_z(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await upload(client, editor, ics(INVENTORY), name="warehouse")

    response = await client.get("/api/v1/occurrences", headers=editor)

    (occurrence,) = response.json()
    assert occurrence["start"] == "2026-12-29T23:00:00Z"
    assert occurrence["end"] == "2026-12-30T23:00:00Z"
    assert occurrence["title"] == "Year-end inventory count"
    assert (occurrence["category"], occurrence["level"]) == ("inventory_count", "high")
    assert occurrence["systems"] == ["wms"]
    assert occurrence["audiences"] == ["warehouse"]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("category=inventory_count", ["Year-end inventory count"]),
        ("system=sap-fi", ["Month-end closing"] * 2),
        ("audience=warehouse", ["Year-end inventory count"]),
        (
            "from=2026-12-29T00:00:00Z&to=2026-12-31T00:00:00Z",
            ["Month-end closing", "Year-end inventory count"],
        ),
        ("from=2027-01-15T00:00:00%2B01:00", ["Month-end closing"]),
    ],
)
async def test_occurrence_filters(
    client: httpx.AsyncClient, editor: dict[str, str], query: str, titles: list[str]
) -> None:
    twice = (
        MONTH_END.replace("COUNT=3", "COUNT=2")
        .replace("20261127", "20261201")
        .replace("20261202", "20261231")
    )
    await upload(client, editor, ics(twice, INVENTORY), name="finance")

    response = await client.get(f"/api/v1/occurrences?{query}", headers=editor)

    assert response.status_code == 200, response.text
    assert [o["title"] for o in response.json()] == titles


async def test_periods_list_and_filter(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    await upload(client, editor, ics(MONTH_END, INVENTORY, TEAM_LUNCH), name="finance")

    everything = (await client.get("/api/v1/periods", headers=editor)).json()
    by_system = (await client.get("/api/v1/periods?system=wms", headers=editor)).json()
    of_calendar = (await client.get("/api/v1/calendars/finance/periods", headers=editor)).json()

    assert {p["title"] for p in everything} == {
        "Month-end closing",
        "Year-end inventory count",
        "Team lunch",
    }
    assert [p["title"] for p in by_system] == ["Year-end inventory count"]
    lunch = next(p for p in of_calendar if p["title"] == "Team lunch")
    assert (lunch["category"], lunch["level"], lunch["classified_by"]) == (
        "custom",
        "elevated",
        "default",
    )
    closing = next(p for p in everything if p["title"] == "Month-end closing")
    assert closing["recurrence"] == "FREQ=MONTHLY;COUNT=3"


async def test_preview_stores_nothing_and_says_what_was_unclassified(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/calendars/preview?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z",
        headers=viewer,
        files={"file": ("closing.ics", ics(MONTH_END, TEAM_LUNCH))},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [o["start"] for o in body["occurrences"]] == [
        "2026-11-26T23:00:00Z",
        "2026-12-03T11:00:00Z",
        "2026-12-26T23:00:00Z",
    ]
    assert any("custom" in warning and "Team lunch" in warning for warning in body["warnings"])
    assert (await client.get("/api/v1/calendars", headers=viewer)).json() == []


async def test_preview_reads_the_exchange_export_it_used_to_refuse_and_says_how(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    exchange = (CALENDAR_FIXTURES / "exchange2010_allday_weekly_until_utc.ics").read_bytes()

    response = await client.post(
        "/api/v1/calendars/preview?from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z",
        headers=viewer,
        files={"file": ("warehouse.ics", exchange)},
        data={"timezone": "Europe/London"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["occurrences"]) == 24 + 6  # weekly stock counts, fortnightly cut-offs
    assert any(
        warning.startswith("line 24: event 'Weekly stock count Leeds DC'")
        and "read as ending on 2020-09-16" in warning
        for warning in body["warnings"]
    )


async def test_rules_document_upload_as_json(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/calendars", headers=editor, json={"name": "closing-rules", "rules": RULES}
    )

    assert response.status_code == 201, response.text
    assert response.json()["calendar"]["format"] == "rules"
    occurrences = (
        await client.get("/api/v1/occurrences?calendar=closing-rules", headers=editor)
    ).json()
    # The last three working days of November 2026 in Bavaria: 26, 27 and 30 November.
    november = next(o for o in occurrences if o["start"].startswith("2026-11"))
    assert (november["start"], november["end"]) == ("2026-11-25T23:00:00Z", "2026-11-30T23:00:00Z")


async def test_delete_calendar(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    await upload(client, editor, ics(INVENTORY), name="warehouse")

    assert (await client.delete("/api/v1/calendars/warehouse", headers=editor)).status_code == 204
    assert (await client.get("/api/v1/calendars/warehouse", headers=editor)).status_code == 404
    assert (await client.get("/api/v1/occurrences", headers=editor)).json() == []
    assert (await client.delete("/api/v1/calendars/warehouse", headers=editor)).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/calendars"),
        ("GET", "/api/v1/periods"),
        ("GET", "/api/v1/occurrences"),
        ("POST", "/api/v1/calendars"),
        ("POST", "/api/v1/calendars/preview"),
        ("DELETE", "/api/v1/calendars/x"),
    ],
)
async def test_missing_or_unknown_token_is_401(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    missing = await client.request(method, path)
    unknown = await client.request(
        method, path, headers={"Authorization": "Bearer cw_not-a-real-token"}
    )

    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"


async def test_viewer_cannot_upload_or_delete(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    uploaded = await upload(client, viewer, ics(INVENTORY), name="warehouse")
    deleted = await client.delete("/api/v1/calendars/warehouse", headers=viewer)

    assert uploaded.status_code == 403
    assert "editor" in uploaded.json()["detail"]
    assert deleted.status_code == 403


async def test_admin_can_do_what_an_editor_can(client: httpx.AsyncClient, engine: Engine) -> None:
    response = await upload(
        client, make_token(engine, Role.ADMIN), ics(INVENTORY), name="warehouse"
    )
    assert response.status_code == 201
