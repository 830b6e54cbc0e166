"""An alert from other monitoring, as a system failing from that source.

Each report says that a system is failing (``firing``) or well again, from a
``source`` (``alertmanager``, ``zabbix`` ...), under a ``key`` that source
keeps for it (Alertmanager's fingerprint, a webhook's id). While any report of
a source is firing for a system, that system counts as failing from that
source: the first one opens an incident, as a check's failure streak would,
and the last one to clear is the recovery. The source already decided that
this is a failure (a rule's ``for:``, Zabbix's trigger), so one report opens
the incident at once; the system's level at that moment still sets who hears
of it, the promised response and the priority.

Re-sent notifications change nothing: a firing report for a key already firing
only refreshes its text, and a resolution for a key not firing (or for an older
firing of it) is ignored. Reports are applied one batch at a time, across replicas too (a PostgreSQL
advisory lock): Alertmanager's replicas may deliver the same notification to
two closewatch replicas at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session, col

from calendars import Level
from monitor.db.models import ExternalAlert, Incident, IncidentEvent, System

OPENED, RECOVERED = "opened", "recovered"
_one_at_a_time = threading.Lock()  # two re-sends at once must not open two incidents
ADVISORY_KEY = 0x6377616C657274  # "cwalert"


@dataclass(frozen=True, slots=True)
class Report:
    """One system's state from one source, under the key that source keeps for it."""

    system: str
    source: str
    key: str
    firing: bool
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """An incident that opened or recovered because of a report."""

    kind: str  # OPENED or RECOVERED
    incident_id: int
    system: str


def apply_report(
    session: Session, report: Report, *, level: Level, now: datetime
) -> Transition | None:
    """Store ``report``; the incident it opens or ends, if any. Caller commits."""
    system_id = session.execute(
        select(col(System.id)).where(col(System.name) == report.system)
    ).scalar_one()
    row = session.execute(
        select(ExternalAlert).where(
            col(ExternalAlert.source) == report.source, col(ExternalAlert.key) == report.key
        )
    ).scalar_one_or_none()
    if report.firing:
        return _firing(session, row, report, system_id, level, now)
    if row is None or not row.firing:
        return None  # never seen firing, or already resolved: a re-send
    if report.started_at is not None and report.started_at < row.started_at:
        return None  # the end of an earlier firing, arriving late
    return _cleared(session, row, now, report.system)


def firing_keys(session: Session, system: str, source: str) -> list[str]:
    """The keys of ``source`` still firing for ``system``."""
    return list(
        session.execute(
            select(col(ExternalAlert.key))
            .join(System, col(System.id) == col(ExternalAlert.system_id))
            .where(
                col(System.name) == system,
                col(ExternalAlert.source) == source,
                col(ExternalAlert.firing),
            )
            .order_by(ExternalAlert.key)
        ).scalars()
    )


def lock() -> threading.Lock:
    """Held while a batch is applied in this process; :func:`serialise` does so across replicas."""
    return _one_at_a_time


def serialise(session: Session) -> None:
    """On PostgreSQL, one batch at a time across replicas too (until the transaction ends)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})


def _firing(
    session: Session,
    row: ExternalAlert | None,
    report: Report,
    system_id: int,
    level: Level,
    now: datetime,
) -> Transition | None:
    started = report.started_at or now
    if row is not None and row.firing and row.system_id == system_id:
        row.summary, row.details, row.updated_at = report.summary, report.details, now
        session.add(row)
        return None
    if row is not None and row.firing:  # the alert now concerns another system: end it there
        _cleared(session, row, now, report.system)
    row = row or ExternalAlert(source=report.source, key=report.key, system_id=system_id,
                               firing=True, started_at=started, updated_at=now)  # fmt: skip
    row.system_id, row.firing, row.started_at, row.updated_at = system_id, True, started, now
    row.summary, row.details = report.summary, report.details
    open_id = _open_incident(session, system_id, report.source)
    row.incident_id = open_id
    session.add(row)
    if open_id is not None:
        return None  # the system already fails from this source: same incident
    what = report.summary or "reported down"
    incident = Incident(
        system_id=system_id, check_id=None, status="open", level=int(level),
        title=f"{report.system}/{report.source}: {what}"[:500], opened_at=now,
    )  # fmt: skip
    session.add(incident)
    session.flush()
    assert incident.id is not None
    row.incident_id = incident.id
    session.add(row)
    session.add(IncidentEvent(incident_id=incident.id, at=now, kind=OPENED, message=what[:1000],
                              data={"source": report.source, "key": report.key,
                                    "level": level.label}))  # fmt: skip
    return Transition(OPENED, incident.id, report.system)


def _cleared(session: Session, row: ExternalAlert, now: datetime, system: str) -> Transition | None:
    row.firing, row.updated_at = False, now
    session.add(row)
    session.flush()
    if row.incident_id is None:
        return None
    still = session.execute(
        select(col(ExternalAlert.id))
        .where(col(ExternalAlert.incident_id) == row.incident_id, col(ExternalAlert.firing))
        .limit(1)
    ).first()
    incident = session.get(Incident, row.incident_id)
    if still is not None or incident is None or incident.status != "open":
        return None
    incident.status, incident.closed_at = "closed", now
    session.add(incident)
    session.add(IncidentEvent(incident_id=row.incident_id, at=now, kind=RECOVERED,
                              message=f"{row.source} reports it well again",
                              data={"source": row.source, "key": row.key}))  # fmt: skip
    return Transition(RECOVERED, row.incident_id, system)


def _open_incident(session: Session, system_id: int, source: str) -> int | None:
    """The open incident a source's reports already feed for this system."""
    return session.execute(
        select(col(Incident.id))
        .join(ExternalAlert, col(ExternalAlert.incident_id) == col(Incident.id))
        .where(col(ExternalAlert.system_id) == system_id, col(ExternalAlert.source) == source,
               col(Incident.status) == "open")
        .limit(1)
    ).scalar_one_or_none()  # fmt: skip
