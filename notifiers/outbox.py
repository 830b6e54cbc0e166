"""The outbox worker: claim due deliveries, send them, record what happened.

Every delivery goes ``pending`` → ``sending`` (claimed with a lease, and the
attempt counted, before anything is sent) → ``sent``, committed the moment the
channel accepts it. A process killed at any point leaves its claimed rows in
``sending``; when their lease runs out another worker (or the same one
restarted) claims them again, so nothing is lost. The only message that can go
out twice is the one a channel had accepted in the instant before the crash,
and it goes out with the same Message-ID, which mail systems use to show it
once. Temporary failures wait with exponential backoff and jitter; a
permanent failure, or one past the maximum age, is a dead letter. A channel
whose server cannot be reached pauses (see :mod:`notifiers.pause`): its other
deliveries go back untried, keeping their attempts, and wait for the pause.

The store may be away too (a database restart). A message sent while it is
away is remembered as sent and recorded when it answers again, before the
next claim, so it is not sent a second time when its lease runs out; a claim
whose outcome could not be recorded goes back untried. Only a store away for
longer than the lease can see a sent message claimed again.

One message per person per moment: planned notices (heads-up, daily status,
wrap-up) claimed together for the same recipient, channel and audience, due in
the same minute, go out as one message naming each period, when the worker is
given ``compose_together``. The message's dedupe key joins its parts' keys (so
the same parts always make the same Message-ID), every part is marked sent with
it, and a failure retries all parts at the same moment. A part withdrawn before
the moment (its period cancelled) is simply not claimed, and the rest are
rendered without it; a part the composer no longer wants is withdrawn. The
composer may also answer that the parts go out one by one (an audience's own
uploaded template for one of them, which the merged message would not use).

Storage is the caller's: :class:`OutboxStore` is implemented on the database
by the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from notifiers.channels.base import Channel, DeliveryError
from notifiers.message import Message
from notifiers.moments import by_moment
from notifiers.pause import ChannelPauses

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Claim:
    """A claimed delivery: enough to compose and send it."""

    id: int
    dedupe_key: str
    kind: str
    channel: str
    audience: str
    recipient_name: str
    recipient_address: str
    occurrence_id: int | None
    incident_id: int | None
    attempts: int  # including this one
    first_due_at: datetime


class OutboxStore(Protocol):
    def claim(
        self, *, now: datetime, limit: int, lease: timedelta, skip: Collection[str] = ()
    ) -> list[Claim]:
        """Claim due deliveries, none of the channels in ``skip``."""

    def put_back(self, claims: Sequence[Claim], *, now: datetime) -> None:
        """Claimed but never tried: pending again, as due as before, the attempt not counted
        (unless another worker claimed them since)."""

    def sent(self, deliveries: Sequence[tuple[int, str]], *, now: datetime) -> None:
        """Mark these (delivery id, subject) sent, in one transaction."""

    def failed(
        self, delivery_id: int, *, now: datetime, error: str, retry_at: datetime | None
    ) -> None: ...
    def withdrawn(self, delivery_id: int, *, now: datetime, reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    max_age: timedelta = timedelta(hours=24)
    jitter: float = 0.25  # ± this share of the delay, so failed batches do not retry in step

    def retry_at(
        self,
        claim: Claim,
        now: datetime,
        rng: random.Random | None = None,
        *,
        after: timedelta | None = None,
    ) -> datetime | None:
        """When to try again (``after`` this long, if given), or None when the delivery is
        too old to keep trying."""
        if after is None:
            delay = min(self.first_delay * (2 ** max(claim.attempts - 1, 0)), self.max_delay)
            after = delay * (1 + (rng or random).uniform(-self.jitter, self.jitter))
        when = now + after
        return None if when - claim.first_due_at > self.max_age else when


class StorageUnavailable(Exception):
    """What composing a message reads (the database) cannot be read now: the claim goes
    back untried, and no attempt is counted."""


# Builds the message for a claim at send time (None: nothing to send any more).
Compose = Callable[[Claim], Awaitable[Message | None]]
# Builds one message for several claims due to one person at one moment, and says which
# claims it covers (the others are no longer wanted); or None: compose each on its own.
ComposeTogether = Callable[
    [Sequence[Claim]], Awaitable[tuple[Message | None, Sequence[Claim]] | None]
]


Observer = Callable[[Claim, str], None]  # (claim, "sent" | "failed" | "dead" | "withdrawn")
Timer = Callable[[], float]  # seconds on a steady clock, for pauses (servers keep real time)


class OutboxWorker:
    def __init__(
        self,
        store: OutboxStore,
        compose: Compose,
        channels: Mapping[str, Channel],
        *,
        policy: RetryPolicy = RetryPolicy(),
        lease: timedelta = timedelta(minutes=2),
        batch: int = 100,
        clock: Callable[[], datetime],
        observe: Observer = lambda claim, outcome: None,
        pauses: ChannelPauses | None = None,
        timer: Timer = time.monotonic,
        compose_together: ComposeTogether | None = None,
    ) -> None:
        self.store = store
        self.compose = compose
        self.compose_together = compose_together
        self.channels = channels
        self.policy = policy
        self.lease = lease
        self.batch = batch
        self.clock = clock
        self.observe = observe
        self.pauses = pauses or ChannelPauses()
        self.timer = timer
        self._to_confirm: list[tuple[int, str, asyncio.Future[None]]] = []
        self._confirming = False
        # What the store did not take while it was away, to record before the next claim.
        self._late_sent: list[tuple[int, str]] = []
        self._late_untried: list[Claim] = []

    async def run_once(self) -> int:
        """Claim one batch and deliver it; how many were claimed."""
        await self._record_late()  # raises while the store is still away: nothing is claimed
        paused = self.pauses.paused(self.timer())
        claims = await asyncio.to_thread(
            self.store.claim, now=self.clock(), limit=self.batch, lease=self.lease, skip=paused
        )
        by_channel: dict[str, list[Claim]] = {}
        for claim in claims:
            by_channel.setdefault(claim.channel, []).append(claim)
        # Channels work side by side; within one, messages go in order over its connection.
        await asyncio.gather(
            *(self._deliver_all(name, group) for name, group in by_channel.items())
        )
        return len(claims)

    async def run(self, stop: asyncio.Event, *, idle: float = 1.0) -> None:
        """Deliver until ``stop`` is set, polling every ``idle`` seconds when there is nothing due."""
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception:  # the database may be away for a moment; keep the loop alive
                log.exception("outbox round failed")
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle)

    async def drain(self) -> int:
        """Deliver until nothing is due; how many deliveries were claimed in all."""
        total = 0
        while claimed := await self.run_once():
            total += claimed
        return total

    async def _deliver_all(self, name: str, claims: list[Claim]) -> None:
        # As many at once as the channel has connections (a pool), one at a time otherwise.
        at_once = asyncio.Semaphore(getattr(self.channels.get(name), "size", 1))
        untried: list[Claim] = []

        async def deliver(group: list[Claim]) -> None:
            async with at_once:
                if self.pauses.ends(name, self.timer()) is not None:
                    untried.extend(group)  # its server is away: do not knock again now
                elif len(group) > 1 and self.compose_together is not None:
                    await self._deliver_together(name, group)
                else:
                    for claim in group:
                        await self._deliver(name, claim)

        await asyncio.gather(*(deliver(group) for group in by_moment(claims)))
        await self._put_back(untried)

    async def _deliver_together(self, name: str, claims: list[Claim]) -> None:
        """Several notices due to one person at one moment, as one message."""
        assert self.compose_together is not None
        channel = self.channels.get(name)
        try:
            if channel is None:
                raise DeliveryError(f"no channel {name!r} is configured", permanent=True)
            together = await self.compose_together(claims)
        except StorageUnavailable:
            await self._put_back(claims)
            return
        except DeliveryError as error:
            await self._fail_all(claims, error)
            return
        except Exception as exc:  # a broken template must not stall the outbox
            log.exception("could not compose deliveries %s", [c.dedupe_key for c in claims])
            broken = DeliveryError(f"could not compose the message: {exc}", permanent=True)
            await self._fail_all(claims, broken)
            return
        if together is None:  # each part on its own
            for claim in claims:
                await self._deliver(name, claim)
            return
        message, parts = together
        covered = {claim.id for claim in parts} if message is not None else set()
        unwanted = [claim for claim in claims if claim.id not in covered]
        for claim in unwanted:
            try:
                await asyncio.to_thread(
                    self.store.withdrawn, claim.id, now=self.clock(), reason="no longer wanted"
                )
            except Exception:  # the store is away: composing again decides again
                await self._put_back(claims)
                return
            self.observe(claim, "withdrawn")
        if message is None or channel is None:
            return
        sending = [claim for claim in claims if claim.id in covered]
        try:
            await channel.send(message)
        except DeliveryError as error:
            await self._fail_all(sending, error)
            return
        self.pauses.reached(name)
        await asyncio.gather(*(self._confirm(claim.id, message.subject) for claim in sending))
        for claim in sending:
            self.observe(claim, "sent")

    async def _put_back(self, claims: list[Claim]) -> None:
        if not claims:
            return
        try:
            await asyncio.to_thread(self.store.put_back, claims, now=self.clock())
        except Exception as exc:
            log.warning("the outbox store is away (%s); %d claims go back later", exc, len(claims))
            self._late_untried += claims

    async def _record_late(self) -> None:
        if self._late_sent:
            rows, self._late_sent = self._late_sent, []
            try:
                await asyncio.to_thread(self.store.sent, rows, now=self.clock())
            except Exception:
                self._late_sent = rows + self._late_sent
                raise
            log.info("recorded %d deliveries sent while the outbox store was away", len(rows))
        if self._late_untried:
            claims, self._late_untried = self._late_untried, []
            try:
                await asyncio.to_thread(self.store.put_back, claims, now=self.clock())
            except Exception:
                self._late_untried = claims + self._late_untried
                raise

    async def _deliver(self, name: str, claim: Claim) -> None:
        channel = self.channels.get(name)
        if channel is None:
            await self._fail(
                claim, DeliveryError(f"no channel {name!r} is configured", permanent=True)
            )
            return
        try:
            message = await self.compose(claim)
        except StorageUnavailable:
            await self._put_back([claim])
            return
        except DeliveryError as error:  # composing said itself whether to try again
            await self._fail(claim, error)
            return
        except Exception as exc:  # a broken template must not stall the outbox
            log.exception("could not compose delivery %s", claim.dedupe_key)
            await self._fail(
                claim, DeliveryError(f"could not compose the message: {exc}", permanent=True)
            )
            return
        if message is None:
            try:
                await asyncio.to_thread(
                    self.store.withdrawn, claim.id, now=self.clock(), reason="no longer wanted"
                )
            except Exception:  # the store is away: composing again will find it unwanted again
                await self._put_back([claim])
                return
            self.observe(claim, "withdrawn")
            return
        try:
            await channel.send(message)
        except DeliveryError as error:
            await self._fail(claim, error)
            return
        self.pauses.reached(name)
        await self._confirm(claim.id, message.subject)
        self.observe(claim, "sent")

    async def _confirm(self, delivery_id: int, subject: str) -> None:
        """Record a delivery as sent, committed together with others that finished meanwhile.

        The caller waits for its own commit, so no more messages are unconfirmed at
        any instant than are being sent at once (one per connection). If the store
        is away, the record waits for it (see :meth:`_record_late`)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._to_confirm.append((delivery_id, subject, done))
        if not self._confirming:
            self._confirming = True
            try:
                while self._to_confirm:
                    batch, self._to_confirm = self._to_confirm, []
                    rows = [(row_id, row_subject) for row_id, row_subject, _ in batch]
                    try:
                        await asyncio.to_thread(self.store.sent, rows, now=self.clock())
                    except Exception as exc:
                        log.warning("the outbox store is away (%s); %d sent deliveries are "
                                    "recorded when it is back", exc, len(rows))  # fmt: skip
                        self._late_sent += rows
                    for *_, waiting in batch:
                        waiting.set_result(None)
            finally:
                self._confirming = False
        await done

    async def _fail(self, claim: Claim, error: DeliveryError) -> None:
        await self._fail_all([claim], error)

    async def _fail_all(self, claims: Sequence[Claim], error: DeliveryError) -> None:
        """Claims that failed; the parts of one message are tried again together."""
        now = self.clock()
        first = min(claims, key=lambda claim: claim.first_due_at)
        after = None
        if error.unreachable:  # try these again when the channel's pause ends
            steady = self.timer()
            pause_ends = self.pauses.unreachable(first.channel, steady)
            after = timedelta(seconds=pause_ends - steady)
            log.warning(
                "%s: %s; the channel waits %.1f s", first.channel, error, pause_ends - steady
            )
        retry_at = None if error.permanent else self.policy.retry_at(first, now, after=after)
        for number, claim in enumerate(claims):
            try:
                await asyncio.to_thread(
                    self.store.failed, claim.id, now=now, error=str(error), retry_at=retry_at
                )
            except Exception:  # the store is away: unrecorded, the attempts are tried again
                await self._put_back(list(claims[number:]))
                return
            self.observe(claim, "failed" if retry_at else "dead")
