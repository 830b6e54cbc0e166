"""How each check of a system has been doing: what the pages show of the watching.

For one system at one instant: each check's last result, its most recent results
(for the strip of coloured marks), and its availability and latency over the last
24 hours and over the current critical period.

Availability is the share of results in which the check got an answer, ``up`` or
``degraded`` (slow, but working for the user); ``down`` is the only failure. Raw
results are kept for ``CLOSEWATCH_RESULT_RETENTION_HOURS`` only, so a window
reaching further back adds the hourly summaries of the hours before the first raw
result still kept: a period of a week is counted from its start, not from two days ago.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from monitor.db.models import Check, CheckResult, CheckSummary
from monitor.watch.results import floor_hour

DAY = timedelta(hours=24)
RECENT = 40  # marks in a check's strip


@dataclass(frozen=True, slots=True)
class Mark:
    """One result, as the strip draws it."""

    at: datetime
    status: str
    duration_ms: float
    message: str


@dataclass(frozen=True, slots=True)
class Availability:
    """Results over a window: how many, how many failed, and the answering share."""

    total: int = 0
    degraded: int = 0
    down: int = 0

    @property
    def percent(self) -> float | None:
        return None if not self.total else 100.0 * (self.total - self.down) / self.total

    def __add__(self, other: Availability) -> Availability:
        return Availability(
            self.total + other.total, self.degraded + other.degraded, self.down + other.down
        )


@dataclass(frozen=True, slots=True)
class CheckHealth:
    name: str
    kind: str
    target: str  # what it probes, as an engineer reads it: a URL or host:port
    recent: list[Mark] = field(default_factory=list)  # oldest first
    day: Availability = Availability()
    period: Availability | None = None  # None when no critical period raises the system
    p50_ms: float | None = None  # over the last 24 hours, from raw results
    p95_ms: float | None = None

    @property
    def last(self) -> Mark | None:
        return self.recent[-1] if self.recent else None

    @property
    def state(self) -> str:
        """``up``, ``degraded``, ``down``, or ``unknown`` before its first result."""
        return self.last.status if self.last else "unknown"


def target_of(kind: str, spec: dict[str, Any]) -> str:
    if kind == "http":
        return str(spec.get("url", ""))
    host, port = spec.get("host", ""), spec.get("port")
    return f"{host}:{port}" if port else str(host)


def checks_health(
    session: Any,
    checks: Sequence[Check],
    *,
    now: datetime,
    period_start: datetime | None,
    recent: int = RECENT,
) -> list[CheckHealth]:
    """Each check's health at ``now``; ``period_start`` is when the current period began."""
    found: list[CheckHealth] = []
    for check in checks:
        check_id = check.id or 0
        marks = [
            Mark(r.at, r.status, r.duration_ms, r.message)
            for r in session.execute(
                select(CheckResult).where(col(CheckResult.check_id) == check_id)
                .order_by(col(CheckResult.at).desc(), col(CheckResult.id).desc()).limit(recent)
            ).scalars()
        ][::-1]  # fmt: skip
        durations = sorted(
            session.execute(
                select(col(CheckResult.duration_ms)).where(
                    col(CheckResult.check_id) == check_id, col(CheckResult.at) >= now - DAY,
                    col(CheckResult.status) != "down",
                )
            ).scalars()
        )  # fmt: skip
        p50, p95 = _percentiles(durations)
        period = (
            availability(session, check_id, since=min(period_start, now), now=now)
            if period_start is not None
            else None
        )
        found.append(CheckHealth(
            name=check.name, kind=check.kind, target=target_of(check.kind, check.spec),
            recent=marks, day=availability(session, check_id, since=now - DAY, now=now),
            period=period, p50_ms=p50, p95_ms=p95,
        ))  # fmt: skip
    return found


def availability(session: Any, check_id: int, *, since: datetime, now: datetime) -> Availability:
    """Results of one check in ``[since, now]``: raw ones, and summaries before the oldest kept."""
    oldest_raw = session.execute(
        select(func.min(CheckResult.at)).where(col(CheckResult.check_id) == check_id)
    ).scalar_one_or_none()
    counted = Availability()
    if oldest_raw is None or oldest_raw > since:
        # Hours the raw results no longer cover: from their summaries.
        until = oldest_raw or now
        row = session.execute(
            select(func.sum(CheckSummary.total), func.sum(CheckSummary.degraded), func.sum(CheckSummary.down))
            .where(col(CheckSummary.check_id) == check_id, col(CheckSummary.hour) >= floor_hour(since),
                   col(CheckSummary.hour) < floor_hour(until))
        ).one()  # fmt: skip
        counted = Availability(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))
    counts = dict(
        session.execute(
            select(col(CheckResult.status), func.count())
            .where(col(CheckResult.check_id) == check_id, col(CheckResult.at) >= since, col(CheckResult.at) <= now)
            .group_by(CheckResult.status)
        ).all()
    )  # fmt: skip
    raw = Availability(sum(counts.values()), counts.get("degraded", 0), counts.get("down", 0))
    return counted + raw


def _percentiles(durations: list[float]) -> tuple[float | None, float | None]:
    if not durations:
        return None, None
    if len(durations) == 1:
        return durations[0], durations[0]
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    return cuts[49], cuts[94]


@dataclass(frozen=True, slots=True)
class Bucket:
    """A slice of the last 24 hours: its results, failures and median answer time."""

    start: datetime
    total: int
    down: int
    median_ms: float | None


def latency_buckets(
    session: Any, check_id: int, *, now: datetime, slices: int = 48
) -> list[Bucket]:
    """The last 24 hours of one check in ``slices`` equal slices, oldest first."""
    since = now - DAY
    width = DAY / slices
    rows = session.execute(
        select(col(CheckResult.at), col(CheckResult.status), col(CheckResult.duration_ms))
        .where(col(CheckResult.check_id) == check_id, col(CheckResult.at) >= since, col(CheckResult.at) <= now)
    ).all()  # fmt: skip
    totals, downs = [0] * slices, [0] * slices
    answered: list[list[float]] = [[] for _ in range(slices)]
    for at, status, duration in rows:
        slot = min(int((at - since) / width), slices - 1)
        totals[slot] += 1
        if status == "down":
            downs[slot] += 1
        else:
            answered[slot].append(duration)
    return [
        Bucket(since + width * i, totals[i], downs[i],
               statistics.median(answered[i]) if answered[i] else None)
        for i in range(slices)
    ]  # fmt: skip
