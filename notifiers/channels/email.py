"""Email over SMTP: one kept-open aiosmtplib connection, sends one at a time, rate-limited.

The connection opens on the first send and is reused until the server drops it;
a send that finds it dropped reconnects once. Errors become
:class:`DeliveryError`: a 5xx answer or a refused login is permanent, a 4xx
answer, a timeout or a connection that fails is temporary, and the latter two
say the server is unreachable (the outbox then pauses the channel).
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Literal

import aiosmtplib
from aiosmtplib import (
    SMTPAuthenticationError,
    SMTPException,
    SMTPNotSupported,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
)

from notifiers.channels.base import DeliveryError
from notifiers.message import Message
from notifiers.mime import email_bytes

Security = Literal["none", "starttls", "tls"]
SECURITY_MODES: tuple[Security, ...] = ("none", "starttls", "tls")


class RateLimiter:
    """At most ``per_second`` passes per second, evenly spaced (no bursts)."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be positive, got {per_second!r}")
        self._interval = 1.0 / per_second
        self._next = 0.0  # event-loop time of the next free slot
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self._interval


class EmailChannel:
    """Send each message as one email from ``sender`` through the SMTP server at ``host:port``.

    ``security``: ``"starttls"`` (required, not opportunistic), ``"tls"`` (implicit
    TLS, usually port 465) or ``"none"``. ``tls_context`` or ``ca_file`` trust a
    private CA; by default the system's CAs are trusted and the host name checked.
    """

    name = "email"

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        sender: str,
        timeout: float = 30.0,
        per_second: float | None = None,
        tls_context: ssl.SSLContext | None = None,
        ca_file: str | Path | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}, got {security!r}")
        if tls_context is not None and ca_file is not None:
            raise ValueError("give tls_context or ca_file, not both")
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.sender = sender
        self.timeout = timeout
        if ca_file is not None:
            tls_context = ssl.create_default_context(cafile=str(ca_file))
        self._tls_context = tls_context
        self._limiter = RateLimiter(per_second) if per_second else None
        self._lock = asyncio.Lock()
        self._smtp: aiosmtplib.SMTP | None = None

    def __repr__(self) -> str:
        return (
            f"EmailChannel({self.host!r}, {self.port}, security={self.security!r}, "
            f"username={self.username!r}, sender={self.sender!r})"
        )

    async def send(self, message: Message) -> None:
        email = email_bytes(message, sender=self.sender)
        if self._limiter is not None:
            await self._limiter.acquire()
        async with self._lock:
            try:
                await self._send_reconnecting(email, message.recipient_address)
            except (SMTPRecipientsRefused, SMTPResponseException) as exc:
                # The server answered: the connection is still good for the next message.
                raise self._error(exc, message.recipient_address) from exc
            except (SMTPException, OSError, TimeoutError) as exc:
                self._drop()
                raise self._error(exc, message.recipient_address) from exc
            except BaseException:
                self._drop()  # cancelled mid-conversation: the session's state is unknown
                raise

    async def close(self) -> None:
        async with self._lock:
            smtp, self._smtp = self._smtp, None
            if smtp is None or not smtp.is_connected:
                return
            try:
                await smtp.quit()
            except (SMTPException, OSError, TimeoutError):
                smtp.close()

    async def _send_reconnecting(self, email: bytes, recipient: str) -> None:
        reusing = self._smtp is not None and self._smtp.is_connected
        smtp = await self._connection()
        try:
            await smtp.sendmail(self.sender, [recipient], email)
        except (SMTPServerDisconnected, ConnectionError):
            # A kept-open connection the server closed while idle: one fresh try.
            self._drop()
            if not reusing:
                raise
            smtp = await self._connection()
            await smtp.sendmail(self.sender, [recipient], email)

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        self._drop()
        smtp = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            tls_context=self._tls_context,
        )
        try:
            await smtp.connect()
            if self.username is not None and self._password is not None:
                await smtp.login(self.username, self._password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _error(self, exc: BaseException, recipient: str) -> DeliveryError:
        server = f"{self.host}:{self.port}"
        if isinstance(exc, SMTPRecipientsRefused):
            answers = "; ".join(f"{e.code} {e.message}" for e in exc.recipients)
            permanent = all(e.code >= 500 for e in exc.recipients)
            return DeliveryError(f"{server} refused {recipient}: {answers}", permanent=permanent)
        if isinstance(exc, SMTPAuthenticationError):
            # A refused login stays refused until someone fixes the settings;
            # only an explicit 4xx ("try again later") is worth retrying.
            return DeliveryError(
                f"{server} refused the login of {self.username!r}: {exc.code} {exc.message}",
                permanent=not 400 <= exc.code < 500,
            )
        if isinstance(exc, SMTPResponseException) and not isinstance(exc, ConnectionError):
            return DeliveryError(
                f"{server} answered {exc.code} {exc.message} sending to {recipient}",
                permanent=exc.code >= 500,
            )
        if isinstance(exc, SMTPNotSupported):
            # For example STARTTLS or AUTH not offered: a settings problem.
            return DeliveryError(f"{server}: {exc}", permanent=True)
        reason = str(exc) or type(exc).__name__
        # Refused, dropped or silent: the server, not this message, is the trouble.
        return DeliveryError(
            f"could not send through {server}: {reason}", permanent=False, unreachable=True
        )
