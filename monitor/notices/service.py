"""Notices while the service runs: planning into the outbox and draining it.

Planning runs at start, every ten minutes (so notices enter the planning window
as time moves on), and at once when calendars, systems or audiences change.
The worker drains the outbox continuously. Every fifteen seconds the outbox
gauges are read and promised incident updates that came due with nothing new
posted go out on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import col

from calendars import Level
from monitor.clock import Clock, system_clock
from monitor.db.engine import session_scope
from monitor.db.models import Incident
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.notices.channels import build_channels
from monitor.notices.compose import Composer
from monitor.notices.incidents import (
    announce,
    confirm_quiet,
    due_promises,
    enqueue_overdue,
    post_update,
    priority_of,
    resolve_recovered,
)
from monitor.notices.sync import plan_and_sync
from monitor.notices.wording import STILL_WORKING as STILL_WORKING_WORDS
from monitor.notices.wording import default_words
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import Site
from monitor.store.outbox import DEAD, PENDING, SENDING, DatabaseOutbox
from monitor.watch.watcher import Planned
from notifiers.outbox import Claim, OutboxWorker, RetryPolicy
from notifiers.render import NoticeRenderer

log = logging.getLogger(__name__)

PLAN_EVERY_SECONDS = 600
TICK_SECONDS = 15  # outbox gauges, and promised updates that came due
STILL_WORKING = default_words(STILL_WORKING_WORDS)


def tell_incident_change(
    engine: Engine,
    metrics: Metrics,
    kind: str,
    incident_id: int,
    *,
    level: Level,
    occurrence_ids: list[int],
    response_minutes: float,
    at: datetime,
) -> str | None:
    """Tell people that an incident opened (its priority back) or recovered.

    The one way incidents reach people, whether a check or another monitor saw it."""
    if kind == "opened":
        told = announce(engine, incident_id, level=level, occurrence_ids=occurrence_ids,
                        response_minutes=response_minutes, now=at)  # fmt: skip
        if told:
            metrics.promises.labels("made").inc()
        return priority_of(engine, incident_id)
    if kind == "recovered":
        resolve_recovered(engine, incident_id, now=at)
    return None


class NoticeService:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        site: Site,
        metrics: Metrics,
        *,
        renderer: NoticeRenderer | None = None,
        intensity: IntensityService | None = None,
        clock: Clock = system_clock,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.intensity = intensity
        self.tick = tick
        self.engine = engine
        self.settings = settings
        self.site = site
        self.metrics = metrics
        self.clock = clock
        self.outbox = DatabaseOutbox(engine)
        self.channels = build_channels(settings)
        self.renderer = renderer or NoticeRenderer(templates_dir() / "notices")
        self.composer = Composer(
            engine, settings, self.renderer, clock=clock, subscribers=site.spec.subscribers
        )
        self.worker = OutboxWorker(
            self.outbox,
            self.composer,
            self.channels,
            policy=RetryPolicy(max_age=timedelta(hours=settings.outbox_max_age_hours)),
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            clock=clock,
            observe=self._count,
            compose_together=self.composer.together,
        )
        self.leading = True  # planning and promise keeping run on the leader only
        self._stop = asyncio.Event()
        self._replan = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # set by start()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self.worker.run(self._stop)),
            asyncio.create_task(self._plan_loop()),
        ]

    async def stop(self) -> None:
        self._stop.set()
        self._replan.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for channel in self.channels.values():
            await channel.close()

    def changed(self) -> None:
        """Calendars, systems or audiences changed: plan again now. Safe from any thread."""
        self.composer.forget()  # a member who just left gets nothing already queued
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._replan.set)
        else:  # not started: the first planning round sees the change anyway
            self._replan.set()

    async def plan_now(self) -> None:
        ahead = timedelta(days=self.settings.plan_ahead_days)
        summary = await asyncio.to_thread(
            plan_and_sync, self.engine, self.site, now=self.clock(), ahead=ahead
        )
        if summary.added or summary.moved or summary.withdrawn:
            log.info("notices planned: %s", summary)
        await self.publish_counts()

    async def publish_counts(self) -> None:
        counts = await asyncio.to_thread(self.outbox.counts)
        self.metrics.outbox_pending.set(counts.get(PENDING, 0) + counts.get(SENDING, 0))
        self.metrics.outbox_dead.set(counts.get(DEAD, 0))

    def incident_changed(
        self, kind: str, incident_id: int, planned: Planned, at: datetime
    ) -> str | None:
        """From the watcher's thread: an incident opened or recovered."""
        loaded = self.intensity.cached if self.intensity else None
        causes = loaded.index.at(planned.check.system, at).causes if loaded else ()
        return tell_incident_change(
            self.engine, self.metrics, kind, incident_id, level=planned.level,
            occurrence_ids=[c.occurrence_id for c in causes],
            response_minutes=planned.policy.response_minutes, at=at,
        )  # fmt: skip

    def keep_promises(self, now: datetime) -> int:
        """Send an update on its own where a promised time came with nothing new; tell IT."""
        kept = 0
        for incident_id in due_promises(self.engine, now=now):
            level = self._level_of(incident_id)
            response = timedelta(minutes=self.site.policy[level].response_minutes)
            told = post_update(self.engine, incident_id, message=STILL_WORKING, next_update=response, now=now,
                               automatic=True)  # fmt: skip
            if told:
                enqueue_overdue(self.engine, incident_id, now=now)
                self.metrics.promises.labels("kept_automatically").inc()
                self.metrics.promises.labels("made").inc()
                kept += 1
        confirm_quiet(self.engine, now=now)
        return kept

    def _level_of(self, incident_id: int) -> Level:
        with session_scope(self.engine) as session:
            return Level(
                session.execute(
                    select(col(Incident.level)).where(col(Incident.id) == incident_id)
                ).scalar_one()
            )

    async def _plan_loop(self) -> None:
        """Plan every ten minutes or when told of a change; keep the outbox gauges fresh between."""
        last_plan = float("-inf")
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            try:
                if not self.leading:
                    await self.publish_counts()
                elif self._replan.is_set() or loop.time() - last_plan >= PLAN_EVERY_SECONDS:
                    self._replan.clear()
                    last_plan = loop.time()
                    await self.plan_now()
                else:
                    await self.publish_counts()
                if self.leading:
                    await asyncio.to_thread(self.keep_promises, self.clock())
            except Exception:  # the next round retries
                log.exception("planning notices failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._replan.wait(), self.tick)

    def _count(self, claim: Claim, outcome: str) -> None:
        if outcome == "sent":
            self.metrics.notices_sent.labels(claim.kind, claim.channel).inc()
        elif outcome in ("failed", "dead"):
            self.metrics.notices_failed.labels(claim.kind, claim.channel).inc()
        if outcome == "failed":  # to be tried again
            self.metrics.outbox_retries.labels(claim.channel).inc()
