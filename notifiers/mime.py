"""Turn a :class:`Message` into a standard email, the same for SMTP and ``.eml`` files.

The Message-ID comes from the dedupe key alone, so a notice sent again after a
crash carries the same Message-ID and mail clients show it once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from notifiers.message import Message

# Headers and parts are quoted-printable so no server needs 8BITMIME.
_CTE = "quoted-printable"


def dedupe_digest(dedupe_key: str) -> str:
    """The first 32 hex digits of the key's SHA-256: a Message-ID's left part, a file's name."""
    return hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]


def message_id(dedupe_key: str, domain: str) -> str:
    return f"<{dedupe_digest(dedupe_key)}@{domain}>"


def build_email(
    message: Message,
    *,
    sender: str,
    domain: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """Build the email for ``message`` from ``sender``: text, and HTML when there is some.

    ``domain`` is the right part of the Message-ID (the sender's domain by
    default); ``now`` is the Date header (the current time by default).
    """
    email = EmailMessage()
    display = f"{message.sender_name} via closewatch" if message.sender_name else None
    email["From"] = formataddr((display, sender)) if display else sender
    email["To"] = formataddr((message.recipient_name, message.recipient_address))
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now or datetime.now(UTC))
    email["Message-ID"] = message_id(message.dedupe_key, domain or _domain_of(sender))
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["Auto-Submitted"] = "auto-generated"
    email["X-Closewatch-Kind"] = message.kind

    email.set_content(message.text, subtype="plain", charset="utf-8", cte=_CTE)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html", charset="utf-8", cte=_CTE)
    return email


def _domain_of(address: str) -> str:
    _local, at, domain = address.rpartition("@")
    return domain.strip(" >") if at and domain.strip(" >") else "localhost"
