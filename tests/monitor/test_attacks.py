"""Each input that stalled closewatch in issue 10 now gets a clean refusal, quickly.

These drive the app in this process (SQLite only: the database plays no part);
``tests/monitor/test_stalls_served.py`` checks a served process stays responsive
during one, and ``tests/bench/stall_bench.py`` measures all of them.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from monitor.api import create_app
from monitor.db.engine import make_engine
from monitor.roles import Role
from monitor.settings import Settings
from tests.attacks import (
    ALIAS_BOMB,
    BACKTRACKING_PATTERN,
    NESTED_RANGE_TEMPLATE,
    honest_calendar,
    secondly_series,
)
from tests.conftest import NOW, make_token

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless

Attacked = tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]


@pytest.fixture
async def attacked(
    tmp_path: Path, migrated_sqlite: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Attacked]:
    """A client of an app with the given settings, an editor's and a viewer's headers."""
    shutil.copyfile(migrated_sqlite, tmp_path / "closewatch.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'closewatch.db'}")
    overrides = getattr(request, "param", {})
    settings = Settings(data_dir=tmp_path, timezone="Europe/Berlin", **overrides)
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        yield client, make_token(engine, Role.EDITOR), make_token(engine, Role.VIEWER)
    engine.dispose()


def _file(name: str, data: bytes) -> dict[str, tuple[str, bytes]]:
    return {"file": (name, data)}


@pytest.mark.parametrize("attacked", [{"max_occurrences_per_upload": 1500}], indirect=True)
async def test_unbounded_secondly_series_get_422_naming_the_total(attacked: Attacked) -> None:
    client, _editor, viewer = attacked
    started = time.monotonic()

    response = await client.post(
        "/api/v1/calendars/preview", headers=viewer, files=_file("ticks.ics", secondly_series(500))
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "ticks.ics: more than 1,500 occurrences in the horizon, the limit for one calendar; "
        "split it into several calendars or shorten its series"
    )
    assert time.monotonic() - started < 20  # a second or two; it was 35 s and 103 MB


async def test_the_yaml_alias_bomb_gets_422_at_once(attacked: Attacked) -> None:
    client, editor, _viewer = attacked
    started = time.monotonic()

    response = await client.post(
        "/api/v1/calendars", headers=editor, files=_file("rules.yaml", ALIAS_BOMB)
    )

    assert response.status_code == 422
    assert response.json()["line"] == 10
    assert "aliases repeat the value anchored here" in response.json()["detail"]
    assert time.monotonic() - started < 5  # it took 23 s
    assert (await client.get("/api/v1/calendars", headers=editor)).json() == []


@pytest.mark.parametrize("attacked", [{"job_seconds": 3.0}], indirect=True)
async def test_a_job_past_the_time_limit_gets_422_naming_it_and_stores_nothing(
    attacked: Attacked,
) -> None:
    client, editor, _viewer = attacked
    started = time.monotonic()

    # The per-series cap keeps each series to a thousand; 500 of them take far more than 3 s.
    response = await client.post(
        "/api/v1/calendars", headers=editor, files=_file("ticks.ics", secondly_series(500))
    )

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "ticks.ics: reading it took longer than the limit of 3 s (CLOSEWATCH_JOB_SECONDS); "
        "split it into smaller calendars or shorten its series"
    )
    assert time.monotonic() - started < 12
    assert (await client.get("/api/v1/calendars", headers=editor)).json() == []
    honest = await client.post(
        "/api/v1/calendars",
        headers=editor,
        files=_file("closing.ics", honest_calendar(3, around=NOW.date())),
    )
    assert honest.status_code == 201, honest.text  # a new worker took over


async def test_a_preview_lists_a_thousand_occurrences_and_counts_the_rest(
    attacked: Attacked,
) -> None:
    client, _editor, viewer = attacked

    response = await client.post(
        "/api/v1/calendars/preview",
        headers=viewer,
        files=_file("closing.ics", honest_calendar(1200, around=NOW.date())),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (len(body["occurrences"]), body["more_occurrences"]) == (1000, 200)
    starts = [occurrence["start"] for occurrence in body["occurrences"]]
    assert starts == sorted(starts)


async def test_a_template_with_nested_range_loops_gets_422_naming_the_part_and_line(
    attacked: Attacked,
) -> None:
    client, editor, _viewer = attacked
    started = time.monotonic()

    response = await client.put(
        "/api/v1/templates/heads_up/en",
        headers=editor,
        json={
            "subject": "Heads-up from {{ contact.name }}",
            "text": NESTED_RANGE_TEMPLATE,
            "html": "<p>{{ contact.name }}</p>",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "body.text",
            "part": "text",
            "line": 1,
            "message": "rendering took longer than the limit of 2 s",
        }
    ]
    assert time.monotonic() - started < 10
    assert (await client.get("/api/v1/templates", headers=editor)).json() == []


def _system(pattern: str) -> dict[str, object]:
    check = {"name": "web", "kind": "http", "url": "https://sap.example.com/health"}
    return {
        "name": "sap-fi",
        "plain_name": "Finance",
        "checks": [{**check, "body_pattern": pattern}],
    }


async def test_a_pattern_that_needs_backtracking_gets_422_naming_the_field(
    attacked: Attacked,
) -> None:
    client, editor, _viewer = attacked

    refused = await client.post("/api/v1/systems", headers=editor, json=_system(r"(ok)\1"))
    accepted = await client.post(
        "/api/v1/systems", headers=editor, json=_system(BACKTRACKING_PATTERN)
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.checks.0.http.body_pattern"
    assert "invalid escape sequence: \\1 (patterns run on RE2" in refused.json()["detail"]
    # (a+)+$ is no threat on RE2, which never backtracks: it is stored and runs in one pass.
    assert accepted.status_code == 201, accepted.text
