"""The critical-period report as the API returns it: the figures of :mod:`monitor.report.figures`.

Each model reads its object's attributes (``from_attributes``), so computed figures
such as ``availability_percent`` are fields here without being stored twice.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AvailabilityOut(_Read):
    checks_run: int
    up: int
    degraded: int
    down: int
    availability_percent: float | None = Field(description="Results that were up, of all results.")
    p95_ms: float | None = Field(
        description="Hourly 95th-percentile latency, averaged over the span (weighted by results)."
    )
    worst_p95_ms: float | None = Field(description="The slowest hour's 95th percentile.")


class DayOut(_Read):
    index: int = Field(description="Days since the start of the four weeks before the period.")
    availability_percent: float | None
    p95_ms: float | None


class IncidentFiguresOut(_Read):
    id: int
    what: str
    opened_at: datetime
    first_notice_at: datetime | None
    fixed_at: datetime | None
    minutes_to_first_notice: float | None
    minutes_to_fix: float | None
    promises_made: int
    kept_by_people: int
    kept_automatically: int
    notices_sent: int
    notices_failed: int


class ProblemReportOut(_Read):
    reference: str
    at: datetime
    system: str
    doing: str
    seen: str


class SystemFiguresOut(_Read):
    name: str
    plain_name: str
    during: AvailabilityOut
    before: AvailabilityOut = Field(description="The four weeks before the period started.")
    days: list[DayOut]
    incidents: list[IncidentFiguresOut]
    problem_reports: list[ProblemReportOut]


class NoticeCountsOut(_Read):
    sent: int
    failed: int
    pending: int
    withdrawn: int
    unsubscribed: int
    by_kind: dict[str, int]


class CommentOut(_Read):
    at: datetime
    answer: str
    rating: int | None
    text: str


class FeedbackCountsOut(_Read):
    sorted: int
    problem: int
    ratings: dict[int, int]
    average_rating: float | None
    comments: list[CommentOut]


class PeriodReportOut(_Read):
    occurrence_id: int
    title: str
    category: str
    level: str
    start: datetime
    end: datetime
    built_at: datetime
    finished: bool = Field(description="Whether the occurrence was over when the report was built.")
    systems: list[SystemFiguresOut]
    notices: NoticeCountsOut
    feedback: FeedbackCountsOut
    other_problem_reports: list[ProblemReportOut]
