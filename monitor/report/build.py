"""Build the report of one occurrence: how its systems did, and what people heard and said.

Every figure is aggregated by the database: one query for the check summaries
of all the period's systems, grouped by system and day (about 60 rows per
system whatever the number of checks or hours), one for the incidents with
their notices and promises, one each for notices, unsubscribes, feedback and
problem reports. Nothing scales with the number of check results.

Availability and latency come from the hourly summaries
(:mod:`monitor.watch.results`); an hour appears once it is over and rolled up.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, or_, select
from sqlmodel import Session, col

from calendars import Level
from monitor.db.models import (
    Check,
    CheckSummary,
    Delivery,
    Feedback,
    Incident,
    IncidentEvent,
    Occurrence,
    Period,
    PeriodTarget,
    ProblemReport,
    System,
    Unsubscribe,
)
from monitor.report.figures import (
    BASELINE_DAYS,
    Availability,
    Comment,
    Day,
    IncidentFigures,
    PeriodReport,
    ProblemReportLine,
    SystemFigures,
)

MAX_COMMENTS = 200
MAX_PROBLEM_REPORTS = 200
PROMISE_KINDS = ("announced", "update", "auto_update")  # each names the next update's time


def build_report(session: Session, occurrence_id: int, *, now: datetime) -> PeriodReport | None:
    """The report of ``occurrence_id`` as of ``now``; None when there is no such occurrence."""
    found = session.execute(
        select(Occurrence, col(Period.title)).join(Period, col(Period.id) == col(Occurrence.period_id))
        .where(col(Occurrence.id) == occurrence_id)
    ).first()  # fmt: skip
    if found is None:
        return None
    occurrence, period_title = found
    report = PeriodReport(
        occurrence_id=occurrence_id, title=occurrence.title or period_title,
        category=occurrence.category, level=Level(occurrence.level).label,
        start=occurrence.start, end=occurrence.end, built_at=now,
    )  # fmt: skip
    by_id: dict[int, SystemFigures] = {}
    for name, (system_id, plain) in _systems(session, occurrence.period_id).items():
        report.systems.append(SystemFigures(name, plain))
        if system_id is not None:
            by_id[system_id] = report.systems[-1]
    _availability(session, by_id, occurrence.start, occurrence.end)
    incident_ids = _incidents(session, by_id, occurrence.start, occurrence.end)
    _notices(session, report, occurrence_id, incident_ids)
    _feedback(session, report, occurrence_id, incident_ids)
    _problem_reports(session, report, period_title)
    return report


def _systems(session: Session, period_id: int) -> dict[str, tuple[int | None, str]]:
    """The systems the period names, by name: their id (None when not set up) and plain name."""
    rows = session.execute(
        select(col(PeriodTarget.name), col(System.id), col(System.plain_name))
        .outerjoin(System, col(System.name) == col(PeriodTarget.name))
        .where(col(PeriodTarget.period_id) == period_id, col(PeriodTarget.kind) == "system")
        .order_by(col(PeriodTarget.name))
    ).all()  # fmt: skip
    return {name: (system_id, plain or name) for name, system_id, plain in rows}


def _hour_number(session: Session, hour: Any, origin: datetime) -> ColumnElement[int]:
    """Whole hours from ``origin`` to ``hour``, in SQL (the summaries' hours are whole)."""
    if session.get_bind().dialect.name == "sqlite":
        naive = origin.replace(tzinfo=None).isoformat(sep=" ")
        return cast((func.julianday(hour) - func.julianday(naive)) * 24 + 0.5, Integer)
    return cast(func.floor(func.extract("epoch", hour - literal(origin)) / 3600 + 0.5), Integer)


def _availability(
    session: Session, systems: dict[int, SystemFigures], start: datetime, end: datetime
) -> None:
    if not systems:
        return
    origin = start - timedelta(days=BASELINE_DAYS)
    day = _hour_number(session, col(CheckSummary.hour), origin) // 24
    rows = session.execute(
        select(
            col(Check.system_id), day, func.sum(col(CheckSummary.total)), func.sum(col(CheckSummary.up)),
            func.sum(col(CheckSummary.degraded)), func.sum(col(CheckSummary.down)),
            func.sum(col(CheckSummary.p95_ms) * col(CheckSummary.total)), func.max(col(CheckSummary.p95_ms)),
        )
        .join(Check, col(Check.id) == col(CheckSummary.check_id))
        .where(col(Check.system_id).in_(systems), col(CheckSummary.hour) >= origin, col(CheckSummary.hour) < end)
        .group_by(col(Check.system_id), day)
        .order_by(col(Check.system_id), day)
    ).all()  # fmt: skip
    spans: dict[tuple[int, bool], list[tuple[Any, ...]]] = defaultdict(list)
    for system_id, index, total, up, degraded, down, weighted, worst in rows:
        figures = systems[system_id]
        day_index = int(index)
        figures.days.append(
            Day(day_index, round(100 * up / total, 3) if total else None,
                round(weighted / total, 1) if total else None)
        )  # fmt: skip
        spans[(system_id, day_index >= BASELINE_DAYS)].append(
            (total, up, degraded, down, weighted, worst)
        )
    for (system_id, during), parts in spans.items():
        total = sum(p[0] for p in parts)
        summed = Availability(
            checks_run=total, up=sum(p[1] for p in parts), degraded=sum(p[2] for p in parts),
            down=sum(p[3] for p in parts),
            p95_ms=round(sum(p[4] for p in parts) / total, 1) if total else None,
            worst_p95_ms=round(max(p[5] for p in parts), 1) if total else None,
        )  # fmt: skip
        if during:
            systems[system_id].during = summed
        else:
            systems[system_id].before = summed


def _incidents(
    session: Session, systems: dict[int, SystemFigures], start: datetime, end: datetime
) -> list[int]:
    """Incidents opened during the occurrence on its systems, with their notices and promises."""
    if not systems:
        return []
    incidents = session.execute(
        select(Incident).where(col(Incident.system_id).in_(systems), col(Incident.opened_at) >= start,
                               col(Incident.opened_at) < end)
        .order_by(col(Incident.opened_at), col(Incident.id))
    ).scalars().all()  # fmt: skip
    ids = [incident.id for incident in incidents if incident.id is not None]
    if not ids:
        return []
    sent = func.sum(case((col(Delivery.status) == "sent", 1), else_=0))
    failed = func.sum(case((col(Delivery.status) == "dead", 1), else_=0))
    first = func.min(
        case(
            (
                and_(col(Delivery.kind) == "incident", col(Delivery.status) == "sent"),
                col(Delivery.sent_at),
            )
        )
    )
    notices = {
        incident_id: (first_at, n_sent, n_failed)
        for incident_id, first_at, n_sent, n_failed in session.execute(
            select(col(Delivery.incident_id), first, sent, failed)
            .where(col(Delivery.incident_id).in_(ids)).group_by(col(Delivery.incident_id))
        )
    }  # fmt: skip
    promises: dict[int, dict[str, int]] = defaultdict(dict)
    for incident_id, kind, count in session.execute(
        select(col(IncidentEvent.incident_id), col(IncidentEvent.kind), func.count())
        .where(col(IncidentEvent.incident_id).in_(ids), col(IncidentEvent.kind).in_(PROMISE_KINDS))
        .group_by(col(IncidentEvent.incident_id), col(IncidentEvent.kind))
    ):  # fmt: skip
        promises[incident_id][kind] = count
    for incident in incidents:
        assert incident.id is not None
        first_at, n_sent, n_failed = notices.get(incident.id, (None, 0, 0))
        made = promises[incident.id]
        systems[incident.system_id].incidents.append(IncidentFigures(
            id=incident.id, what=incident.public_line or incident.title, opened_at=incident.opened_at,
            first_notice_at=_aware(first_at), fixed_at=incident.resolved_at or incident.closed_at,
            promises_made=sum(made.values()), kept_by_people=made.get("update", 0),
            kept_automatically=made.get("auto_update", 0), notices_sent=int(n_sent or 0),
            notices_failed=int(n_failed or 0),
        ))  # fmt: skip
    return ids


def _about(occurrence_id: int, incident_ids: list[int], table: Any) -> ColumnElement[bool]:
    """Rows of ``table`` about this occurrence or one of its incidents."""
    mine = table.occurrence_id == occurrence_id
    return or_(mine, col(table.incident_id).in_(incident_ids)) if incident_ids else mine


def _notices(
    session: Session, report: PeriodReport, occurrence_id: int, incident_ids: list[int]
) -> None:
    counts = report.notices
    about = _about(occurrence_id, incident_ids, Delivery)
    for kind, status, count in session.execute(
        select(col(Delivery.kind), col(Delivery.status), func.count()).where(about)
        .group_by(col(Delivery.kind), col(Delivery.status))
    ):  # fmt: skip
        if status == "sent":
            counts.sent += count
            counts.by_kind[kind] = counts.by_kind.get(kind, 0) + count
        elif status == "dead":
            counts.failed += count
        elif status == "withdrawn":
            counts.withdrawn += count
        else:
            counts.pending += count
    told = (
        select(col(Delivery.id))
        .where(about, col(Delivery.status) == "sent", col(Delivery.audience) == col(Unsubscribe.audience),
               col(Delivery.recipient_address) == col(Unsubscribe.recipient_address),
               col(Delivery.sent_at) <= col(Unsubscribe.at))
        .exists()
    )  # fmt: skip
    counts.unsubscribed = session.execute(
        select(func.count()).select_from(Unsubscribe).where(told)
    ).scalar_one()


def _feedback(
    session: Session, report: PeriodReport, occurrence_id: int, incident_ids: list[int]
) -> None:
    counts = report.feedback
    about = _about(occurrence_id, incident_ids, Feedback)
    for answer, rating, count in session.execute(
        select(col(Feedback.answer), col(Feedback.rating), func.count()).where(about)
        .group_by(col(Feedback.answer), col(Feedback.rating))
    ):  # fmt: skip
        if answer == "sorted":
            counts.sorted += count
        elif answer == "problem":
            counts.problem += count
        elif answer == "rating" and rating is not None:
            counts.ratings[rating] = counts.ratings.get(rating, 0) + count
    counts.comments = [
        Comment(at, answer, rating, text)
        for at, answer, rating, text in session.execute(
            select(col(Feedback.at), col(Feedback.answer), col(Feedback.rating), col(Feedback.comment))
            .where(about, col(Feedback.comment) != "").order_by(col(Feedback.at)).limit(MAX_COMMENTS)
        )
    ]  # fmt: skip


def _problem_reports(session: Session, report: PeriodReport, period_title: str) -> None:
    """Reports sent during the occurrence that name one of its systems or the period itself."""
    plain = {figures.plain_name: figures for figures in report.systems}
    titles = {report.title, period_title}
    rows = session.execute(
        select(ProblemReport).where(col(ProblemReport.at) >= report.start, col(ProblemReport.at) < report.end)
        .where(or_(col(ProblemReport.system).in_(plain),
                   *(col(ProblemReport.critical_period).contains(title) for title in titles)))
        .order_by(col(ProblemReport.at)).limit(MAX_PROBLEM_REPORTS)
    ).scalars()  # fmt: skip
    for row in rows:
        line = ProblemReportLine(row.reference, row.at, row.system, row.doing, row.seen)
        owner = plain.get(row.system)
        (owner.problem_reports if owner else report.other_problem_reports).append(line)


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate bypasses the column type: SQLite hands back naive UTC text or datetimes."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
