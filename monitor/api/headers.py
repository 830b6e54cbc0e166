"""Security headers on every answer, and a strict Content-Security-Policy on pages.

Pages load nothing but closewatch's own stylesheet and one small script of its own
(``/static/live.js``, which refreshes numbers by asking closewatch again): no inline
script or style (no script element with a body, ``<style>``, ``style=`` or ``on...=``
in ``templates/pages``), so :data:`PAGE_POLICY` allows only ``'self'``. No page may be framed by another
site (``frame-ancestors 'none'``), browsers must not guess content types, and
links carry the referrer only within closewatch. Other answers (JSON, the
calendar feed) get :data:`DATA_POLICY`, which allows nothing at all.

A route that needs another policy sets its own ``Content-Security-Policy`` (and
``X-Frame-Options``); this middleware leaves those alone. The interactive API
reference (``/docs``, ``/redoc``) runs the script FastAPI ships with it, so it
gets only ``frame-ancestors 'none'``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = "frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
}


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", _policy(path, headers))
            await send(message)

        await self.app(scope, receive, with_headers)


def _policy(path: str, headers: MutableHeaders) -> str:
    if path.startswith(DOCS_PATHS):
        return DOCS_POLICY
    if headers.get("content-type", "").startswith("text/html"):
        return PAGE_POLICY
    return DATA_POLICY
