"""Bad uploads get a clear problem detail and store nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.monitor.samples import INVENTORY, event, ics
from tests.monitor.test_api_calendars import upload

END_BEFORE_START = event("bad@acme", "Stock take", "20261230", "20261228")
BAD_RRULE = event("rr@acme", "Close", "20261127", "20261128", "RRULE:FREQ=SOMETIMES")


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"", "empty.ics", "empty"),
        (b"hello, this is not a calendar\n", "notes.ics", "BEGIN:VCALENDAR"),
        (ics(END_BEFORE_START), "closing.ics", "end"),
        (ics(BAD_RRULE), "closing.ics", "RRULE"),
        ("BEGIN:VCALENDAR\nSUMMARY:Inventur M\xfcnchen\n".encode("latin-1"), "latin.ics", "UTF-8"),
        (b"title,start,end\nClose,2026-11-31,2026-12-01\n", "sheet.csv", "line 2"),
    ],
)
async def test_bad_upload_is_422_naming_the_problem_and_stores_nothing(
    client: httpx.AsyncClient, editor: dict[str, str], data: bytes, filename: str, fragment: str
) -> None:
    response = await upload(client, editor, data, name="finance", filename=filename)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 422
    assert fragment in problem["detail"]
    assert filename in problem["detail"]
    assert (await client.get("/api/v1/calendars", headers=editor)).json() == []


async def test_bad_reupload_leaves_the_stored_calendar_untouched(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await upload(client, editor, ics(INVENTORY), name="warehouse")

    response = await upload(client, editor, ics(INVENTORY, END_BEFORE_START), name="warehouse")

    assert response.status_code == 422
    assert response.json()["event"]
    occurrences = (await client.get("/api/v1/occurrences", headers=editor)).json()
    assert [o["title"] for o in occurrences] == ["Year-end inventory count"]


async def test_unknown_time_zone_is_named(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await upload(client, editor, ics(INVENTORY), name="w", timezone="Europe/Munich")

    assert response.status_code == 422
    assert "Europe/Munich" in response.json()["detail"]


async def test_latin1_upload_is_read_when_its_encoding_is_named(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    latin = (
        ics(event("inv@acme", "Inventur M\xfcnchen", "20261230", "20261231"))
        .decode()
        .encode("latin-1")
    )

    response = await upload(client, editor, latin, name="lager", encoding="latin-1")

    assert response.status_code == 201, response.text
    (period,) = (await client.get("/api/v1/periods", headers=editor)).json()
    assert period["title"] == "Inventur München"


async def test_upload_over_the_limit_is_413(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    huge = ics(INVENTORY) + b" " * (300 * 1024)  # the test settings allow 256 KiB

    response = await upload(client, editor, huge, name="big")

    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert (await client.get("/api/v1/calendars", headers=editor)).json() == []


async def test_wrong_content_type_is_415(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/calendars",
        headers={**editor, "Content-Type": "text/calendar"},
        content=ics(INVENTORY),
    )

    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


async def test_form_without_file_is_400(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/calendars", headers=editor, files={"other": ("x.ics", b"x")}, data={"name": "x"}
    )

    assert response.status_code == 400
    assert response.json()["field"] == "file"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rules": {"periods": []}}, "name"),
        ({"name": "x"}, "rules"),
        ({"name": "x", "rules": [1]}, "rules"),
        ({"name": "x", "rules": {}, "colour": "red"}, "colour"),
    ],
)
async def test_bad_json_body_names_the_field(
    client: httpx.AsyncClient, editor: dict[str, str], body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/v1/calendars", headers=editor, json=body)

    assert response.status_code == 422
    assert response.json()["field"] == field


async def test_bad_rules_document_names_the_field(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    rules = {"periods": [{"title": "Close", "rule": {"last_working_days": 0}}]}

    response = await client.post(
        "/api/v1/calendars", headers=editor, json={"name": "x", "rules": rules}
    )

    assert response.status_code == 422
    assert "last_working_days" in response.json()["detail"]


async def test_time_range_without_zone_is_refused(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    response = await client.get("/api/v1/occurrences?from=2026-12-01T00:00:00", headers=viewer)

    assert response.status_code == 422
    assert response.json()["field"] == "from"
