"""Refuse a URL that holds a NUL character before any route sees it.

No name, token or query value of closewatch has one, and PostgreSQL cannot
compare text with one: ``/api/v1/periods?calendar=%00`` would fail in the
database driver (a 500) rather than find nothing. Bodies are checked by the
models that read them (:mod:`monitor.fields`).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from monitor.api.problems import PROBLEM_JSON

_BODY = json.dumps(
    {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "the address holds a NUL character (%00), which no name or value here has",
    }
).encode()


class NoNulInUrl:
    """ASGI middleware: a path or query with NUL (raw or ``%00``) gets 400 at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", PROBLEM_JSON.encode()),
                        (b"content-length", str(len(_BODY)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _BODY})
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"\x00" in query or b"%00" in query
