"""What an alert says, for IT only.

Readers hear the system's plain name ("The invoicing system is not working as
it should."); the alert's labels, annotations (summary, description, runbook)
and links go to the IT contacts of the audiences concerned, in one plain-text
message per incident, so the person who signs the readers' notices knows what
the monitoring saw.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import ExternalAlert, Incident, System
from monitor.notices.incidents import Recipient, concerned_audiences, enqueue
from notifiers.message import Message

ALERT_DETAILS = "alert_details"
MAX_ALERTS_SHOWN = 20


def enqueue_details(
    engine: Engine, incident_id: int, *, occurrence_ids: list[int], now: datetime
) -> int:
    """One details message per IT contact of the audiences concerned; how many."""
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return 0
        system = session.execute(
            select(col(System.name)).where(col(System.id) == incident.system_id)
        ).scalar_one()
        contacts = [
            Recipient(spec.name, spec.contact.name, "email", spec.contact.email)
            for spec in concerned_audiences(session, system, occurrence_ids)
            if spec.contact.email
        ]
        unique = list({recipient.address: recipient for recipient in contacts}.values())
        return enqueue(session, ALERT_DETAILS, incident, unique, now, tag="")


def details_message(engine: Engine, claim_incident: int | None, *, dedupe_key: str,
                    recipient_name: str, recipient_address: str,
                    written_at: datetime) -> Message | None:  # fmt: skip
    """The message for one IT contact: the incident and every alert that feeds it."""
    if claim_incident is None:
        return None
    with session_scope(engine) as session:
        found = session.execute(
            select(Incident, col(System.name), col(System.plain_name))
            .join(System, col(System.id) == col(Incident.system_id)).where(col(Incident.id) == claim_incident)
        ).first()  # fmt: skip
        if found is None:
            return None
        incident, system, plain_name = found
        alerts = list(session.execute(
            select(ExternalAlert).where(col(ExternalAlert.incident_id) == claim_incident)
            .order_by(col(ExternalAlert.started_at)).limit(MAX_ALERTS_SHOWN)
        ).scalars())  # fmt: skip
    lines = [
        f"Incident {incident.id} opened on {system} ({plain_name}) from other monitoring.",
        f"Readers were told: {incident.public_line or 'nothing yet'}",
        "",
    ]
    for alert in alerts:
        lines.append(f"{alert.source} {alert.key}: {alert.summary or '(no summary)'}")
        lines.append(f"  since {alert.started_at:%Y-%m-%d %H:%M:%S} UTC")
        for section in ("labels", "annotations"):
            for name, value in sorted(dict(alert.details.get(section) or {}).items()):
                lines.append(f"  {section[:-1]} {name}: {value}")
        if alert.details.get("link"):
            lines.append(f"  {alert.details['link']}")
        lines.append("")
    lines.append(
        f'Post an update for the readers: closewatch incident update {incident.id} --message "..."'
    )
    return Message(
        dedupe_key=dedupe_key, kind=ALERT_DETAILS, recipient_name=recipient_name,
        recipient_address=recipient_address, subject=f"Alert details: incident {incident.id} on {system}",
        text="\n".join(lines), sender_name="closewatch", written_at=written_at,
    )  # fmt: skip
