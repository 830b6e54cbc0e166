"""What every channel is: ``send`` a message or raise :class:`DeliveryError`.

``permanent`` says whether trying again could help: a refused recipient
address will be refused again (permanent), a server that did not answer may
answer next time (temporary). The outbox retries temporary errors with backoff
and gives up on permanent ones at once. ``unreachable`` says the server itself
is away (refused, dropped, timed out), so every other message on the channel
would fail too: the outbox pauses the channel rather than try them all.
"""

from __future__ import annotations

from typing import Protocol

from notifiers.message import Message


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, unreachable: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable


class Channel(Protocol):
    name: str  # "email", "chat", "file": the label in metrics and the outbox

    async def send(self, message: Message) -> None:
        """Deliver ``message`` once, or raise DeliveryError."""

    async def close(self) -> None:
        """Release connections; the channel may be used again after."""
