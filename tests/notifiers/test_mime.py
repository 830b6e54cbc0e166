from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import cast

import pytest

from notifiers.channels.base import DeliveryError
from notifiers.message import Attachment, Message
from notifiers.mime import build_email, email_bytes

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

MESSAGE = Message(
    dedupe_key="notice:42:recipient:7:email",
    kind="heads_up",
    recipient_name="Jürgen Groß",
    recipient_address="juergen.gross@example.de",
    subject="Monatsabschluss: Wir behalten SAP FI im Blick",
    text="Hallo Jürgen,\n\nab Donnerstag beobachten wir das System genauer.\n\nGrüße\nDana",
    written_at=NOW,
    html="<p>Hallo Jürgen,</p><p>Grüße<br>Dana</p>",
    sender_name="Dana Weber (IT)",
    reply_to="it-support@example.de",
    unsubscribe_url="https://closewatch.example.de/unsubscribe/abc123",
)


def parsed(message: Message, **options: str) -> EmailMessage:
    raw = build_email(message, sender="closewatch@example.de", **options).as_bytes()
    return cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))


def test_text_and_html_are_alternatives_text_first() -> None:
    mail = parsed(MESSAGE)
    assert mail.get_content_type() == "multipart/alternative"
    parts = list(mail.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert parts[0].get_content() == MESSAGE.text + "\n"
    assert "<p>Grüße<br>Dana</p>" in parts[1].get_content()


def test_message_without_html_is_plain_text_only() -> None:
    mail = parsed(replace(MESSAGE, html=None))
    assert mail.get_content_type() == "text/plain"
    assert "Grüße" in mail.get_content()


def test_headers_name_the_it_contact_and_the_recipient() -> None:
    mail = parsed(MESSAGE)
    assert mail["From"] == '"Dana Weber (IT) via closewatch" <closewatch@example.de>'
    assert mail["To"] == "Jürgen Groß <juergen.gross@example.de>"
    assert mail["Reply-To"] == "it-support@example.de"
    assert mail["Subject"] == MESSAGE.subject
    assert mail["Date"] == "Wed, 25 Nov 2026 09:00:00 +0000"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Closewatch-Kind"] == "heads_up"


def test_non_ascii_header_values_are_encoded_on_the_wire() -> None:
    raw = build_email(MESSAGE, sender="closewatch@example.de").as_bytes()
    header_section = raw.split(b"\n\n", 1)[0]
    header_section.decode("ascii")  # RFC 2047 encoded words, no raw UTF-8
    assert b"=?utf-8?" in header_section


def test_sender_name_is_optional() -> None:
    mail = parsed(replace(MESSAGE, sender_name=None, reply_to=None))
    assert mail["From"] == "closewatch@example.de"
    assert "Reply-To" not in mail


def test_one_click_unsubscribe_headers() -> None:
    mail = parsed(MESSAGE)
    assert mail["List-Unsubscribe"] == "<https://closewatch.example.de/unsubscribe/abc123>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    without = parsed(replace(MESSAGE, unsubscribe_url=None))
    assert "List-Unsubscribe" not in without
    assert "List-Unsubscribe-Post" not in without


def test_message_id_depends_only_on_the_dedupe_key() -> None:
    first = build_email(MESSAGE, sender="closewatch@example.de")
    changed = replace(MESSAGE, subject="changed", text="changed", html=None)
    again = build_email(changed, sender="closewatch@example.de")
    other_key = replace(MESSAGE, dedupe_key="notice:43:recipient:7:email")
    other = build_email(other_key, sender="closewatch@example.de")
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].startswith("<")
    assert first["Message-ID"].endswith("@example.de>")
    assert len(first["Message-ID"].split("@")[0]) == 33  # "<" and 32 hex digits


def test_message_id_domain_can_be_given() -> None:
    mail = build_email(MESSAGE, sender="closewatch@example.de", domain="notices.example.org")
    assert mail["Message-ID"].endswith("@notices.example.org>")


# --- names are data, never headers ----------------------------------------------------------

INJECTION = "\r\nBcc: everyone@example.com"


@pytest.mark.parametrize(
    ("field", "label"),
    [("recipient_name", "recipient name"), ("recipient_address", "recipient address"),
     ("sender_name", "sender name"), ("reply_to", "reply-to address")],
)  # fmt: skip
def test_a_line_break_in_a_name_or_address_is_a_permanent_error_not_a_header(
    field: str, label: str
) -> None:
    bad = replace(MESSAGE, **{field: getattr(MESSAGE, field) + INJECTION})

    with pytest.raises(DeliveryError) as raised:
        email_bytes(bad, sender="closewatch@example.de")

    assert raised.value.permanent
    assert label in str(raised.value) and "U+000D" in str(raised.value)


def test_an_injected_sender_setting_is_refused_too() -> None:
    with pytest.raises(DeliveryError, match="sender address"):
        email_bytes(MESSAGE, sender="closewatch@example.de" + INJECTION)


def test_a_non_ascii_address_is_a_permanent_error_not_a_crash() -> None:
    with pytest.raises(DeliveryError, match="not ASCII") as raised:
        email_bytes(replace(MESSAGE, recipient_address="jürgen@example.de"), sender="cw@example.de")

    assert raised.value.permanent


def test_control_characters_leave_the_subject_and_the_headers_stay_whole() -> None:
    raw = email_bytes(
        replace(MESSAGE, subject="Close\x07 \x1b[31mnow\r\nBcc: x@example.com"),
        sender="closewatch@example.de",
    )

    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "Subject: Close [31mnow Bcc: x@example.com\r\n" in head
    assert not [line for line in head.split("\r\n") if line.startswith("Bcc")]
    assert "\x07" not in head and "\x1b" not in head


def test_attachments_make_a_mixed_message_with_the_alternatives_first() -> None:
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    invite = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    mail = parsed(replace(MESSAGE, attachments=(
        Attachment("report-7.pdf", "application/pdf", pdf),
        Attachment("window.ics", "text/calendar; method=PUBLISH", invite),
    )))  # fmt: skip

    assert mail.get_content_type() == "multipart/mixed"
    first, *files = mail.iter_parts()
    assert first.get_content_type() == "multipart/alternative"
    assert [(part.get_filename(), part.get_content_type()) for part in files] == [
        ("report-7.pdf", "application/pdf"), ("window.ics", "text/calendar"),
    ]  # fmt: skip
    assert files[0].get_content() == pdf and files[1].get_payload(decode=True) == invite
    assert files[1].get_param("method") == "PUBLISH"
    body = mail.get_body(("plain",))
    assert body is not None and "ab Donnerstag" in body.get_content()
