"""Plain messages for an audience's IT contact: an update came due, a reader still has a problem."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Feedback, Incident
from notifiers.message import Message
from notifiers.outbox import Claim

if TYPE_CHECKING:  # the composer dispatches to these functions
    from monitor.notices.compose import Composer


def overdue_message(composer: Composer, claim: Claim) -> Message | None:
    """For the IT contact: a promised update was due, and closewatch sent one on its own."""
    with session_scope(composer.engine) as session:
        incident = session.get(Incident, claim.incident_id) if claim.incident_id else None
    if incident is None:
        return None
    text = (
        f"A promised update on incident {incident.id} ({incident.public_line}) was due and nothing new was "
        "posted, so closewatch told the readers that IT is still working on it.\n\n"
        f"Post the next update before it is due again:\n  closewatch incident update {incident.id} "
        '--message "..." --next-update 30m\n'
    )
    return Message(
        dedupe_key=claim.dedupe_key,
        kind=claim.kind,
        recipient_name=claim.recipient_name,
        recipient_address=claim.recipient_address,
        subject=f"A promised update was due: incident {incident.id}",
        text=text,
        sender_name="closewatch",
        written_at=composer.clock(),
    )


def alert_message(composer: Composer, claim: Claim) -> Message | None:
    """ "Still a problem" from a reader, for their IT contact: plain facts, a way to answer."""
    feedback_id = int(claim.dedupe_key.rsplit("/", 1)[-1])
    with session_scope(composer.engine) as session:
        feedback = session.get(Feedback, feedback_id)
        if feedback is None:
            return None
        reader = session.execute(
            select(col(Delivery.recipient_name)).where(col(Delivery.dedupe_key) == feedback.dedupe_key)
        ).scalar_one_or_none()  # fmt: skip
    shared = (
        composer.shared_for("alert", feedback.occurrence_id) if feedback.occurrence_id else None
    )
    about = shared.period["title"] if shared else "a recent notice"
    who = f"{reader or feedback.recipient_address} <{feedback.recipient_address}>"
    lines = [f'{who} answered "still a problem" about {about} ({claim.audience}).', ""]
    if feedback.comment:
        lines += ["They wrote:", feedback.comment, ""]
    lines.append("Reply to this message to reach them.")
    return Message(
        dedupe_key=claim.dedupe_key, kind=claim.kind, recipient_name=claim.recipient_name,
        recipient_address=claim.recipient_address, subject=f"Still a problem: {about}, {reader or 'a reader'}",
        text="\n".join(lines), sender_name="closewatch", reply_to=feedback.recipient_address,
        written_at=composer.clock(),
    )  # fmt: skip
