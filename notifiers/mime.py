"""Turn a :class:`Message` into a standard email, the same for SMTP and ``.eml`` files.

The Message-ID comes from the dedupe key alone, so a notice sent again after a
crash carries the same Message-ID and mail clients show it once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email import charset
from email.header import Header
from email.message import Message as EmailMessageBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

from notifiers.message import Message

# Headers and parts are quoted-printable so no server needs 8BITMIME.
# UTF-8 bodies in quoted-printable: readable, and safe for servers without 8BITMIME.
_UTF8_QP = charset.Charset("utf-8")
_UTF8_QP.body_encoding = charset.QP


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
) -> EmailMessageBase:
    """Build the email for ``message`` from ``sender``: text, and HTML when there is some.

    ``domain`` is the right part of the Message-ID (the sender's domain by
    default); ``now`` is the Date header (the current time by default).

    Built with the standard library's ``email.mime`` classes: a quarter of the
    cost of ``EmailMessage`` with the default policy, which matters when a
    notice goes to thousands of people.
    """
    text = MIMEText(
        message.text if message.text.endswith("\n") else message.text + "\n", "plain", _UTF8_QP
    )
    if message.html is None:
        email: EmailMessageBase = text
    else:
        email = MIMEMultipart("alternative")
        email.attach(text)
        email.attach(MIMEText(message.html, "html", _UTF8_QP))
    display = f"{message.sender_name} via closewatch" if message.sender_name else None
    email["From"] = formataddr((display, sender)) if display else sender
    email["To"] = formataddr((message.recipient_name, message.recipient_address))
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = _header(message.subject)
    email["Date"] = format_datetime(now or datetime.now(UTC))
    email["Message-ID"] = message_id(message.dedupe_key, domain or _domain_of(sender))
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["Auto-Submitted"] = "auto-generated"
    email["X-Closewatch-Kind"] = message.kind
    return email


def _header(value: str) -> str:
    """ASCII as it is; anything else encoded (RFC 2047) so every server can carry it."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _domain_of(address: str) -> str:
    _local, at, domain = address.rpartition("@")
    return domain.strip(" >") if at and domain.strip(" >") else "localhost"
