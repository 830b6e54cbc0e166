"""Chat and other services through Apprise: the recipient address is an Apprise URL.

The subject is the title and the text part the body. A URL Apprise cannot use
is a permanent error (it will not get better); a notification Apprise could
not deliver is temporary.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings

import apprise

from notifiers.channels.base import DeliveryError
from notifiers.channels.email import RateLimiter
from notifiers.message import Message

# Apprise loads its plugins on first use; one of them (through PGPy) imports
# imghdr, which warns of its removal on Python 3.11 and 3.12. Import it once
# here, quietly, so that warning never reaches the log (or fails a test run).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import imghdr  # noqa: F401


class AppriseChannel:
    name = "chat"

    def __init__(self, *, per_second: float | None = None) -> None:
        self._limiter = RateLimiter(per_second) if per_second else None

    async def send(self, message: Message) -> None:
        notifier = apprise.Apprise()
        if not notifier.add(message.recipient_address):
            raise DeliveryError(
                f"not a usable Apprise URL for {message.recipient_name}: "
                f"{_redacted(message.recipient_address)}",
                permanent=True,
            )
        if self._limiter is not None:
            await self._limiter.acquire()
        if hasattr(notifier, "async_notify"):
            # Plain text: a reporter's "<!channel>" or markdown must not reach a whole chat room.
            delivered = await notifier.async_notify(
                body=message.text, title=message.subject, body_format=apprise.NotifyFormat.TEXT
            )
        else:  # pragma: no cover - Apprise versions without async_notify
            delivered = await asyncio.to_thread(
                notifier.notify,
                body=message.text,
                title=message.subject,
                body_format=apprise.NotifyFormat.TEXT,
            )
        if not delivered:
            raise DeliveryError(
                f"Apprise could not deliver to {_redacted(message.recipient_address)}",
                permanent=False,
            )

    async def close(self) -> None:
        """Nothing to release: each send builds its own Apprise object."""


def _redacted(url: str) -> str:
    """Only the scheme of ``url``: Apprise URLs carry tokens, even where a host would be."""
    scheme, sep, _rest = url.partition("://")
    return f"{scheme}://…" if sep else "(not a URL)"
