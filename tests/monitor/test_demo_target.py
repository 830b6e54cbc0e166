"""The demo's target fails on its schedule, for the failing system only, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from monitor.demo_target import DemoTarget, OutageSchedule

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SCHEDULE = OutageSchedule(
    first=timedelta(minutes=1), length=timedelta(minutes=4), every=timedelta(minutes=30)
)


def test_outages_come_after_the_first_delay_and_then_every_half_hour() -> None:
    minutes = {
        m: SCHEDULE.failing(timedelta(minutes=m))
        for m in (0, 0.99, 1, 4.99, 5, 30.99, 31, 34.99, 35)
    }

    assert minutes == {0: False, 0.99: False, 1: True, 4.99: True, 5: False,
                       30.99: False, 31: True, 34.99: True, 35: False}  # fmt: skip
    assert SCHEDULE.next_outage(timedelta(seconds=10)) == timedelta(minutes=1)


def test_the_target_answers_503_during_an_outage_and_200_after() -> None:
    now = [START]
    target = DemoTarget(SCHEDULE, clock=lambda: now[0]).start()
    try:
        before = httpx.get(target.url("sap-fi"))
        now[0] = START + timedelta(minutes=2)
        during = httpx.get(target.url("sap-fi"))
        others = httpx.get(target.url("payroll"))
        now[0] = START + timedelta(minutes=6)
        after = httpx.get(target.url("sap-fi"))
    finally:
        target.stop()

    assert (before.status_code, during.status_code, others.status_code, after.status_code) == (
        200,
        503,
        200,
        200,
    )
    assert before.text == "OK\n"
