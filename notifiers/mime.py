"""Turn a :class:`Message` into a standard email, the same for SMTP and ``.eml`` files.

The Message-ID comes from the dedupe key alone, so a notice sent again after a
crash carries the same Message-ID and mail clients show it once.

Names and addresses are data, never headers: they are checked where they enter
closewatch, and here once more, because a row stored before those checks (or a
bug) must not be able to end the ``To:`` line and start a ``Bcc:`` of its own. A
name or address with a control character, or an address that is not ASCII, is
a permanent :class:`DeliveryError` naming the field; the subject loses its
control characters, as it is ours (rendered from a template).
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import re
from email import quoprimime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from notifiers.channels.base import DeliveryError
from notifiers.message import Attachment, Message

# Headers and parts are quoted-printable so no server needs 8BITMIME.
CRLF = "\r\n"
# CR and LF would end a header line; no other control character belongs in one either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def dedupe_digest(dedupe_key: str) -> str:
    """The first 32 hex digits of the key's SHA-256: a Message-ID's left part, a file's name."""
    return hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]


def message_id(dedupe_key: str, domain: str) -> str:
    return f"<{dedupe_digest(dedupe_key)}@{domain}>"


def email_bytes(
    message: Message,
    *,
    sender: str,
    domain: str | None = None,
) -> bytes:
    """The email for ``message`` from ``sender`` as it goes over SMTP: CRLF lines, text
    and (when there is some) HTML, UTF-8 in quoted-printable, non-ASCII headers RFC 2047.

    Assembled from the standard library's encoders rather than through
    ``email.generator``, which folds every header and compiles a regular expression
    to choose each multipart boundary: a notice goes to thousands of people, and this
    is six times cheaper. The boundary comes from the dedupe key and starts with
    ``=_``, which quoted-printable never produces, so it cannot occur in a part.
    """
    _refuse_unsafe(message, sender)
    display = f"{message.sender_name} via closewatch" if message.sender_name else None
    headers = [
        ("From", formataddr((display, sender)) if display else sender),
        ("To", formataddr((message.recipient_name, message.recipient_address))),
        ("Reply-To", message.reply_to),
        ("Subject", _header(message.subject)),
        ("Date", format_datetime(message.written_at)),
        ("Message-ID", message_id(message.dedupe_key, domain or _domain_of(sender))),
        ("List-Unsubscribe", f"<{message.unsubscribe_url}>" if message.unsubscribe_url else None),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click" if message.unsubscribe_url else None,
        ),
        ("Auto-Submitted", "auto-generated"),
        ("X-Closewatch-Kind", message.kind),
        ("MIME-Version", "1.0"),
    ]
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers if value)
    text = message.text if message.text.endswith("\n") else message.text + "\n"
    if message.html is None:
        body = _part("text/plain", text)
    else:
        boundary = f"=_closewatch_{dedupe_digest(message.dedupe_key)}"
        body = (
            f'Content-Type: multipart/alternative; boundary="{boundary}"{CRLF}{CRLF}'
            f"--{boundary}{CRLF}{_part('text/plain', text)}{CRLF}"
            f"--{boundary}{CRLF}{_part('text/html', message.html)}{CRLF}"
            f"--{boundary}--{CRLF}"
        )
    if message.attachments:
        body = _mixed(
            body, message.attachments, f"=_closewatch_mixed_{dedupe_digest(message.dedupe_key)}"
        )
    return (head + body).encode("ascii")


def _mixed(body: str, attachments: tuple[Attachment, ...], boundary: str) -> str:
    """The message's body first, then each file in base64 (whose alphabet has no ``=_``)."""
    parts = [
        f'Content-Type: multipart/mixed; boundary="{boundary}"{CRLF}{CRLF}--{boundary}{CRLF}{body}{CRLF}'
    ]
    for attachment in attachments:
        name = _CONTROL.sub("", attachment.filename).replace('"', "").replace("\\", "")
        encoded = base64.encodebytes(attachment.data).decode("ascii").replace("\n", CRLF)
        parts.append(
            f'--{boundary}{CRLF}Content-Type: {attachment.content_type}; name="{name}"{CRLF}'
            f'Content-Disposition: attachment; filename="{name}"{CRLF}'
            f"Content-Transfer-Encoding: base64{CRLF}{CRLF}{encoded}{CRLF}"
        )
    return "".join(parts) + f"--{boundary}--{CRLF}"


def _refuse_unsafe(message: Message, sender: str) -> None:
    """A permanent DeliveryError if a name or address could break out of its header."""
    addresses = (
        message.recipient_address, sender, message.reply_to or "", message.unsubscribe_url or "",
    )  # fmt: skip
    names = (message.recipient_name, message.sender_name or "")
    if "".join(addresses).isascii() and "".join((*addresses, *names)).isprintable():
        return  # the common case, quickly: this runs for every recipient
    labels = ("recipient address", "sender address", "reply-to address", "unsubscribe link")
    named = (("recipient name", names[0]), ("sender name", names[1]))
    for label, value in (*zip(labels, addresses, strict=True), *named):
        found = _CONTROL.search(value)
        if found is not None:
            raise DeliveryError(
                f"not sent: the {label} holds a control character "
                f"(U+{ord(found.group()):04X}), which would break the email's headers",
                permanent=True,
            )
        if label in labels and not value.isascii():
            raise DeliveryError(f"not sent: the {label} {value!r} is not ASCII", permanent=True)


def build_email(
    message: Message,
    *,
    sender: str,
    domain: str | None = None,
) -> EmailMessage:
    """The same email as :func:`email_bytes`, parsed, for reading its parts and headers."""
    raw = email_bytes(message, sender=sender, domain=domain)
    return email.message_from_bytes(raw, policy=email.policy.default)


def _part(content_type: str, content: str) -> str:
    encoded = quoprimime.body_encode(content.encode("utf-8").decode("latin-1"), eol=CRLF)
    return (
        f'Content-Type: {content_type}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}{encoded}"
    )


def _header(value: str) -> str:
    """ASCII as it is; anything else encoded (RFC 2047) so every server can carry it."""
    if not value.isprintable():  # one line, no control characters
        value = _CONTROL.sub(" ", value)
    value = " ".join(value.split())
    return value if value.isascii() else Header(value, "utf-8").encode(linesep=CRLF)


def _domain_of(address: str) -> str:
    _local, at, domain = address.rpartition("@")
    return domain.strip(" >") if at and domain.strip(" >") else "localhost"
