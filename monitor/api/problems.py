"""Every API error, one shape: an RFC 9457 problem detail.

```json
{"type": "about:blank", "title": "Unprocessable calendar", "status": 422,
 "detail": "closing.ics: line 14: event 'Close' (UID a1): end before start",
 "line": 14, "event": "'Close' (UID a1)"}
```
Handlers here are the only place exceptions become responses; a test pins the shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from calendars import CalendarError
from monitor.jobs import WorkersBusy

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# Why an entry from the site file cannot be changed through the API or a page.
SITE_MANAGED = "managed by the site file; change it there"


class Problem(Exception):
    """An error the client can act on; ``extra`` adds members such as ``field``."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.extra = extra
        self.headers: dict[str, str] = {}


def invalid_field(field: str, detail: str) -> Problem:
    """A 422 naming the request field that is wrong."""
    return Problem(422, f"{field}: {detail}", title="Invalid request", field=field)


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **{key: value for key, value in extra.items() if value is not None},
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def calendar_problem(error: CalendarError) -> Problem:
    return Problem(
        422,
        str(error),
        title="Unprocessable calendar",
        source=error.source,
        line=error.line,
        event=error.event,
    )


async def _on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        exc.status, exc.detail, title=exc.title, headers=exc.headers, **exc.extra
    )


async def _on_calendar_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CalendarError)
    return await _on_problem(request, calendar_problem(exc))


async def _on_workers_busy(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkersBusy)
    return problem_response(
        503,
        f"closewatch is busy reading other uploads ({exc}); try again in a minute",
        headers={"Retry-After": "60"},
    )


async def _on_http_exception(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(exc.status_code, str(exc.detail), headers=exc.headers)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        # "Value error, " is pydantic's wrapping of our validators' own sentences.
        {"field": ".".join(str(part) for part in error["loc"]),
         "message": str(error["msg"]).removeprefix("Value error, ")}
        for error in exc.errors()
    ]  # fmt: skip
    first = errors[0] if errors else {"field": "request", "message": "invalid"}
    return problem_response(
        422, f"{first['field']}: {first['message']}", title="Invalid request", errors=errors
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "closewatch hit an unexpected error; it has been logged.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(CalendarError, _on_calendar_error)
    app.add_exception_handler(WorkersBusy, _on_workers_busy)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
