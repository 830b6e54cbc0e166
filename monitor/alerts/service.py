"""Reports from other monitoring, through the incidents closewatch's own checks open.

:func:`receive` stores a batch of reports (one transaction, one at a time in
this process), then tells people about every incident that opened or
recovered exactly as a check's incident is told: the audiences of the periods
behind the system's level now, that level's promised response, the same
grouping and hourly cap, and the same plain words. What the alert itself says
(its labels, annotations and links) goes to the IT contacts of those audiences
only (:mod:`monitor.alerts.details`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from calendars import Level
from monitor.alerts.details import enqueue_details
from monitor.alerts.intake import OPENED, Report, Transition, apply_report, lock, serialise
from monitor.db.engine import session_scope
from monitor.db.models import System
from monitor.notices.service import tell_incident_change

if TYPE_CHECKING:
    from monitor.api.state import AppState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Received:
    """What a batch of reports did: incidents opened and recovered, by id."""

    opened: list[int]
    recovered: list[int]


def receive(app: AppState, reports: Sequence[Report]) -> Received:
    now = app.clock()
    index = app.intensity.current().index
    done: list[tuple[Transition, Level, list[int], float]] = []
    with lock(), session_scope(app.engine) as session:
        serialise(session)
        wanted = {report.system for report in reports}
        policies: dict[str, dict[str, object]] = {
            name: policy
            for name, policy in session.execute(
                select(col(System.name), col(System.policy)).where(col(System.name).in_(wanted))
            )
        }
        for report in reports:
            segment = index.at(report.system, now)
            transition = apply_report(session, report, level=segment.level, now=now)
            if transition is not None:
                policy = app.site.system_policy(policies.get(report.system, {}))[segment.level]
                causes = [cause.occurrence_id for cause in segment.causes]
                done.append((transition, segment.level, causes, policy.response_minutes))
    for transition, level, causes, response_minutes in done:
        _tell(app, transition, level, causes, response_minutes)
    return Received(
        opened=[t.incident_id for t, *_ in done if t.kind == OPENED],
        recovered=[t.incident_id for t, *_ in done if t.kind != OPENED],
    )


def _tell(
    app: AppState, transition: Transition, level: Level, causes: list[int], response: float
) -> None:
    now = app.clock()
    try:
        rank = tell_incident_change(
            app.engine, app.metrics, transition.kind, transition.incident_id, level=level,
            occurrence_ids=causes, response_minutes=response, at=now,
        )  # fmt: skip
        if transition.kind == OPENED:
            enqueue_details(app.engine, transition.incident_id, occurrence_ids=causes, now=now)
    except Exception:  # stored already: the alert is not lost, and the watcher keeps watching
        log.exception("could not tell audiences about incident %s", transition.incident_id)
        rank = None
    if app.watcher is not None and app.watcher.running:  # the leader; others follow in 30 s
        app.watcher.incident_elsewhere(
            transition.kind, transition.incident_id, transition.system, level, rank
        )
