"""A real aiosmtpd SMTP server on 127.0.0.1, run in the test's own event loop.

::

    async with SMTPServer(starttls=tls.server_context) as server:
        ...  # send to 127.0.0.1:server.port
    server.received[0].message["Subject"]
    server.sessions  # TCP connections accepted so far

Variants by argument: plain; ``starttls=`` a server SSL context (STARTTLS
offered and required); ``implicit_tls=`` a server SSL context (TLS from the
first byte); ``credentials=("user", "secret")`` to require AUTH (over STARTTLS,
as aiosmtpd insists), ``auth_mechanisms=`` to offer only some of LOGIN and
PLAIN; ``rcpt_reply=`` / ``data_reply=`` an SMTP answer such as
``"550 5.1.1 no such user"`` or ``"451 4.3.0 try again later"`` instead of 250.

``stop()`` closes the listener and every open session, as a restarted server
would; ``start()`` again listens on the same port. ``drop_sessions()`` closes
the open sessions at once, before the client can notice, and keeps listening.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Any, cast

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
AUTH_MECHANISMS = ("LOGIN", "PLAIN")


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(
            EmailMessage, email.message_from_bytes(self.content, policy=email.policy.default)
        )


@dataclass
class TLSFiles:
    """A trustme CA and a certificate for 127.0.0.1: the server's and the client's contexts."""

    ca: trustme.CA = field(default_factory=trustme.CA)

    def __post_init__(self) -> None:
        self.server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(HOST, "localhost").configure_cert(self.server_context)
        self.client_context = ssl.create_default_context()
        self.ca.configure_trust(self.client_context)


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._server.rcpt_reply is not None:
            return self._server.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        if self._server.data_reply is not None:
            return self._server.data_reply
        assert envelope.mail_from is not None
        assert isinstance(envelope.original_content, bytes)
        self._server.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 OK queued"


class SMTPServer:
    def __init__(
        self,
        *,
        port: int = 0,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
        auth_mechanisms: Sequence[str] = AUTH_MECHANISMS,
        rcpt_reply: str | None = None,
        data_reply: str | None = None,
    ) -> None:
        if credentials is not None and starttls is None:
            raise ValueError("aiosmtpd offers AUTH only after STARTTLS: pass starttls too")
        self.port = port
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.credentials = credentials
        self.auth_mechanisms = tuple(auth_mechanisms)
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.received: list[Received] = []
        self.sessions = 0
        self.logins: list[tuple[str, str]] = []  # (mechanism, user) of each successful login
        self._handler = _Handler(self)
        self._protocols: list[SMTP] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._make_protocol, HOST, self.port, ssl=self.implicit_tls
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def drop_sessions(self) -> None:
        """Close every open session now, as a server does with idle ones; keep listening."""
        for protocol in self._protocols:
            if protocol.transport is not None:
                protocol.transport.close()

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        self.drop_sessions()
        tasks = [p._handler_coroutine for p in self._protocols if p._handler_coroutine is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        await self._server.wait_closed()
        self._protocols.clear()
        self._server = None

    async def __aenter__(self) -> SMTPServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _make_protocol(self) -> SMTP:
        self.sessions += 1
        excluded = [m for m in AUTH_MECHANISMS if m not in self.auth_mechanisms]
        protocol = SMTP(
            self._handler,
            hostname="smtp.test",
            tls_context=self.starttls,
            require_starttls=self.starttls is not None,
            auth_required=self.credentials is not None,
            authenticator=self._authenticate if self.credentials is not None else None,
            auth_exclude_mechanism=excluded,
            loop=asyncio.get_running_loop(),
        )
        self._protocols.append(protocol)
        return protocol

    def _authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self.credentials is not None
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode(), data.password.decode()
        if (user, password) != self.credentials:
            return AuthResult(success=False, handled=False)
        self.logins.append((mechanism, user))
        return AuthResult(success=True)


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])
