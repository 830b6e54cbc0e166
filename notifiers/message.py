"""A message ready to send: what every channel receives.

Rendering and planning produce it; channels only deliver it. ``dedupe_key`` is
unique per notice, recipient and channel: channels derive what must not
change between two attempts from it (an email's Message-ID, a file's name), so
a message sent twice after a crash is recognisably the same message.
``written_at`` comes from the composer's clock: notifiers never read the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent along: an email carries it as a part of a ``multipart/mixed`` message."""

    filename: str  # ASCII, no quotes: closewatch names its own files
    content_type: str  # "application/pdf", "text/calendar; method=PUBLISH"
    data: bytes


@dataclass(frozen=True, slots=True)
class Message:
    dedupe_key: str
    kind: str  # heads_up, daily_status, wrap_up, incident, update, resolved
    recipient_name: str
    recipient_address: str  # an email address, or an Apprise URL for chat
    subject: str
    text: str
    written_at: datetime  # when it was composed: an email's Date header
    html: str | None = None
    sender_name: str | None = None  # shown as "Dana Weber (IT)" in the From header
    reply_to: str | None = None  # the IT contact: answers reach a person
    unsubscribe_url: str | None = None  # List-Unsubscribe, with one-click POST
    attachments: tuple[Attachment, ...] = ()  # email only; chat gets the text alone
