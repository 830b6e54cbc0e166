"""Hostile values against a real ``closewatch serve --demo``: 4xx, never a 500.

Through uvicorn, as an attacker reaches it: its percent-decoding of paths, its
body handling, the served app's wiring. Each request is one an earlier
closewatch answered with 500; the in-process tests pin the exact messages.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.db.engine import make_engine, session_scope
from monitor.imports import ImportRequest, UploadedSource, horizon_for, parse_upload
from monitor.settings import Settings
from monitor.store.calendars import save_calendar
from tests.monitor.samples import INVENTORY, ics
from tests.monitor.test_serve import CLOSEWATCH, free_port

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless

BIG = "99999999999999999999"


@dataclass(frozen=True, slots=True)
class Served:
    base: str
    port: int
    headers: dict[str, str]
    data_dir: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("hostile")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    env["CLOSEWATCH_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [CLOSEWATCH, "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    token = None
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
        yield Served(
            f"http://127.0.0.1:{port}", port, {"Authorization": f"Bearer {token}"}, data_dir
        )
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stdout.close()


def deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


ICS = ics(INVENTORY)
HOSTILE: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/api/v1/occurrences?offset={BIG}", {}),
    ("GET", "/api/v1/periods?calendar=%00", {}),
    ("DELETE", "/api/v1/calendars/%00", {}),
    ("GET", f"/api/v1/deliveries?offset={BIG}", {}),
    ("GET", f"/api/v1/feedback?occurrence_id={BIG}", {}),
    ("GET", f"/api/v1/incidents/{BIG}", {}),
    ("GET", f"/api/v1/incidents/-{BIG}", {}),
    ("GET", "/api/v1/intensity/timeline?from=9999-12-31T23:59:59Z", {}),
    ("GET", "/api/v1/intensity?at=9999-12-31T23:59:59Z", {}),
    ("GET", "/api/v1/occurrences?from=0001-01-01T00:00:00%2B01:00", {}),
    ("POST", "/api/v1/calendars", {"content": "[" * 2000 + "]" * 2000, "json_body": True}),
    ("POST", "/api/v1/calendars/preview", {"content": deep(2000), "json_body": True}),
    ("POST", "/api/v1/systems", {"content": deep(2000), "json_body": True}),
    ("POST", "/api/v1/audiences", {"content": "[" * 2000 + "]" * 2000, "json_body": True}),
    ("POST", "/api/v1/calendars", {"files": {"file": ("x.ics", ICS)}, "data": {"encoding": "rot13"}}),
    ("POST", "/api/v1/calendars", {"files": {"file": ("x.ics", ICS)}, "data": {"encoding": "zlib_codec"}}),
    ("POST", "/api/v1/calendars", {"files": {"file": ("x.ics", ICS)}, "data": {"name": "a/../b"}}),
    ("POST", "/api/v1/calendars/preview", {"files": {"file": ("x.ics", ICS)}, "data": {"encoding": "utf-8\x00"}}),
    ("POST", "/api/v1/notices/preview", {"json": {"kind": "heads_up", "audience": "finance", "lang": "zz"}}),
    ("POST", "/api/v1/notices/preview",
     {"json": {"kind": "heads_up", "audience": "finance", "occurrence_id": int(BIG)}}),
    ("POST", "/api/v1/audiences", {"content": json.dumps({
        "name": "x", "timezone": "UTC", "contact": {"name": "\ud800", "email": "a@example.com"}}),
        "json_body": True}),
    ("POST", "/api/v1/calendars", {"content": json.dumps({
        "name": "x", "rules": {"periods": [{"title": "\ud800", "rule": {"annual": "12-30"}}]}}),
        "json_body": True}),
    ("POST", f"/api/v1/incidents/{BIG}/updates", {"json": {"message": "On it"}}),
    ("POST", "/api/v1/incidents/1/updates", {"json": {"message": "On it", "next_update": "9999999999h"}}),
    ("PUT", "/api/v1/templates/heads_up/zz", {"json": {"subject": "s", "text": "t", "html": "h"}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "options"), HOSTILE, ids=[f"{m} {p[:60]}" for m, p, _ in HOSTILE]
)
def test_hostile_request_is_a_problem_detail_4xx(
    served: Served, method: str, path: str, options: dict[str, Any]
) -> None:
    options = dict(options)
    headers = dict(served.headers)
    if options.pop("json_body", False):
        headers["Content-Type"] = "application/json"
    response = httpx.request(method, served.base + path, headers=headers, timeout=30, **options)

    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    assert response.headers["content-type"] == "application/problem+json"


def test_the_preview_page_answers_a_superscript_occurrence(served: Served) -> None:
    with httpx.Client(base_url=served.base, timeout=30) as browser:
        form = browser.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        token = served.headers["Authorization"].removeprefix("Bearer ")
        browser.post("/signin", data={"csrf": csrf.group(1), "token": token})
        page = browser.get(
            "/notices/preview",
            params={"kind": "heads_up", "audience": "finance", "occurrence": "²"},
        )

    assert page.status_code == 200
    assert "is not an occurrence number" in page.text


@pytest.mark.parametrize("legacy", ["..", "a/../b", "."])
def test_a_stored_name_that_is_not_a_slug_is_deleted_through_the_api(
    served: Served, legacy: str
) -> None:
    settings = Settings(data_dir=served.data_dir, database_url=None)
    engine = make_engine(settings.effective_database_url)
    now = datetime.now(UTC)
    source = UploadedSource(name=legacy, data=ICS, filename="old.ics")
    parsed = parse_upload(settings, ImportRequest(source), horizon=horizon_for(settings, now))
    with session_scope(engine) as session:
        save_calendar(session, source, parsed, now=now)
    engine.dispose()
    quoted = "".join(f"%{byte:02X}" for byte in legacy.encode())

    # http.client sends the path as written: no client-side normalising of dots.
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.request("DELETE", f"/api/v1/calendars/{quoted}", headers=served.headers)
    status = connection.getresponse().status
    connection.close()

    assert status == 204
    listed = httpx.get(f"{served.base}/api/v1/calendars", headers=served.headers, timeout=30)
    assert legacy not in [calendar["name"] for calendar in listed.json()]
    assert "demo-finance-calendar" in [calendar["name"] for calendar in listed.json()]
