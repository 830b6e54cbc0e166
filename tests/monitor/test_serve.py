"""`closewatch serve --demo` as a new user starts it: a real process on a real port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    env["CLOSEWATCH_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [CLOSEWATCH, "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    token = None
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if match := re.search(r"token for trying the API: (cw_\S+)", line):
                token = match.group(1)
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
            if process.poll() is not None:
                pytest.fail(f"serve exited early: {line}{process.stdout.read()}")
        assert token, "serve --demo printed no token"
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stdout.close()


@pytest.mark.wallclock
def test_demo_shows_periods_around_today(demo_server: tuple[str, str]) -> None:
    base, token = demo_server
    headers = {"Authorization": f"Bearer {token}"}

    home = httpx.get(f"{base}/", timeout=10, follow_redirects=True)
    calendars = httpx.get(f"{base}/api/v1/calendars", headers=headers, timeout=10).json()
    occurrences = httpx.get(f"{base}/api/v1/occurrences", headers=headers, timeout=10).json()
    docs = httpx.get(f"{base}/openapi.json", timeout=10).json()

    assert home.status_code == 200 and str(home.url) == f"{base}/signin"
    assert "closewatch" in home.text and "Sign in" in home.text
    assert [c["name"] for c in calendars] == ["demo-finance-calendar"]
    titles = {o["title"] for o in occurrences}
    assert {"Month-end closing", "Payroll run", "Year-end inventory count"} <= titles
    assert "/api/v1/calendars" in docs["paths"]
    assert httpx.get(f"{base}/api/v1/calendars", timeout=10).status_code == 401
