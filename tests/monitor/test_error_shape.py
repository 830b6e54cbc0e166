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


async def test_the_openapi_document_names_the_problem_shape_for_every_error(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()

    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) == PROBLEM_KEYS
    assert "errors" in schemas["Problem"]["properties"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            for status, answer in answers.items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"], (method, path)
            if path.startswith("/api/v1/"):
                assert {"401", "403"} <= set(answers), (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= set(answers), (method, path)
            if "{" in path:
                assert "404" in answers, (method, path)
    upload = document["paths"]["/api/v1/calendars"]["post"]["responses"]
    assert {"400", "413", "415", "422"} <= set(upload)
    assert "409" in document["paths"]["/api/v1/systems"]["post"]["responses"]
