"""Every API error has one shape: an RFC 9457 problem detail."""

from __future__ import annotations

import httpx

from tests.monitor.samples import event, ics
from tests.monitor.test_api_calendars import upload

PROBLEM_KEYS = {"type", "title", "status", "detail"}


async def test_calendar_error_shape(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    bad = ics(event("bad@acme", "Stock take", "20261230", "20261228"))

    response = await upload(client, editor, bad, name="w", filename="stock.ics")

    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert set(body) >= PROBLEM_KEYS
    assert body["type"] == "about:blank"
    assert body["title"] == "Unprocessable calendar"
    assert body["status"] == 422
    assert body["source"] == "stock.ics"
    assert "bad@acme" in body["event"]
    assert isinstance(body["line"], int)


async def test_validation_error_shape(client: httpx.AsyncClient, viewer: dict[str, str]) -> None:
    response = await client.get("/api/v1/occurrences?limit=0", headers=viewer)

    body = response.json()
    assert response.status_code == 422
    assert set(body) >= PROBLEM_KEYS
    assert body["errors"][0]["field"] == "query.limit"
    assert body["detail"].startswith("query.limit: ")


async def test_not_found_shape(client: httpx.AsyncClient, viewer: dict[str, str]) -> None:
    for path in ("/api/v1/calendars/nope", "/api/v1/no-such-route"):
        response = await client.get(path, headers=viewer)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert set(response.json()) >= PROBLEM_KEYS
