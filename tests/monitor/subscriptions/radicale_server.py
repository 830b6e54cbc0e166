"""A real Radicale CalDAV server on a free port, with a temporary storage folder and one user.

with radicale(tmp_path) as server:
    server.calendar.save_event(ics_text)     # as a user's calendar app would
    server.collection                        # the address closewatch subscribes to
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.served import free_port

USER, PASSWORD = "finance-lead", "closing-2026"
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class Radicale:
    base: str
    collection: str  # the calendar collection's address
    calendar: Any  # a caldav Calendar on it, for the test to change events
    log: Path


@contextmanager
def radicale(folder: Path, *, calendar: str = "closing") -> Iterator[Radicale]:
    import caldav

    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "radicale.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", "",
             "--storage-filesystem-folder", str(folder / "storage"),
             "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "htpasswd",
             "--auth-htpasswd-filename", str(users), "--auth-htpasswd-encryption", "plain"],
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(base, process, log)
        client = caldav.DAVClient(url=f"{base}/{USER}/", username=USER, password=PASSWORD)
        made = client.principal().make_calendar(name=calendar, cal_id=calendar)
        yield Radicale(base, str(made.url), made, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale stopped: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"{base}/.web/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(
        f"radicale did not start within {STARTUP_SECONDS} s: {log.read_text()[-2000:]}"
    )
