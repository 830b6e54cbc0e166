"""Debian's real Prometheus, Alertmanager and blackbox_exporter, and small HTTP servers, for
end-to-end tests: each started on a free port of 127.0.0.1 in a temporary folder, stopped
(and its log shown on failure) when the block ends::

    with Stack(tmp_path) as stack:
        exporter = stack.http_server(handler)            # a tiny HTTP server in a thread
        prometheus = stack.prometheus(config_yaml)       # base URL, once it is ready
        alertmanager = stack.alertmanager(config_yaml)

These tests run on real time (scrape, evaluation and group intervals), so they live in
tests/deploy, which the runs at shifted dates (tests/run_at_dates.sh) leave out.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import httpx
import pytest

from tests.notifiers.smtp import Received, SMTPServer
from tests.served import free_port
from tests.tools import require_tool

READY_SECONDS = 30


class Stack(AbstractContextManager["Stack"]):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        self._servers: list[ThreadingHTTPServer] = []

    def http_server(self, handler: type[BaseHTTPRequestHandler]) -> str:
        """Serve ``handler`` on a free port in a thread; its base URL."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def prometheus(self, config: str, *flags: str) -> str:
        port = free_port()
        path = self._write("prometheus.yml", config)
        self._start("prometheus", [
            require_tool("prometheus"), f"--config.file={path}",
            f"--storage.tsdb.path={self.folder / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{port}", *flags,
        ])  # fmt: skip
        return self._ready("prometheus", f"http://127.0.0.1:{port}", "/-/ready")

    def alertmanager(self, config: str) -> str:
        port = free_port()
        path = self._write("alertmanager.yml", config)
        self._start("alertmanager", [
            require_tool("prometheus-alertmanager"), f"--config.file={path}",
            f"--storage.path={self.folder / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
        ])  # fmt: skip
        return self._ready("alertmanager", f"http://127.0.0.1:{port}", "/-/ready")

    def blackbox(self, config_file: Path) -> str:
        port = free_port()
        self._start("blackbox", [
            require_tool("prometheus-blackbox-exporter"), f"--config.file={config_file}",
            f"--web.listen-address=127.0.0.1:{port}",
        ])  # fmt: skip
        return self._ready("blackbox", f"http://127.0.0.1:{port}", "/metrics")

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{log.read_text()[-3000:]}"
                         for name, _process, log in self._processes)  # fmt: skip

    def _write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(text)
        return path

    def _start(self, name: str, command: list[str]) -> None:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        self._processes.append((name, process, log))

    def _ready(self, name: str, base: str, path: str) -> str:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + path, timeout=2).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{name} was not ready within {READY_SECONDS} s\n{self.logs()}")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for _name, process, _log in reversed(self._processes):
            process.terminate()
        for _name, process, _log in self._processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        for server in self._servers:
            server.shutdown()
            server.server_close()


def until(
    what: str, found: Callable[[], object], *, within: float, logs: Callable[[], str]
) -> object:
    """Poll ``found`` until truthy; fail naming ``what`` with the logs after ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.05)
    pytest.fail(f"{what}: not within {within} s\n{logs()}")


class StampedList(list[Received]):
    """Received messages, and the monotonic time each arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: Received) -> None:
        self.times.append(time.monotonic())
        super().append(item)


class ThreadedSMTP(AbstractContextManager["ThreadedSMTP"]):
    """The tests' aiosmtpd server in a loop of its own, so blocking test code never stalls it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = SMTPServer()
        self.received = StampedList()
        self.server.received = self.received

    def __enter__(self) -> ThreadedSMTP:
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(timeout=10)
        return self

    @property
    def port(self) -> int:
        return self.server.port

    def arrival(self, kind: str, to: str) -> tuple[float, EmailMessage] | None:
        """When the first message of ``kind`` for ``to`` arrived, and the message."""
        for at, received in zip(self.received.times, list(self.received), strict=False):
            message = received.message
            if message["X-Closewatch-Kind"] == kind and to in received.rcpt_tos:
                return at, message
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()
