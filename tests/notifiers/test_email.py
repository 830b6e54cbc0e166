from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from notifiers.channels.base import DeliveryError
from notifiers.channels.email import EmailChannel
from notifiers.message import Message
from notifiers.mime import build_email
from tests.notifiers.smtp import HOST, SMTPServer, TLSFiles, unused_port

SENDER = "closewatch@example.de"

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MESSAGE = Message(
    dedupe_key="notice:42:recipient:7:email",
    kind="incident",
    recipient_name="Jürgen Groß",
    recipient_address="juergen.gross@example.de",
    subject="Störung: Buchungen in SAP FI sind langsam",
    text="Hallo Jürgen,\n\nwir arbeiten daran und melden uns bis 11:00.\n\nGrüße\nDana",
    written_at=NOW,
    html="<p>Hallo Jürgen,</p><p>wir arbeiten daran.</p><p>Grüße<br>Dana</p>",
    sender_name="Dana Weber (IT)",
    reply_to="it-support@example.de",
    unsubscribe_url="https://closewatch.example.de/unsubscribe/abc123",
)

MakeChannel = Callable[..., EmailChannel]


@pytest.fixture(scope="module")
def tls() -> TLSFiles:
    return TLSFiles()


@pytest.fixture
async def make_channel() -> AsyncIterator[MakeChannel]:
    channels: list[EmailChannel] = []

    def make(port: int, **options: Any) -> EmailChannel:
        options.setdefault("security", "none")
        options.setdefault("timeout", 5.0)
        channel = EmailChannel(HOST, port, sender=SENDER, **options)
        channels.append(channel)
        return channel

    yield make
    for channel in channels:
        await channel.close()


def numbered(n: int) -> Message:
    return replace(MESSAGE, dedupe_key=f"notice:{n}", subject=f"Notice {n}")


async def test_message_arrives_as_text_and_html_with_its_headers(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        await make_channel(server.port).send(MESSAGE)

    [received] = server.received
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ["juergen.gross@example.de"]
    mail = received.message
    assert mail.get_content_type() == "multipart/alternative"
    text, html = mail.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == MESSAGE.text + "\n"
    assert html.get_content_type() == "text/html"
    assert "<p>Grüße<br>Dana</p>" in html.get_content()
    assert mail["From"] == '"Dana Weber (IT) via closewatch" <closewatch@example.de>'
    assert mail["To"] == "Jürgen Groß <juergen.gross@example.de>"
    assert mail["Reply-To"] == "it-support@example.de"
    assert mail["Subject"] == "Störung: Buchungen in SAP FI sind langsam"
    assert mail["List-Unsubscribe"] == "<https://closewatch.example.de/unsubscribe/abc123>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Closewatch-Kind"] == "incident"
    assert mail["Message-ID"] == build_email(MESSAGE, sender=SENDER)["Message-ID"]


async def test_same_notice_sent_twice_has_the_same_message_id(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port)
        await channel.send(MESSAGE)
        await channel.send(replace(MESSAGE, subject="Störung (erneut gesendet)"))

    first, second = (r.message for r in server.received)
    assert first["Message-ID"] == second["Message-ID"]


async def test_twenty_messages_share_one_smtp_session(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port)
        for n in range(20):
            await channel.send(numbered(n))

    assert len(server.received) == 20
    assert server.sessions == 1


async def test_concurrent_sends_share_one_session(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port)
        await asyncio.gather(*(channel.send(numbered(n)) for n in range(10)))

    assert sorted(r.message["Subject"] for r in server.received) == sorted(
        f"Notice {n}" for n in range(10)
    )
    assert server.sessions == 1


async def test_reconnects_after_the_server_restarted(make_channel: MakeChannel) -> None:
    server = SMTPServer()
    await server.start()
    channel = make_channel(server.port)
    await channel.send(numbered(1))
    await server.stop()

    async with SMTPServer(port=server.port) as restarted:
        await channel.send(numbered(2))

    assert [r.message["Subject"] for r in restarted.received] == ["Notice 2"]
    assert restarted.sessions == 1


async def test_retries_once_on_a_session_the_server_just_dropped(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port)
        await channel.send(numbered(1))
        server.drop_sessions()  # the client still believes it is connected
        await channel.send(numbered(2))

    assert [r.message["Subject"] for r in server.received] == ["Notice 1", "Notice 2"]
    assert server.sessions == 2


async def test_close_quits_and_the_channel_can_send_again(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port)
        await channel.send(numbered(1))
        await channel.close()
        await channel.send(numbered(2))

    assert len(server.received) == 2
    assert server.sessions == 2


async def test_starttls_with_a_private_ca(make_channel: MakeChannel, tls: TLSFiles) -> None:
    async with SMTPServer(starttls=tls.server_context) as server:
        channel = make_channel(server.port, security="starttls", tls_context=tls.client_context)
        await channel.send(MESSAGE)

    assert len(server.received) == 1


async def test_ca_file_trusts_a_private_ca(make_channel: MakeChannel, tls: TLSFiles) -> None:
    async with SMTPServer(starttls=tls.server_context) as server:
        with tls.ca.cert_pem.tempfile() as ca_file:
            channel = make_channel(server.port, security="starttls", ca_file=ca_file)
            await channel.send(MESSAGE)

    assert len(server.received) == 1


async def test_implicit_tls_with_a_private_ca(make_channel: MakeChannel, tls: TLSFiles) -> None:
    async with SMTPServer(implicit_tls=tls.server_context) as server:
        channel = make_channel(server.port, security="tls", tls_context=tls.client_context)
        for n in range(3):
            await channel.send(numbered(n))

    assert len(server.received) == 3
    assert server.sessions == 1


async def test_untrusted_certificate_is_a_temporary_error(
    make_channel: MakeChannel, tls: TLSFiles
) -> None:
    async with SMTPServer(implicit_tls=tls.server_context) as server:
        channel = make_channel(server.port, security="tls")  # system CAs only
        with pytest.raises(DeliveryError) as caught:
            await channel.send(MESSAGE)

    assert not caught.value.permanent
    assert server.received == []


async def test_starttls_not_offered_sends_nothing_in_clear(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port, security="starttls")
        with pytest.raises(DeliveryError) as caught:
            await channel.send(MESSAGE)

    assert not caught.value.permanent  # a stripped or misconfigured STARTTLS may come back
    assert "STARTTLS" in str(caught.value)
    assert server.received == []


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
async def test_auth_with_the_right_credentials(
    make_channel: MakeChannel, tls: TLSFiles, mechanism: str
) -> None:
    server = SMTPServer(
        starttls=tls.server_context,
        credentials=("closewatch", "s3cret-Pässword"),
        auth_mechanisms=[mechanism],
    )
    async with server:
        channel = make_channel(
            server.port,
            security="starttls",
            tls_context=tls.client_context,
            username="closewatch",
            password="s3cret-Pässword",
        )
        await channel.send(numbered(1))
        await channel.send(numbered(2))

    assert len(server.received) == 2
    assert server.logins == [(mechanism, "closewatch")]


async def test_wrong_credentials_are_permanent_and_not_shown(
    make_channel: MakeChannel, tls: TLSFiles
) -> None:
    async with SMTPServer(
        starttls=tls.server_context, credentials=("closewatch", "right")
    ) as server:
        channel = make_channel(
            server.port,
            security="starttls",
            tls_context=tls.client_context,
            username="closewatch",
            password="wrong-password-123",
        )
        with pytest.raises(DeliveryError) as caught:
            await channel.send(MESSAGE)

    assert caught.value.permanent
    assert "wrong-password-123" not in str(caught.value)
    assert "wrong-password-123" not in repr(channel)
    assert server.received == []


async def test_refused_recipient_550_is_permanent(make_channel: MakeChannel) -> None:
    async with SMTPServer(rcpt_reply="550 5.1.1 no such user") as server:
        with pytest.raises(DeliveryError) as caught:
            await make_channel(server.port).send(MESSAGE)

    assert caught.value.permanent
    assert "550" in str(caught.value)
    assert "juergen.gross@example.de" in str(caught.value)


async def test_recipient_answered_451_is_temporary(make_channel: MakeChannel) -> None:
    async with SMTPServer(rcpt_reply="451 4.7.1 greylisted, try again later") as server:
        with pytest.raises(DeliveryError) as caught:
            await make_channel(server.port).send(MESSAGE)

    assert not caught.value.permanent
    assert "451" in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("451 4.3.0 local problem, try later", False), ("554 5.6.0 message refused", True)],
)
async def test_data_answer_decides_permanence(
    make_channel: MakeChannel, reply: str, permanent: bool
) -> None:
    async with SMTPServer(data_reply=reply) as server:
        channel = make_channel(server.port)
        with pytest.raises(DeliveryError) as caught:
            await channel.send(MESSAGE)
        server.data_reply = None
        await channel.send(MESSAGE)  # the connection stays usable after an answer

    assert caught.value.permanent is permanent
    assert len(server.received) == 1
    assert server.sessions == 1


async def test_server_not_listening_is_temporary(make_channel: MakeChannel) -> None:
    channel = make_channel(unused_port())
    with pytest.raises(DeliveryError) as caught:
        await channel.send(MESSAGE)

    assert not caught.value.permanent


async def test_rate_limit_spaces_messages(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port, per_second=20)
        started = time.monotonic()
        for n in range(10):
            await channel.send(numbered(n))
        elapsed = time.monotonic() - started

    assert len(server.received) == 10
    assert elapsed >= 0.4  # nine gaps of 1/20 s


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="security"):
        EmailChannel(HOST, security="ssl", sender=SENDER)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="password"):
        EmailChannel(HOST, username="closewatch", sender=SENDER)


async def test_a_cancelled_send_does_not_spoil_the_next(make_channel: MakeChannel) -> None:
    async with SMTPServer() as server:
        channel = make_channel(server.port)
        await channel.send(numbered(1))
        sending = asyncio.create_task(channel.send(numbered(2)))
        await asyncio.sleep(0.001)  # somewhere inside the SMTP conversation
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await channel.send(numbered(3))

    subjects = [r.message["Subject"] for r in server.received]
    assert subjects[0] == "Notice 1"
    assert subjects[-1] == "Notice 3"
