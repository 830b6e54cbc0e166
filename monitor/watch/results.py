"""Check results: written in batches, rolled up by the hour, pruned.

Thousands of checks a minute would be thousands of tiny transactions; results
wait in memory for at most a second and go in one statement. Raw results are
kept for ``result_retention_hours``; each full hour is summarised per check
(counts by status, latency percentiles) and summaries are kept for
``summary_retention_days``, so the database does not grow without bound.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, func, insert, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import Check, CheckResult, CheckSummary

HOUR = timedelta(hours=1)


class ResultBuffer:
    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []

    def add(
        self, check_id: int, at: datetime, status: str, duration: float, level: int, message: str
    ) -> None:
        self._rows.append({"check_id": check_id, "at": at, "status": status, "duration_ms": duration * 1000,
                           "level": level, "message": message[:500]})  # fmt: skip

    def take(self) -> list[dict[str, Any]]:
        rows, self._rows = self._rows, []
        return rows


def write_results(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Store a batch; results of checks deleted since they ran (a system removed or its
    checks replaced within the last second) are dropped, not the whole batch with them."""
    if not rows:
        return
    with session_scope(engine) as session:
        wanted = {row["check_id"] for row in rows}
        known = set(
            session.execute(select(col(Check.id)).where(col(Check.id).in_(wanted))).scalars()
        )
        kept = [row for row in rows if row["check_id"] in known]
        if kept:
            session.execute(insert(CheckResult), kept)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def roll_up(engine: Engine, *, now: datetime) -> int:
    """Summarise every full hour that has results but no summary yet; the hours done."""
    current = floor_hour(now)
    with session_scope(engine) as session:
        done = session.execute(select(func.max(CheckSummary.hour))).scalar_one_or_none()
        oldest = session.execute(select(func.min(CheckResult.at))).scalar_one_or_none()
        if oldest is None:
            return 0
        hour = max(floor_hour(oldest), done + HOUR if done else floor_hour(oldest))
        hours = 0
        while hour < current:
            _summarise(session, hour)
            hour += HOUR
            hours += 1
    return hours


def _summarise(session: Any, hour: datetime) -> None:
    rows = session.execute(
        select(col(CheckResult.check_id), col(CheckResult.status), col(CheckResult.duration_ms))
        .where(col(CheckResult.at) >= hour, col(CheckResult.at) < hour + HOUR)
    )  # fmt: skip
    by_check: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for check_id, status, duration in rows:
        by_check[check_id].append((status, duration))
    session.execute(delete(CheckSummary).where(col(CheckSummary.hour) == hour))
    summaries = []
    for check_id, results in by_check.items():
        durations = sorted(duration for _status, duration in results)
        cuts = (
            statistics.quantiles(durations, n=100, method="inclusive")
            if len(durations) > 1
            else durations * 99
        )
        counts = {
            status: sum(1 for s, _d in results if s == status)
            for status in ("up", "degraded", "down")
        }
        summaries.append({"check_id": check_id, "hour": hour, "total": len(results), **counts,
                          "p50_ms": cuts[49], "p95_ms": cuts[94], "p99_ms": cuts[98]})  # fmt: skip
    if summaries:
        session.execute(insert(CheckSummary), summaries)


def prune(
    engine: Engine, *, now: datetime, result_hours: int, summary_days: int
) -> tuple[int, int]:
    """Delete raw results and summaries past their retention; how many of each."""
    with session_scope(engine) as session:
        # A DELETE's result is a CursorResult; SQLModel's Session.execute types every result as Result.
        results = cast(
            CursorResult[Any],
            session.execute(
                delete(CheckResult).where(col(CheckResult.at) < now - timedelta(hours=result_hours))
            ),
        )
        summaries = cast(
            CursorResult[Any],
            session.execute(
                delete(CheckSummary).where(
                    col(CheckSummary.hour) < now - timedelta(days=summary_days)
                )
            ),
        )
    return results.rowcount, summaries.rowcount
