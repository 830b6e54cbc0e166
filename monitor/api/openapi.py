"""The OpenAPI document tells the truth about errors: each is a problem detail.

closewatch answers every error as ``application/problem+json``
(:mod:`monitor.api.problems`), which the document describes once, as the
``Problem`` schema, and names for every answer an operation can give:

- 401 and 403 on every operation that takes a bearer token;
- 400 and 413 on every operation with a request body: one that cannot be read
  (not UTF-8 where JSON is expected), or one over the limit
  (:class:`~monitor.api.limits.BodySizeLimit` refuses it, whatever the route);
- 422 on every operation with parameters or a body, replacing the
  ``HTTPValidationError`` shape FastAPI documents by default, which closewatch
  never sends;
- 400, 404, 409, 415 and 503 where a route says so, with :func:`problems`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from monitor.api.problems import PROBLEM_JSON

DESCRIPTIONS = {
    400: "The request cannot be read: a malformed form or body",
    401: "No bearer token, or one that is not valid (revoked, mistyped)",
    403: "The token's role is too low, or a signed link was edited",
    404: "Nothing of that name or id",
    409: "It conflicts with what is stored: it exists already, or the site file manages it",
    413: "The body is larger than CLOSEWATCH_MAX_UPLOAD_BYTES",
    415: "The body is neither multipart/form-data nor JSON",
    422: "A field or a calendar that cannot be used; `errors` lists each problem",
    503: "Not ready: the database does not answer, or the scheduler does not run",
}

PROBLEM: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem detail: what is wrong, naming the field, line or event.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Unprocessable calendar"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "The field or parameter at fault."},
        "source": {"type": "string", "description": "The uploaded file at fault."},
        "line": {"type": "integer", "description": "The line at fault in it."},
        "event": {"type": "string", "description": "The calendar event at fault."},
        "limit": {"type": "integer", "description": "The limit that was passed."},
        "errors": {
            "type": "array",
            "description": "Every problem found, when there are several.",
            "items": {"$ref": "#/components/schemas/ProblemItem"},
        },
    },
    "additionalProperties": True,
}
PROBLEM_ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["field", "message"],
    "properties": {
        "field": {"type": "string", "example": "body.timezone"},
        "message": {"type": "string"},
        "part": {
            "type": ["string", "null"],
            "description": "A template's part: subject, text, html.",
        },
        "line": {"type": ["integer", "null"]},
    },
    "additionalProperties": True,
}
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: these statuses answer with a problem detail."""
    return {status: _answer(status) for status in statuses}


def _answer(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def install_openapi(app: FastAPI) -> None:
    """Serve the document with the problem answers filled in, as the module says."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = with_problems(schema)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to customise it


def with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        components.pop(name, None)
    components["Problem"] = PROBLEM
    components["ProblemItem"] = PROBLEM_ITEM
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            statuses = []
            if operation.get("security"):
                statuses += [401, 403]
            if "requestBody" in operation:
                statuses += [400, 413]
            if operation.get("parameters") or "requestBody" in operation:
                statuses += [422]
            for status in statuses:
                documented = answers.get(str(status), {}).get("content", {})
                if PROBLEM_JSON not in documented:  # absent, or FastAPI's own 422
                    answers[str(status)] = _answer(status)
    return schema
