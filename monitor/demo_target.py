"""The demo's own target: a small HTTP server that fails for a few minutes now and then.

``closewatch serve --demo`` starts it on a free local port and points the demo
systems' checks at it, so a newcomer sees the whole loop within minutes: checks
running, an incident opening, the notices written to ``DATA_DIR/outbox``, a
promised update kept, and the recovery.

``GET /<system>`` answers ``200 OK`` except for the failing system during an
outage, when it answers ``503``. Outages follow a fixed :class:`OutageSchedule`
counted from when the target started: the first after ``first``, lasting
``length``, then again every ``every``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor.clock import Clock, system_clock

FAILING_SYSTEM = "sap-fi"


@dataclass(frozen=True, slots=True)
class OutageSchedule:
    first: timedelta = timedelta(minutes=1)
    length: timedelta = timedelta(minutes=4)
    every: timedelta = timedelta(minutes=30)

    def failing(self, elapsed: timedelta) -> bool:
        """Whether the target is down ``elapsed`` after it started."""
        if elapsed < self.first:
            return False
        return (elapsed - self.first) % self.every < self.length

    def next_outage(self, elapsed: timedelta) -> timedelta:
        """How long after the start the next outage (or the current one) begins."""
        if elapsed < self.first:
            return self.first
        cycles = (elapsed - self.first) // self.every
        return self.first + cycles * self.every


class DemoTarget:
    """The server, in a daemon thread of its own; ``url(system)`` is what a check probes."""

    def __init__(self, schedule: OutageSchedule, *, clock: Clock = system_clock) -> None:
        self.schedule = schedule
        self.clock = clock
        self.started: datetime = clock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-target", daemon=True
        )

    def start(self) -> DemoTarget:
        self.started = self.clock()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, system: str) -> str:
        return f"http://127.0.0.1:{self.port}/{system}"

    def failing(self, system: str) -> bool:
        return system == FAILING_SYSTEM and self.schedule.failing(self.clock() - self.started)


def _handler_for(target: DemoTarget) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "closewatch-demo-target"

        def do_GET(self) -> None:
            system = self.path.strip("/").split("?")[0]
            failing = target.failing(system)
            body = b"Service Unavailable\n" if failing else b"OK\n"
            self.send_response(503 if failing else 200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the checks every few seconds would drown the server's log

    return Handler
