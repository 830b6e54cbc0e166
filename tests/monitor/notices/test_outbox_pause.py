"""The outbox against a mail server that is away: one knock per pause, no attempt spent on
messages never tried, and everything sent once the server answers again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from monitor.db.engine import session_scope
from monitor.db.models import Delivery
from monitor.store.outbox import DatabaseOutbox
from notifiers.channels.base import DeliveryError
from notifiers.message import Message
from notifiers.outbox import Claim, OutboxWorker
from tests.conftest import NOW

QUEUED = 10


class AwayServer:
    """An email channel whose server refuses connections while ``away``."""

    name = "email"

    def __init__(self) -> None:
        self.away = True
        self.tries = 0
        self.sent: list[str] = []

    async def send(self, message: Message) -> None:
        self.tries += 1
        if self.away:
            raise DeliveryError("could not send: connection refused", unreachable=True)
        self.sent.append(message.recipient_address)

    async def close(self) -> None:
        pass


async def compose(claim: Claim) -> Message:
    return Message(claim.dedupe_key, claim.kind, claim.recipient_name, claim.recipient_address,
                   "Heads-up", "text", written_at=NOW)  # fmt: skip


def queue(engine: Engine) -> None:
    with session_scope(engine) as session:
        for n in range(QUEUED):
            session.add(Delivery(dedupe_key=f"heads-up:{n}", kind="heads_up", channel="email",
                                 audience="finance", recipient_address=f"person{n}@example.com",
                                 due_at=NOW, first_due_at=NOW))  # fmt: skip


def stored(engine: Engine) -> list[tuple[str, int]]:
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery.status, Delivery.attempts).order_by(Delivery.id))
        return [(status, attempts) for status, attempts in rows]


async def test_a_server_away_is_tried_once_per_pause_and_untried_messages_keep_their_attempts(
    engine: Engine,
) -> None:
    queue(engine)
    server, steady, now = AwayServer(), [0.0], [NOW]
    worker = OutboxWorker(DatabaseOutbox(engine), compose, {"email": server},
                          clock=lambda: now[0], timer=lambda: steady[0])  # fmt: skip

    await worker.drain()
    await worker.drain()  # still paused: nothing is claimed, nobody knocks
    assert server.tries == 1
    assert stored(engine) == [("pending", 1)] + [("pending", 0)] * (QUEUED - 1)
    assert worker.pauses.paused(steady[0]) == {"email"}

    steady[0] += 60  # the pause ran out; the server is still away
    await worker.drain()
    assert server.tries == 2

    steady[0] += 60
    now[0] = NOW + timedelta(minutes=2)  # the one tried first is due again too
    server.away = False
    await worker.drain()
    assert sorted(server.sent) == sorted(f"person{n}@example.com" for n in range(QUEUED))
    assert [status for status, _ in stored(engine)] == ["sent"] * QUEUED
    assert max(attempts for _, attempts in stored(engine)) == 2


class StoreAway(DatabaseOutbox):
    """The database outbox, with recording refused while ``away`` (a database restart)."""

    away = False

    def sent(self, deliveries: Sequence[tuple[int, str]], *, now: datetime) -> None:
        if self.away:
            raise ConnectionRefusedError("the database is restarting")
        super().sent(deliveries, now=now)


async def test_messages_sent_while_the_database_is_away_are_recorded_when_it_is_back_not_sent_again(
    engine: Engine,
) -> None:
    queue(engine)
    server, store = AwayServer(), StoreAway(engine)
    server.away = False
    store.away = True  # claimed, then the database goes before the first send is recorded
    worker = OutboxWorker(store, compose, {"email": server}, clock=lambda: NOW)

    assert await worker.run_once() == QUEUED
    assert len(server.sent) == QUEUED
    with pytest.raises(ConnectionRefusedError):
        await worker.run_once()  # nothing is claimed before what was sent is recorded
    assert stored(engine) == [("sending", 1)] * QUEUED

    store.away = False
    assert await worker.drain() == 0
    assert stored(engine) == [("sent", 1)] * QUEUED
    assert len(server.sent) == QUEUED
