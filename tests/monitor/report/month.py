"""A generated month of check results around one occurrence, for the report's tests and bench.

Every system has one check summarised every hour for ``days`` days up to the
end of a ``period_days`` month-end closing: 60 results an hour, all up, with a
p95 of 100 ms (plus the system's number) before the period and 300 ms during
it. The first system (``sys-000``) fails 6 of its 60 checks every hour of the
period: 90 % available against 100 % before. Rows go in by the thousand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from monitor.db.engine import session_scope
from monitor.db.models import (
    Calendar,
    Check,
    CheckSummary,
    Occurrence,
    Period,
    PeriodTarget,
    System,
)

END = datetime(2026, 11, 24, tzinfo=UTC)
BATCH = 5000


def plain_name(number: int) -> str:
    return f"the system number {number}"


def generate_month(
    engine: Engine, *, systems: int = 3, days: int = 30, period_days: int = 5, end: datetime = END
) -> int:
    """Store the month; the occurrence's id."""
    start = end - timedelta(days=period_days)
    names = [f"sys-{number:03d}" for number in range(systems)]
    with session_scope(engine) as session:
        calendar = Calendar(name="finance", timezone="Europe/Berlin", format="ics", source=b"",
                            content_hash="0" * 64, created_at=end, updated_at=end, expanded_at=end)  # fmt: skip
        session.add(calendar)
        session.flush()
        assert calendar.id is not None
        period = Period(calendar_id=calendar.id, key="close@acme", title="Month-end closing",
                        category="month_end_close", level=2, classified_by="explicit")  # fmt: skip
        session.add(period)
        session.flush()
        assert period.id is not None
        occurrence = Occurrence(period_id=period.id, calendar_id=calendar.id, instance="2026-11",
                                start=start, end=end, category="month_end_close", level=2)  # fmt: skip
        session.add(occurrence)
        session.execute(
            insert(PeriodTarget),
            [{"period_id": period.id, "kind": "system", "name": n} for n in names],
        )
        session.execute(insert(System), [{"name": n, "plain_name": plain_name(i), "owner_team": "", "description": "",
                                          "managed_by": "api", "policy": {}, "updated_at": end}
                                         for i, n in enumerate(names)])  # fmt: skip
        ids: dict[str, int] = {
            name: id_ for name, id_ in session.execute(select(System.name, System.id))
        }
        session.execute(insert(Check), [{"system_id": ids[n], "name": "web", "kind": "tcp",
                                         "spec": {"kind": "tcp", "host": "127.0.0.1", "port": 9}} for n in names])  # fmt: skip
        checks: dict[int, int] = {
            sid: cid for sid, cid in session.execute(select(Check.system_id, Check.id))
        }
        session.flush()
        assert occurrence.id is not None
        occurrence_id = occurrence.id
    rows = []
    first_hour = end - timedelta(days=days)
    with session_scope(engine) as session:
        for number, name in enumerate(names):
            check_id = checks[ids[name]]
            for hour_number in range(days * 24):
                hour = first_hour + timedelta(hours=hour_number)
                during = hour >= start
                down = 6 if during and number == 0 else 0
                p95 = (300.0 if during else 100.0) + number
                rows.append({"check_id": check_id, "hour": hour, "total": 60, "up": 60 - down, "degraded": 0,
                             "down": down, "p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95 * 1.5})  # fmt: skip
                if len(rows) >= BATCH:
                    session.execute(insert(CheckSummary), rows)
                    rows = []
        if rows:
            session.execute(insert(CheckSummary), rows)
    return occurrence_id
