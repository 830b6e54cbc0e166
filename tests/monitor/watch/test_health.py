"""A check's health over a window: raw results, and hourly summaries where raw ones were pruned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, insert

from monitor.db.engine import session_scope
from monitor.db.models import Check, CheckResult, CheckSummary, System
from monitor.watch.health import Availability, availability, checks_health, latency_buckets
from tests.conftest import NOW


def a_check(engine: Engine) -> Check:
    with session_scope(engine) as session:
        system = System(name="wms", plain_name="the warehouse system")
        session.add(system)
        session.flush()
        check = Check(
            system_id=system.id or 0, name="web", kind="http", spec={"url": "http://wms.example/"}
        )
        session.add(check)
        session.flush()
        session.expunge(check)
        return check


def results(engine: Engine, check: Check, *rows: tuple[timedelta, str, float]) -> None:
    with session_scope(engine) as session:
        session.execute(insert(CheckResult), [
            {"check_id": check.id, "at": NOW - ago, "status": status, "duration_ms": ms, "level": 0, "message": ""}
            for ago, status, ms in rows
        ])  # fmt: skip


def test_a_period_older_than_the_raw_results_counts_their_hourly_summaries(engine: Engine) -> None:
    check = a_check(engine)
    # Raw results kept for the last two hours; the three hours before only as summaries.
    results(
        engine, check, (timedelta(minutes=30), "up", 10.0), (timedelta(minutes=90), "down", 1.0)
    )
    with session_scope(engine) as session:
        for hours_ago, down in ((5, 2), (4, 0), (3, 1)):
            hour = (NOW - timedelta(hours=hours_ago)).replace(minute=0)
            session.add(CheckSummary(check_id=check.id or 0, hour=hour, total=12, up=12 - down, degraded=0,
                                     down=down, p50_ms=10, p95_ms=20, p99_ms=30))  # fmt: skip

    with session_scope(engine) as session:
        period = availability(session, check.id or 0, since=NOW - timedelta(hours=5), now=NOW)
        later = availability(
            session, check.id or 0, since=NOW - timedelta(hours=3, minutes=30), now=NOW
        )

    assert period == Availability(total=38, degraded=0, down=4)
    assert later == Availability(total=26, degraded=0, down=2)  # from the start of its first hour
    assert period.percent is not None and round(period.percent, 1) == 89.5
    assert Availability().percent is None


def test_health_names_the_state_strip_and_answer_times(engine: Engine) -> None:
    check = a_check(engine)
    results(engine, check, *[(timedelta(minutes=n), "up", 100.0 + n) for n in range(3, 50)],
            (timedelta(minutes=2), "degraded", 4000.0), (timedelta(minutes=1), "down", 2.0))  # fmt: skip

    with session_scope(engine) as session:
        (health,) = checks_health(session, [check], now=NOW, period_starts={}, answer_times=True)
        buckets = latency_buckets(session, check.id or 0, now=NOW, slices=48)

    assert health.state == "down" and health.target == "http://wms.example/"
    assert len(health.recent) == 40 and health.recent[-2].status == "degraded"
    assert health.period is None
    assert health.day == Availability(total=49, degraded=1, down=1)
    assert health.p50_ms == 126.5  # the failure's 2 ms does not count as an answer
    assert sum(b.total for b in buckets) == 49 and buckets[-1].down == 1
    assert buckets[0].total == 0 and buckets[0].median_ms is None
