"""Results: hourly summaries with percentiles, and nothing kept past its retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from monitor.db.engine import session_scope
from monitor.db.models import Check, CheckResult, CheckSummary, System
from monitor.watch.results import ResultBuffer, prune, roll_up, write_results

NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)


def a_check(engine: Engine) -> int:
    with session_scope(engine) as session:
        system = System(name="sap-fi", plain_name="finance")
        session.add(system)
        session.flush()
        check = Check(system_id=system.id or 0, name="web", kind="tcp", spec={})
        session.add(check)
        session.flush()
        return check.id or 0


def test_full_hours_are_summarised_once_and_old_results_pruned(engine: Engine) -> None:
    check_id = a_check(engine)
    buffer = ResultBuffer()
    start = NOW - timedelta(hours=3, minutes=30)  # 09:00
    for minute in range(200):  # 09:00 to 12:19, one a minute; every tenth slow and down
        status, ms = ("down", 900.0) if minute % 10 == 9 else ("up", 10.0 + minute % 10)
        buffer.add(check_id, start + timedelta(minutes=minute), status, ms / 1000, 0, "")
    write_results(engine, buffer.take())

    assert roll_up(engine, now=NOW) == 3  # 09, 10 and 11 o'clock; 12 is not over yet
    assert roll_up(engine, now=NOW) == 0
    with session_scope(engine) as session:
        nine = session.execute(select(CheckSummary).order_by(CheckSummary.hour)).scalars().first()
    assert nine is not None and nine.hour == datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert (nine.total, nine.up, nine.down, nine.degraded) == (60, 54, 6, 0)
    assert nine.p50_ms == 14.5 and nine.p99_ms == 900.0  # the median of 60 lies between 14 and 15

    removed, _summaries = prune(engine, now=NOW, result_hours=2, summary_days=400)
    with session_scope(engine) as session:
        left = session.execute(select(func.min(CheckResult.at))).scalar_one()
    assert removed == 90  # one a minute from 09:00 to 10:29
    assert left == NOW - timedelta(hours=2)
    assert prune(engine, now=NOW + timedelta(days=401), result_hours=2, summary_days=400)[1] == 3


def test_results_of_a_check_deleted_since_it_ran_do_not_take_the_batch_with_them(
    engine: Engine,
) -> None:
    check_id = a_check(engine)
    buffer = ResultBuffer()
    buffer.add(check_id, NOW, "up", 0.01, 0, "")
    buffer.add(check_id + 1000, NOW, "down", 0.01, 0, "connection refused")  # deleted meanwhile

    write_results(engine, buffer.take())

    with session_scope(engine) as session:
        stored = session.execute(select(CheckResult.check_id, CheckResult.status)).all()
    assert [tuple(row) for row in stored] == [(check_id, "up")]
