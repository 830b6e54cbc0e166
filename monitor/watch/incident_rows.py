"""Storing what the tracker says changed: the incident row and its timeline entries."""

from __future__ import annotations

from sqlmodel import Session

from monitor.db.models import Incident, IncidentEvent, MaintenanceWindow
from monitor.maintenance.windows import in_maintenance
from monitor.store.systems import WatchedCheck
from monitor.watch.incidents import Change


def store_change(
    session: Session, check: WatchedCheck, change: Change, system_id: int
) -> tuple[int, MaintenanceWindow | None]:
    """The incident the change concerns, and the maintenance window it opened during, if any."""
    data = {"status": change.outcome.status.value, "duration": round(change.outcome.duration, 3),
            "failures": change.failures, "level": change.level.label}  # fmt: skip
    window = None
    if change.kind == "opened":
        incident = Incident(
            system_id=system_id, check_id=check.id, status="open",
            level=int(change.level), title=f"{check.system}/{check.name}: {change.outcome.message}",
            opened_at=change.at,
        )  # fmt: skip
        session.add(incident)
        session.flush()
        assert incident.id is not None
        incident_id = incident.id
        # Planned work: IT sees the incident; the people it would alarm are not told.
        window = in_maintenance(session, check.system, change.at)
        if window is not None:
            session.add(IncidentEvent(incident_id=incident_id, at=change.at, kind="maintenance",
                                      message=f"during maintenance window {window.id}: {window.reason}; "
                                              "users are not told"))  # fmt: skip
    else:
        assert change.incident_id is not None
        incident_id = change.incident_id
        if change.kind == "recovered":
            stored = session.get(Incident, incident_id)
            if stored is not None:
                stored.status, stored.closed_at = "closed", change.at
                session.add(stored)
    session.add(IncidentEvent(incident_id=incident_id, at=change.at, kind=change.kind,
                              message=change.outcome.message, data=data))  # fmt: skip
    return incident_id, window
