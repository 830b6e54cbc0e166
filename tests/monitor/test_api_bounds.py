"""Numbers, times, encodings and nesting are bounded before they reach the database.

Ids past PostgreSQL's integer columns, years past 2199, rot13 as an encoding,
JSON nested thousands of levels, a NUL in an address or inside a calendar: each
is a 4xx naming what is wrong, never a 500, and nothing is half-stored.
"""

from __future__ import annotations

import httpx
import pytest

from tests.monitor.samples import INVENTORY, event, ics
from tests.monitor.test_api_calendars import upload
from tests.monitor.test_api_names import BIG, names

# --- encodings, nesting, broken Unicode ----------------------------------------------------


@pytest.mark.parametrize("encoding", ["rot13", "zlib_codec", "base64", "utf-8\x00"])
async def test_an_encoding_that_is_not_a_text_encoding_is_422(
    client: httpx.AsyncClient, editor: dict[str, str], encoding: str
) -> None:
    response = await upload(client, editor, ics(INVENTORY), name="warehouse", encoding=encoding)

    assert response.status_code == 422, response.text
    assert "encoding" in response.json()["detail"]
    assert await names(client, editor) == []


async def test_a_long_spelling_of_an_encoding_is_stored_by_its_canonical_name(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    spelled = "UTF" + "-" * 40 + "8"

    response = await upload(client, editor, ics(INVENTORY), name="warehouse", encoding=spelled)

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/api/v1/calendars", "[" * 2000 + "]" * 2000),
        ("/api/v1/calendars", '{"name": "deep", "rules": ' + '{"a": ' * 2000 + "1" + "}" * 2001),
        ("/api/v1/calendars/preview", '{"a": ' * 2000 + "1" + "}" * 2000),
        ("/api/v1/calendars", '{"name": "deep", "rules": {"periods": ' + "[" * 900 + "]" * 900 + "}}"),
        ("/api/v1/systems", "[" * 2000 + "]" * 2000),
        ("/api/v1/audiences", '{"name": ' * 2000 + "1" + "}" * 2000),
    ],
    ids=["calendar-list", "calendar-rules", "preview", "rules-900", "system", "audience"],
)  # fmt: skip
async def test_json_nested_thousands_of_levels_is_a_4xx(
    client: httpx.AsyncClient, editor: dict[str, str], route: str, body: str
) -> None:
    response = await client.post(
        route, headers={**editor, "Content-Type": "application/json"}, content=body
    )

    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_lone_surrogate_in_a_rules_body_is_422_not_a_500(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    body = (
        '{"name": "x", "rules": {"periods": [{"title": "\\ud800", "rule": {"annual": "12-30"}}]}}'
    )

    response = await client.post(
        "/api/v1/calendars", headers={**editor, "Content-Type": "application/json"}, content=body
    )

    assert response.status_code == 422 and response.json()["field"] == "rules"


# --- numbers and times are bounded ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/occurrences?offset={BIG}",
        f"/api/v1/deliveries?offset={BIG}",
        f"/api/v1/feedback?occurrence_id={BIG}",
        f"/api/v1/feedback?occurrence_id=-{BIG}",
        f"/api/v1/incidents/{BIG}",
        f"/api/v1/incidents/-{BIG}",
        "/api/v1/intensity/timeline?from=9999-12-31T00:00:00Z",
        "/api/v1/intensity/timeline?to=9999-12-31T00:00:00Z",
        "/api/v1/intensity?at=9999-12-31T23:59:59Z",
        "/api/v1/occurrences?from=0001-01-01T00:00:00%2B01:00",
    ],
)
async def test_numbers_past_64_bits_and_years_out_of_range_are_422(
    client: httpx.AsyncClient, viewer: dict[str, str], path: str
) -> None:
    response = await client.get(path, headers=viewer)

    assert response.status_code == 422, response.text
    assert response.json()["status"] == 422


@pytest.mark.parametrize("route", ["updates", "resolve"])
async def test_posting_to_an_incident_past_64_bits_is_422(
    client: httpx.AsyncClient, editor: dict[str, str], route: str
) -> None:
    body = {"message": "We are on it"} if route == "updates" else {"summary": "Fixed"}

    response = await client.post(f"/api/v1/incidents/{BIG}/{route}", headers=editor, json=body)

    assert response.status_code == 422


async def test_a_preview_of_an_occurrence_past_64_bits_is_422(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/notices/preview",
        headers=editor,
        json={"kind": "heads_up", "audience": "finance", "occurrence_id": int(BIG)},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.occurrence_id"


async def test_a_calendar_preview_from_the_year_9999_is_422(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/calendars/preview?from=9999-01-01T00:00:00Z",
        headers=viewer,
        files={"file": ("x.ics", ics(INVENTORY), "text/calendar")},
    )

    assert response.status_code == 422 and response.json()["field"] == "from"


async def test_an_update_promising_the_next_one_in_a_thousand_years_is_422(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/incidents/1/updates",
        headers=editor,
        json={"message": "On it", "next_update": "9999999999h"},
    )

    assert response.status_code == 422 and response.json()["field"] == "next_update"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/incidents/3000000000", 422), ("/api/v1/feedback?occurrence_id=3000000000", 422),
     (f"/api/v1/incidents/{2**31 - 1}", 404), ("/api/v1/occurrences?offset=3000000000", 200),
     (f"/api/v1/deliveries?offset={2**63 - 1}", 200)],
)  # fmt: skip
async def test_ids_are_bounded_by_postgresqls_integer_columns_and_offsets_by_bigint(
    client: httpx.AsyncClient, viewer: dict[str, str], path: str, status: int
) -> None:
    response = await client.get(path, headers=viewer)

    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "path",
    ["/api/v1/periods?calendar=%00", "/api/v1/calendars/a%00b", "/api/v1/incidents?system=%00",
     "/api/v1/audiences/a%00b/feed-link", "/calendar.ics?audience=%00&sig=x",
     "/api/v1/templates/heads_up/en?audience=%00"],
)  # fmt: skip
async def test_a_nul_in_the_address_is_400_before_it_reaches_the_database(
    client: httpx.AsyncClient, editor: dict[str, str], path: str
) -> None:
    response = await client.get(path, headers=editor)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "NUL" in response.json()["detail"]


NUL_ICS = ics(
    event("nul\x00@acme", "Inventur\x00 M\u00fcnchen", "20261230", "20261231",
          "DESCRIPTION:zwei\x00", "LOCATION:Lager\x00", "CATEGORIES:x\x00y",
          "X-CLOSEWATCH-SYSTEMS:wms\x00", "RRULE:FREQ=YEARLY;COUNT=2")
).decode()  # fmt: skip


@pytest.mark.parametrize(
    ("data", "encoding", "filename"),
    [
        (NUL_ICS.encode("utf-16"), None, "nul.ics"),
        (NUL_ICS.encode("latin-1"), "latin-1", "nul.ics"),
        ("title,start,systems,description\nClose\x00,2026-12-30,wms\x00,x\x00\n".encode("utf-16"),
         None, "nul.csv"),
    ],
    ids=["utf-16", "latin-1", "csv-utf-16"],
)  # fmt: skip
async def test_a_nul_inside_a_calendar_is_cleaned_and_never_reaches_the_database(
    client: httpx.AsyncClient,
    editor: dict[str, str],
    data: bytes,
    encoding: str | None,
    filename: str,
) -> None:
    fields = {"encoding": encoding} if encoding else {}
    response = await upload(client, editor, data, name="nul", filename=filename, **fields)

    assert response.status_code == 201, response.text
    periods = await client.get("/api/v1/periods", headers=editor)
    assert "\\u0000" not in periods.text and "\\u0000" not in response.text
    assert any("control characters removed" in w for w in response.json()["warnings"])
