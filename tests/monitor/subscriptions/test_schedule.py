"""The leader's loop: what is due is refreshed, what is not waits, a change is announced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from monitor.metrics import Metrics
from monitor.settings import Settings
from monitor.subscriptions.refresh import SubscribeRequest, subscribe
from monitor.subscriptions.schedule import SubscriptionRefresher
from tests.conftest import NOW
from tests.monitor.samples import INVENTORY, MONTH_END, ics
from tests.monitor.subscriptions.calendar_server import CalendarHost, calendar_host


@pytest.fixture
def host() -> Iterator[CalendarHost]:
    with calendar_host() as running:
        running.files["/closing.ics"] = ics(MONTH_END)
        running.files["/count.ics"] = ics(INVENTORY)
        yield running


async def test_only_what_is_due_is_fetched_and_a_change_is_announced(
    engine: Engine, settings: Settings, host: CalendarHost
) -> None:
    local = settings.model_copy(update={"subscription_networks": "127.0.0.0/8"})
    hourly = SubscribeRequest("closing", host.url("/closing.ics"), every_seconds=3600)
    daily = SubscribeRequest("count", host.url("/count.ics"), every_seconds=86400)
    subscribe(engine, local, hourly, now=NOW)
    subscribe(engine, local, daily, now=NOW)
    now = [NOW + timedelta(minutes=30)]
    announced: list[str] = []
    metrics = Metrics()
    refresher = SubscriptionRefresher(engine, local, metrics, on_change=lambda: announced.append("changed"),
                                      clock=lambda: now[0])  # fmt: skip

    assert await refresher.refresh_due() == []
    now[0] = NOW + timedelta(hours=1)
    host.files["/closing.ics"] = ics(MONTH_END.replace("Month-end closing", "Month-end close"))
    done = await refresher.refresh_due()
    assert [(d.name, d.changed) for d in done] == [("closing", True)]
    assert announced == ["changed"]
    now[0] = NOW + timedelta(hours=2)
    del host.files["/closing.ics"]
    failed = await refresher.refresh_due()
    assert [(d.name, d.error is not None) for d in failed] == [("closing", True)]
    assert announced == ["changed"]  # a failure changes nothing
    assert (
        metrics.registry.get_sample_value(
            "closewatch_calendar_refresh_failures_total", {"calendar": "closing"}
        )
        == 1
    )
    assert host.statuses("/count.ics") == [200]  # not due all day
