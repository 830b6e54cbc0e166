"""/metrics: the families Prometheus needs, clean by promtool's own lint."""

from __future__ import annotations

import subprocess

import httpx
import pytest
from sqlalchemy import Engine

from monitor.api.state import app_state
from monitor.checks.base import Outcome, Status
from monitor.db.engine import session_scope
from monitor.db.models import System
from tests.monitor.samples import MONTH_END, ics
from tests.monitor.test_api_calendars import upload
from tests.tools import require_tool


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@pytest.mark.wallclock  # starts promtool
async def test_metrics_carry_levels_periods_and_checks_and_pass_promtool(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    with session_scope(engine) as session:
        session.add(System(name="sap-fi", plain_name="the finance system"))
    # 25 Nov 09:00 UTC (the test clock) is two working days before the close
    # of 27 Nov, so sap-fi is elevated by the ramp.
    await upload(client, editor, ics(MONTH_END), name="finance")
    app_state(client._transport.app).metrics.record_check("sap-fi", "web", Status.DOWN, 0.2)  # type: ignore[attr-defined]

    text = await scrape(client)

    assert 'closewatch_intensity_level{system="sap-fi"} 1.0' in text
    assert (
        'closewatch_intensity_level{system="invoicing"} 1.0' in text
    )  # named by the calendar only
    assert (
        'closewatch_critical_period_active{calendar="finance",category="month_end_close",period="close@acme"} 0.0'
        in text
    )
    assert (
        'closewatch_period_next_start_timestamp_seconds{calendar="finance",category="month_end_close",period="close@acme"} 1.795734e+09'
        in text
    )
    assert 'closewatch_check_result{check="web",result="down",system="sap-fi"} 1.0' in text
    assert 'closewatch_checks_total{check="web",result="down",system="sap-fi"} 1.0' in text
    for family in ("closewatch_check_duration_seconds_bucket", "closewatch_scheduler_lag_seconds_bucket",
                   "closewatch_notices_sent_total", "closewatch_outbox_pending", "closewatch_build_info"):  # fmt: skip
        assert family in text

    promtool = require_tool("promtool")
    linted = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert (linted.returncode, linted.stdout + linted.stderr) == (0, "")


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_an_outcome_over_budget_is_degraded() -> None:
    assert Outcome(Status.UP, 1.5).within_budget(1.0).status is Status.DEGRADED
    assert Outcome(Status.UP, 0.5).within_budget(1.0).status is Status.UP
    assert Outcome(Status.DOWN, 5.0).within_budget(1.0).status is Status.DOWN
