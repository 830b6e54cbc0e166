"""A notice rendered for one claim, as the message its reader gets: from the audience's IT contact."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from notifiers.message import Attachment, Message

if TYPE_CHECKING:
    from monitor.site import AudienceSpec
    from notifiers.outbox import Claim
    from notifiers.render import RenderedNotice


def audience_message(
    claim: Claim,
    rendered: RenderedNotice,
    audience: AudienceSpec,
    *,
    unsubscribe: str | None,
    written_at: datetime,
    attachments: tuple[Attachment, ...] = (),
) -> Message:
    """Answers reach the audience's contact, who is named as its sender."""
    return Message(
        dedupe_key=claim.dedupe_key,
        kind=claim.kind,
        recipient_name=claim.recipient_name,
        recipient_address=claim.recipient_address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        sender_name=audience.contact.name,
        reply_to=audience.contact.email or None,
        unsubscribe_url=unsubscribe,
        written_at=written_at,
        attachments=attachments,
    )
