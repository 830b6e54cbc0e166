"""A real local HTTP server that serves calendar files the way calendar hosts do.

Each file has a strong ETag (its hash) and a Last-Modified time; a request whose
``If-None-Match`` matches gets ``304 Not Modified``. A path under ``/gzip/`` is sent
gzip-encoded, ``/redirect/N/path`` redirects N times before the file,
``/elsewhere`` redirects to an ``ftp:`` address and ``/slow/path`` waits before
answering. Every request is noted as (method, path, status, request headers).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class CalendarHost:
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str, int, dict[str, str]]] = field(default_factory=list)
    slow_seconds: float = 5.0
    base: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def statuses(self, path: str) -> list[int]:
        return [status for _m, seen, status, _h in self.requests if seen == path]


def _handler(host: CalendarHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            path = self.path
            if path.startswith("/redirect/"):
                _, _, count, rest = path.split("/", 3)
                left = int(count) - 1
                target = f"/redirect/{left}/{rest}" if left > 0 else f"/{rest}"
                return self._answer(302, b"", {"Location": target})
            if path == "/elsewhere":
                return self._answer(302, b"", {"Location": "ftp://127.0.0.1/closing.ics"})
            if path.startswith("/slow/"):
                time.sleep(host.slow_seconds)
                path = path[len("/slow") :]
            zipped = path.startswith("/gzip/")
            if zipped:
                path = path[len("/gzip") :]
            data = host.files.get(path)
            if data is None:
                return self._answer(404, b"not found")
            etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
            headers = {"ETag": etag, "Last-Modified": formatdate(0, usegmt=True),
                       "Content-Type": "text/calendar; charset=utf-8"}  # fmt: skip
            if self.headers.get("If-None-Match") == etag:
                return self._answer(304, b"", headers)
            if zipped and "gzip" in self.headers.get("Accept-Encoding", ""):
                data = gzip.compress(data)
                headers["Content-Encoding"] = "gzip"
            return self._answer(200, data, headers)

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            host.requests.append(("GET", self.path, status, dict(self.headers)))
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def calendar_host() -> Iterator[CalendarHost]:
    host = CalendarHost()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(host))
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]  # a client that hung up
    host.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
