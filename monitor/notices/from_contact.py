"""A notice rendered for one claim, as the message its reader gets: from an IT contact."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from notifiers.message import Attachment, Message

if TYPE_CHECKING:
    from monitor.site import Contact
    from notifiers.outbox import Claim
    from notifiers.render import RenderedNotice


def from_contact(
    claim: Claim,
    rendered: RenderedNotice,
    contact: Contact,
    *,
    unsubscribe: str | None = None,
    written_at: datetime,
    attachments: tuple[Attachment, ...] = (),
) -> Message:
    """Answers reach ``contact``, who is named as its sender (an audience's, or the sign-up's)."""
    return Message(
        dedupe_key=claim.dedupe_key,
        kind=claim.kind,
        recipient_name=claim.recipient_name,
        recipient_address=claim.recipient_address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        sender_name=contact.name,
        reply_to=contact.email or None,
        unsubscribe_url=unsubscribe,
        written_at=written_at,
        attachments=attachments,
    )
