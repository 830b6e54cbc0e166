"""Putting the plan into the outbox, idempotently.

Planning runs again whenever calendars or audiences change and once an hour.
Each run compares the planned deliveries with the unsent rows of the outbox by
dedupe key: new ones are inserted, moved ones get their new due time, and
unsent ones no longer planned (a cancelled occurrence, a member who left) are
withdrawn. Sent rows are never touched, so a re-run never sends a second copy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from calendars import Level
from calendars.workdays import WorkingDays
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Occurrence, PeriodTarget
from monitor.notices.plan import AudiencePlan, OccurrenceInfo, PlannedDelivery, plan_notices
from monitor.site import AudienceSpec, Site
from monitor.store.audiences import audience_specs
from monitor.store.outbox import PENDING, WITHDRAWN

PLANNED_KINDS = ("heads_up", "daily_status", "wrap_up", "period_report")


@dataclass(frozen=True, slots=True)
class SyncSummary:
    planned: int
    added: int
    moved: int
    withdrawn: int


def plan_and_sync(engine: Engine, site: Site, *, now: datetime, ahead: timedelta) -> SyncSummary:
    """Plan every notice due before ``now + ahead`` and bring the outbox in line."""
    planned = current_plan(engine, site, now=now, ahead=ahead)
    return sync_outbox(engine, planned, now=now, until=now + ahead)


def current_plan(
    engine: Engine, site: Site, *, now: datetime, ahead: timedelta
) -> list[PlannedDelivery]:
    with session_scope(engine) as session:
        specs = audience_specs(session)
        targets: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for period_id, kind, name in session.execute(
            select(col(PeriodTarget.period_id), col(PeriodTarget.kind), col(PeriodTarget.name))
        ):
            targets[period_id][kind].append(name)
        rows = session.execute(
            select(col(Occurrence.id), col(Occurrence.period_id), col(Occurrence.category), col(Occurrence.level),
                   col(Occurrence.start), col(Occurrence.end))
            .where(col(Occurrence.end) > now, col(Occurrence.start) < now + ahead + timedelta(days=31))
        ).all()  # fmt: skip
    occurrences = [
        OccurrenceInfo(
            oid,
            category,
            start,
            end,
            tuple(targets[pid]["system"]),
            tuple(targets[pid]["audience"]),
        )
        for oid, pid, category, level, start, end in rows
        if level > Level.NORMAL
    ]
    years = range(now.year - 1, now.year + 3)
    audiences = [AudiencePlan(spec, _workdays(spec, site, years)) for spec in specs]
    return plan_notices(occurrences, audiences, now=now, until=now + ahead)


def sync_outbox(
    engine: Engine, planned: list[PlannedDelivery], *, now: datetime, until: datetime
) -> SyncSummary:
    wanted = {delivery.dedupe_key: delivery for delivery in planned}
    with session_scope(engine) as session:
        occurrence_ids = sorted({delivery.occurrence_id for delivery in planned})
        existing = {
            key: (row_id, status, due_at)
            for row_id, key, status, due_at in session.execute(
                select(
                    col(Delivery.id),
                    col(Delivery.dedupe_key),
                    col(Delivery.status),
                    col(Delivery.due_at),
                )
                .where(col(Delivery.kind).in_(PLANNED_KINDS))
                # Unsent rows anywhere, and every row of the occurrences planned now (sent ones
                # included, so they are recognised and never planned a second time).
                .where(
                    col(Delivery.status).in_((PENDING, WITHDRAWN))
                    | col(Delivery.occurrence_id).in_(occurrence_ids)
                )
            )
        }
        new = [d for key, d in wanted.items() if key not in existing]
        if new:
            dialect = session.get_bind().dialect.name
            session.execute(_insert_new(dialect), [_row(d, now) for d in new])
        moved = [
            {"id": existing[key][0], "due_at": d.due_at, "first_due_at": d.due_at, "status": PENDING, "updated_at": now}
            for key, d in wanted.items()
            if key in existing and existing[key][1] in (PENDING, WITHDRAWN)
            and (existing[key][2] != d.due_at or existing[key][1] == WITHDRAWN)
        ]  # fmt: skip
        # Only rows still unsent as the update runs: the outbox may have sent one since it was
        # read here, and setting that back to pending would send it a second time.
        still_unsent = (
            update(Delivery)
            .where(or_(col(Delivery.status) == PENDING, col(Delivery.status) == WITHDRAWN))
            .execution_options(synchronize_session=None)  # no objects loaded here to refresh
        )
        if moved:
            session.execute(still_unsent, moved)
        # Unsent and no longer planned, within the span this plan covers.
        gone = [
            {
                "id": row_id,
                "status": WITHDRAWN,
                "updated_at": now,
                "last_error": "no longer planned",
            }
            for key, (row_id, status, due_at) in existing.items()
            if status == PENDING and key not in wanted and due_at <= until
        ]
        if gone:
            session.execute(still_unsent, gone)
    return SyncSummary(len(planned), len(new), len(moved), len(gone))


def _insert_new(dialect: str) -> Insert:
    """An insert that skips a key another process planned meanwhile (the service and
    `closewatch notices send` may plan at the same moment): that row is the same notice."""
    if dialect == "postgresql":
        return postgresql.insert(Delivery).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return sqlite.insert(Delivery).on_conflict_do_nothing(index_elements=["dedupe_key"])


def _row(delivery: PlannedDelivery, now: datetime) -> dict[str, object]:
    return {
        "dedupe_key": delivery.dedupe_key, "kind": delivery.kind, "channel": delivery.channel,
        "audience": delivery.audience, "recipient_name": delivery.recipient_name,
        "recipient_address": delivery.recipient_address, "occurrence_id": delivery.occurrence_id,
        "due_at": delivery.due_at, "first_due_at": delivery.due_at, "status": PENDING,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def _workdays(spec: AudienceSpec, site: Site, years: range) -> WorkingDays:
    """The audience's own working days, else the site's."""
    return (spec.working_days or site.spec.working_days).working_days(years)
