"""How each check of a system has been doing: what the pages show of the watching.

For one system at one instant: each check's last result, its most recent results
(for the strip of coloured marks), and its availability and latency over the last
24 hours and over the current critical period.

Availability is the share of results in which the check got an answer, ``up`` or
``degraded`` (slow, but working for the user); ``down`` is the only failure. Hours
already rolled up are counted from their hourly summaries (from the start of the hour
a window begins in), the rest from raw results: raw results are kept for
``CLOSEWATCH_RESULT_RETENTION_HOURS`` only, and a week's period then reads a week of
hourly rows rather than every result of the week.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from monitor.db.models import Check, CheckResult, CheckSummary
from monitor.watch.results import HOUR, floor_hour

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
    period_starts: Mapping[int, datetime | None],
    recent: int = RECENT,
    answer_times: bool = False,
) -> list[CheckHealth]:
    """Each check's health at ``now``, in a handful of queries for all of them.

    ``period_starts`` maps a check's id to when its system's raised stretch began (none:
    not raised now). ``answer_times`` adds the 24-hour median and 95th percentile, which
    read every result of the day: for one system's page, not for the dashboard.
    """
    ids = [check.id or 0 for check in checks]
    marks = _recent_marks(session, ids, recent)
    day = availabilities(session, {i: now - DAY for i in ids}, now=now)
    raised = {i: min(start, now) for i in ids if (start := period_starts.get(i)) is not None}
    period = availabilities(session, raised, now=now)
    found = []
    for check, check_id in zip(checks, ids, strict=True):
        p50, p95 = _answer_times(session, check_id, now) if answer_times else (None, None)
        found.append(CheckHealth(
            name=check.name, kind=check.kind, target=target_of(check.kind, check.spec),
            recent=marks.get(check_id, []), day=day[check_id], period=period.get(check_id),
            p50_ms=p50, p95_ms=p95,
        ))  # fmt: skip
    return found


def availability(session: Any, check_id: int, *, since: datetime, now: datetime) -> Availability:
    """Results of one check in ``[since, now]``: raw ones, and summaries before the oldest kept."""
    return availabilities(session, {check_id: since}, now=now)[check_id]


def availabilities(
    session: Any, since: Mapping[int, datetime], *, now: datetime
) -> dict[int, Availability]:
    """:func:`availability` for many checks, in three queries per distinct start.

    The hours rolled up already (every check's hours up to the newest summary: the roll-up
    goes hour by hour for all checks) are counted from their summaries, from the hour the
    window starts in; raw results only after the last summarised hour. So a week's period
    reads a week of hourly rows, not every result of the week.
    """
    found = {check_id: Availability() for check_id in since}
    newest = session.execute(select(func.max(CheckSummary.hour))).scalar_one_or_none()
    summarised = newest + HOUR if newest is not None else None
    by_start: dict[datetime, list[int]] = {}
    for check_id, start in since.items():
        by_start.setdefault(start, []).append(check_id)
    for start, check_ids in by_start.items():
        raw_from = max(start, summarised) if summarised is not None else start
        for chunk in _chunks(check_ids):
            if summarised is not None and summarised > start:
                rows = session.execute(
                    select(col(CheckSummary.check_id), func.sum(CheckSummary.total),
                           func.sum(CheckSummary.degraded), func.sum(CheckSummary.down))
                    .where(col(CheckSummary.check_id).in_(chunk), col(CheckSummary.hour) >= floor_hour(start),
                           col(CheckSummary.hour) < summarised)
                    .group_by(col(CheckSummary.check_id))
                ).all()  # fmt: skip
                for check_id, total, degraded, down in rows:
                    found[check_id] += Availability(
                        int(total or 0), int(degraded or 0), int(down or 0)
                    )
            counts = session.execute(
                select(col(CheckResult.check_id), col(CheckResult.status), func.count())
                .where(col(CheckResult.check_id).in_(chunk), col(CheckResult.at) >= raw_from,
                       col(CheckResult.at) <= now)
                .group_by(col(CheckResult.check_id), col(CheckResult.status))
            ).all()  # fmt: skip
            for check_id, status, count in counts:
                found[check_id] += Availability(count, count if status == "degraded" else 0,
                                                count if status == "down" else 0)  # fmt: skip
    return found


def _recent_marks(session: Any, check_ids: list[int], recent: int) -> dict[int, list[Mark]]:
    """The newest ``recent`` results of each check, oldest first: one indexed query a check
    (a window over every check's results would read them all)."""
    marks: dict[int, list[Mark]] = {}
    for check_id in check_ids:
        rows = session.execute(
            select(col(CheckResult.at), col(CheckResult.status), col(CheckResult.duration_ms),
                   col(CheckResult.message))
            .where(col(CheckResult.check_id) == check_id)
            .order_by(col(CheckResult.at).desc(), col(CheckResult.id).desc()).limit(recent)
        ).all()  # fmt: skip
        marks[check_id] = [Mark(*row) for row in reversed(rows)]
    return marks


def _answer_times(session: Any, check_id: int, now: datetime) -> tuple[float | None, float | None]:
    durations = sorted(
        session.execute(
            select(col(CheckResult.duration_ms)).where(
                col(CheckResult.check_id) == check_id, col(CheckResult.at) >= now - DAY,
                col(CheckResult.status) != "down",
            )
        ).scalars()
    )  # fmt: skip
    return _percentiles(durations)


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


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
