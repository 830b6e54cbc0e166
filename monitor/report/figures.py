"""What a critical-period report says, as plain data: no database, no markup.

:mod:`monitor.report.build` fills these from the database; the page, the JSON,
the CSV and the PDF all read the same objects, so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

BASELINE_DAYS = 28  # "the four weeks before"


@dataclass(frozen=True, slots=True)
class Availability:
    """Check results over a span, from the hourly summaries of the system's checks.

    ``p95_ms`` is the hourly 95th percentiles averaged over the span, weighted by
    the results in each hour; ``worst_p95_ms`` the slowest hour's.
    """

    checks_run: int = 0
    up: int = 0
    degraded: int = 0
    down: int = 0
    p95_ms: float | None = None
    worst_p95_ms: float | None = None

    @property
    def availability_percent(self) -> float | None:
        """Results that were up, of all results; None when nothing ran."""
        return round(100 * self.up / self.checks_run, 3) if self.checks_run else None


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the chart: ``index`` counts days from the start of the four weeks before."""

    index: int
    availability_percent: float | None
    p95_ms: float | None


@dataclass(frozen=True, slots=True)
class IncidentFigures:
    id: int
    what: str  # what users were told, else the technical title
    opened_at: datetime
    first_notice_at: datetime | None  # the first incident notice that left closewatch
    fixed_at: datetime | None  # resolved by IT, else recovered by the checks
    promises_made: int
    kept_by_people: int
    kept_automatically: int
    notices_sent: int
    notices_failed: int

    @property
    def minutes_to_first_notice(self) -> float | None:
        return _minutes(self.opened_at, self.first_notice_at)

    @property
    def minutes_to_fix(self) -> float | None:
        return _minutes(self.opened_at, self.fixed_at)


@dataclass(frozen=True, slots=True)
class ProblemReportLine:
    reference: str
    at: datetime
    system: str  # plain name, as the reporter chose it; empty when none
    doing: str
    seen: str


@dataclass(slots=True)
class SystemFigures:
    name: str
    plain_name: str
    during: Availability = field(default_factory=Availability)
    before: Availability = field(default_factory=Availability)
    days: list[Day] = field(default_factory=list)
    incidents: list[IncidentFigures] = field(default_factory=list)
    problem_reports: list[ProblemReportLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Comment:
    at: datetime
    answer: str
    rating: int | None
    text: str


@dataclass(slots=True)
class NoticeCounts:
    """Deliveries about this occurrence and its incidents, by what became of them."""

    sent: int = 0
    failed: int = 0  # dead letters: given up after retrying
    pending: int = 0
    withdrawn: int = 0
    unsubscribed: int = 0  # readers who unsubscribed after a notice about this occurrence
    by_kind: dict[str, int] = field(default_factory=dict)  # sent, per kind


@dataclass(slots=True)
class FeedbackCounts:
    sorted: int = 0  # "it worked"
    problem: int = 0  # "still a problem"
    ratings: dict[int, int] = field(default_factory=dict)  # 1..5 -> how many
    comments: list[Comment] = field(default_factory=list)

    @property
    def average_rating(self) -> float | None:
        count = sum(self.ratings.values())
        if not count:
            return None
        return round(sum(stars * n for stars, n in self.ratings.items()) / count, 2)


@dataclass(slots=True)
class PeriodReport:
    occurrence_id: int
    title: str
    category: str
    level: str
    start: datetime
    end: datetime
    built_at: datetime
    systems: list[SystemFigures] = field(default_factory=list)
    notices: NoticeCounts = field(default_factory=NoticeCounts)
    feedback: FeedbackCounts = field(default_factory=FeedbackCounts)
    other_problem_reports: list[ProblemReportLine] = field(default_factory=list)

    @property
    def all_incidents(self) -> list[IncidentFigures]:
        """Every system's incidents, in the order they opened."""
        every = [incident for figures in self.systems for incident in figures.incidents]
        return sorted(every, key=lambda incident: (incident.opened_at, incident.id))

    @property
    def finished(self) -> bool:
        return self.built_at >= self.end


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 60, 1)
