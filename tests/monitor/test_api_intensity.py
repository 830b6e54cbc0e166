"""The intensity API: levels at an instant, and the timeline of levels over a span.

The month-end close in the samples runs Friday 27 November to Tuesday 1 December
2026 (all day, Europe/Berlin): high from 2026-11-26T23:00Z to 2026-12-01T23:00Z.
The default ramp raises it to elevated from two working days before (Wednesday
25th, local midnight: 2026-11-24T23:00Z) until a day after (2026-12-02T23:00Z).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from calendars import Level
from monitor.intensity.policy import DEFAULT_POLICY
from tests.monitor.samples import MONTH_END, ics
from tests.monitor.test_api_calendars import upload
from tests.monitor.test_api_systems import SAP_FI

RAMP_START = "2026-11-24T23:00:00Z"
CLOSE_START = "2026-11-26T23:00:00Z"
CLOSE_END = "2026-12-01T23:00:00Z"
RAMP_END = "2026-12-02T23:00:00Z"


@pytest.fixture
async def closing(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    """sap-fi watched through the API; the calendar names sap-fi and invoicing."""
    assert (await client.post("/api/v1/systems", headers=editor, json=SAP_FI)).status_code == 201
    assert (await upload(client, editor, ics(MONTH_END), name="finance")).status_code == 201


async def levels_at(client: httpx.AsyncClient, headers: dict[str, str], at: str) -> dict[str, Any]:
    response = await client.get("/api/v1/intensity", headers=headers, params={"at": at})
    assert response.status_code == 200, response.text
    return {system["name"]: system for system in response.json()["systems"]}


@pytest.mark.usefixtures("closing")
async def test_level_inside_the_period_is_its_level(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    systems = await levels_at(client, viewer, "2026-11-28T12:00:00+01:00")

    sap = systems["sap-fi"]
    assert sap["level"] == "high"
    assert sap["plain_name"] == "the finance and invoicing system"
    (cause,) = sap["causes"]
    assert {key: cause[key] for key in ("title", "category", "phase", "start", "end")} == {
        "title": "Month-end closing",
        "category": "month_end_close",
        "phase": "during",
        "start": CLOSE_START,
        "end": CLOSE_END,
    }
    high = DEFAULT_POLICY[Level.HIGH]
    assert sap["policy"]["interval_seconds"] == high.interval
    assert sap["policy"]["failures"] == high.failures
    assert sap["policy"]["latency_budget_seconds"] == high.latency_budget
    assert sap["policy"]["response_minutes"] == high.response_minutes
    assert "checks" not in sap


@pytest.mark.usefixtures("closing")
async def test_ramp_starts_two_working_days_before_at_local_midnight(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    before = await levels_at(client, viewer, "2026-11-24T22:59:59Z")
    ramp = await levels_at(client, viewer, RAMP_START)
    after = await levels_at(client, viewer, "2026-12-02T12:00:00Z")
    later = await levels_at(client, viewer, RAMP_END)

    assert (before["sap-fi"]["level"], before["sap-fi"]["causes"]) == ("normal", [])
    assert before["sap-fi"]["policy"]["interval_seconds"] == DEFAULT_POLICY[Level.NORMAL].interval
    assert ramp["sap-fi"]["level"] == "elevated"
    assert ramp["sap-fi"]["causes"][0]["phase"] == "before"
    assert ramp["sap-fi"]["policy"]["interval_seconds"] == DEFAULT_POLICY[Level.ELEVATED].interval
    assert (after["sap-fi"]["level"], after["sap-fi"]["causes"][0]["phase"]) == (
        "elevated",
        "after",
    )
    assert later["sap-fi"]["level"] == "normal"


@pytest.mark.usefixtures("closing")
async def test_default_instant_is_now_and_calendar_only_systems_are_listed(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    body = (await client.get("/api/v1/intensity", headers=viewer)).json()

    assert body["at"] == "2026-11-25T09:00:00Z"
    systems = {system["name"]: system for system in body["systems"]}
    assert sorted(systems) == ["invoicing", "sap-fi"]
    assert systems["sap-fi"]["level"] == "elevated"
    invoicing = systems["invoicing"]
    assert (invoicing["managed_by"], invoicing["plain_name"]) == (None, None)
    assert invoicing["level"] == "elevated"


@pytest.mark.usefixtures("closing")
async def test_timeline_lists_the_boundaries(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/intensity/timeline",
        headers=viewer,
        params={"from": "2026-11-20T00:00:00Z", "to": "2026-12-10T00:00:00Z", "system": "sap-fi"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-11-20T00:00:00Z", "2026-12-10T00:00:00Z")
    (system,) = body["systems"]
    assert system["name"] == "sap-fi"
    assert [(s["start"], s["end"], s["level"]) for s in system["segments"]] == [
        ("2026-11-20T00:00:00Z", RAMP_START, "normal"),
        (RAMP_START, CLOSE_START, "elevated"),
        (CLOSE_START, CLOSE_END, "high"),
        (CLOSE_END, RAMP_END, "elevated"),
        (RAMP_END, "2026-12-10T00:00:00Z", "normal"),
    ]
    phases = [[c["phase"] for c in s["causes"]] for s in system["segments"]]
    assert phases == [[], ["before"], ["during"], ["after"], []]


@pytest.mark.usefixtures("closing")
async def test_timeline_defaults_to_sixty_days_from_now_for_every_system(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    body = (await client.get("/api/v1/intensity/timeline", headers=viewer)).json()

    assert (body["from"], body["to"]) == ("2026-11-25T09:00:00Z", "2027-01-24T09:00:00Z")
    assert [system["name"] for system in body["systems"]] == ["invoicing", "sap-fi"]
    sap = body["systems"][1]["segments"]
    assert sap[0]["start"] == "2026-11-25T09:00:00Z"
    assert sap[-1]["end"] == "2027-01-24T09:00:00Z"
    # December's close (Sunday 27th to 31st) ramps from Thursday 24th, local midnight.
    assert ("2026-12-23T23:00:00Z", "elevated") in [(s["start"], s["level"]) for s in sap]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/intensity", {"at": "2026-11-28T12:00:00"}, "at"),
        ("/api/v1/intensity/timeline", {"from": "2026-11-28T12:00:00"}, "from"),
        (
            "/api/v1/intensity/timeline",
            {"from": "2026-12-01T00:00Z", "to": "2026-11-01T00:00Z"},
            "to",
        ),
        (
            "/api/v1/intensity/timeline",
            {"from": "2026-01-01T00:00Z", "to": "2027-03-01T00:00Z"},
            "to",
        ),
    ],
    ids=["at-without-zone", "from-without-zone", "to-before-from", "span-too-long"],
)
async def test_bad_times_are_422_naming_the_parameter(
    client: httpx.AsyncClient, viewer: dict[str, str], path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, headers=viewer, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


async def test_timeline_of_an_unknown_system_is_404(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    response = await client.get("/api/v1/intensity/timeline?system=nope", headers=viewer)

    assert response.status_code == 404
    assert "'nope'" in response.json()["detail"]


async def test_intensity_needs_a_token(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/intensity", "/api/v1/intensity/timeline"):
        assert (await client.get(path)).status_code == 401


@pytest.mark.usefixtures("closing")
async def test_a_reupload_within_the_same_instant_takes_effect(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    # The test clock stands still: the calendar's count and timestamps stay the same,
    # so only the change notice can tell the index to rebuild.
    before = await levels_at(client, editor, "2026-11-28T12:00:00Z")
    critical = MONTH_END.replace(
        "X-CLOSEWATCH-SYSTEMS", "X-CLOSEWATCH-LEVEL:critical\r\nX-CLOSEWATCH-SYSTEMS"
    )
    assert (await upload(client, editor, ics(critical), name="finance")).status_code == 200

    after = await levels_at(client, editor, "2026-11-28T12:00:00Z")

    assert (before["sap-fi"]["level"], after["sap-fi"]["level"]) == ("high", "critical")
