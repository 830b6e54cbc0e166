"""The watcher: every check on the interval its system's level sets, right now.

One APScheduler job per check, with an interval that follows the system's
level, and one job at the next instant any level changes: when it fires, the
intervals change at that instant rather than at the next poll. An upload, a
deleted calendar or a changed system calls :meth:`Watcher.changed`, which
rebuilds the index and reschedules at once. Checks run under one global
concurrency limit, each at most once at a time, started at random offsets so
a thousand checks do not fire in the same millisecond; a hanging target holds one slot
until its own timeout and delays no other check.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, Row, select
from sqlmodel import col

from calendars import Level
from monitor.checks import run_probe
from monitor.checks.base import Outcome
from monitor.clock import Clock, system_clock
from monitor.db.engine import session_scope
from monitor.db.models import Incident, System
from monitor.intensity.policy import LevelPolicy
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.refresh import refresh_stale_calendars
from monitor.settings import Settings
from monitor.store.systems import WatchedCheck, watched_checks
from monitor.watch.incident_rows import store_change
from monitor.watch.incidents import Change, IncidentTracker
from monitor.watch.open_incidents import OpenIncidents
from monitor.watch.results import ResultBuffer, prune, roll_up, write_results

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    SystemPolicies = dict[str, tuple[int, dict[str, Any]]]  # system name: (system id, policy)
    OpenIncidentRows = Sequence[Row[int, int | None, str, int]]  # incident, check, system, level

BOUNDARY_JOB = "level-boundary"


@dataclass(frozen=True, slots=True)
class Planned:
    """A check's place in the schedule: its system's level and that level's rules."""

    check: WatchedCheck
    level: Level
    policy: LevelPolicy


class Watcher:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        intensity: IntensityService,
        metrics: Metrics,
        clock: Clock = system_clock,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.intensity = intensity
        self.metrics = metrics
        self.clock = clock
        self.scheduler = _new_scheduler()
        self.tracker = IncidentTracker()
        self.buffer = ResultBuffer()
        self.planned: dict[int, Planned] = {}
        self.incidents = OpenIncidents(metrics)
        self.lags: deque[float] = deque(maxlen=100_000)
        self._system_ids: dict[str, int] = {}
        self._policies: dict[str, dict[str, object]] = {}
        self._semaphore = asyncio.Semaphore(settings.max_concurrent_checks)
        self._reloading: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # set by start()
        self._running: set[asyncio.Task[object]] = set()
        self._storing: set[asyncio.Task[None]] = set()
        # Asked just before each probe: a replica that no longer leads must not probe.
        self.may_probe: Callable[[], bool] = lambda: True
        # Told of every stored incident change (in a worker thread): the notices hook in here.
        self.on_incident: Callable[[str, int, Planned, datetime], str | None] | None = None

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.reload()
        every = self.scheduler.add_job
        every(self._flush, IntervalTrigger(seconds=1), id="flush-results")
        every(
            self._maintain,
            IntervalTrigger(minutes=10),
            id="maintenance",
            next_run_time=self.clock(),
        )
        every(self.reload, IntervalTrigger(seconds=30), id="follow-other-replicas")
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self.scheduler.start()
        log.info("watching %d checks", len(self.planned))

    async def stop(self, *, wait_for_storage: bool = True) -> None:
        """Stop every check now; :meth:`start` begins afresh.

        ``wait_for_storage=False`` (a leader stepping down, whose database may hang)
        stores the last results in the background instead of waiting for them."""
        self.scheduler.shutdown(wait=False)
        self.scheduler = _new_scheduler()  # a stopped APScheduler keeps its jobs
        self.planned.clear()
        for task in self._running:  # a check stuck on a hanging target ends with the service
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        if wait_for_storage:
            await self._flush()
        else:
            storing = asyncio.create_task(self._flush())
            self._storing.add(storing)
            storing.add_done_callback(self._storing.discard)

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def changed(self) -> None:
        """Calendars or systems changed here: take the new levels into account now.

        Safe from any thread (sync route handlers run in a worker thread); before
        :meth:`start` there is nothing to do, as starting reads everything afresh."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._reload_soon)

    def _reload_soon(self) -> None:
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.get_running_loop().create_task(self.reload(force=True))

    async def reload(self, *, force: bool = False) -> None:
        loaded = await asyncio.to_thread(self.intensity.current, force=force)
        checks, policies, open_incidents = await asyncio.to_thread(self._read_watch_state)
        self._system_ids = {name: system_id for name, (system_id, _policy) in policies.items()}
        self._policies = {name: policy for name, (_system_id, policy) in policies.items()}
        for incident_id, check_id, _system, _level in open_incidents:
            if check_id is not None and self.tracker.streaks.get(check_id) is None:
                self.tracker.restore(check_id, incident_id)
        self.incidents.follow(open_incidents)
        site = self.intensity.site
        now = self.clock()
        plan = {}
        for check in checks:
            level = loaded.index.at(check.system, now).level
            policy = site.system_policy(policies.get(check.system, (0, {}))[1])[level]
            plan[check.id] = Planned(check, level, policy)
        self._apply(plan, now)

    # -- scheduling -----------------------------------------------------------------------------

    def _apply(self, plan: dict[int, Planned], now: datetime) -> None:
        for gone in set(self.planned) - set(plan):
            old = self.planned.pop(gone).check
            if self.scheduler.get_job(f"check:{gone}"):
                self.scheduler.remove_job(f"check:{gone}")
            self.metrics.forget_check(old.system, old.name)
            self.tracker.forget(gone)
        for check_id, planned in plan.items():
            before = self.planned.get(check_id)
            self.planned[check_id] = planned
            interval = planned.policy.interval
            self.metrics.check_interval.labels(planned.check.system, planned.check.name).set(
                interval
            )
            if (
                before is not None
                and before.policy.interval == interval
                and before.check.spec == planned.check.spec
            ):
                continue
            if before is None:
                first = now + timedelta(
                    seconds=random.uniform(0, min(interval, 60))
                )  # spread a cold start
            elif interval < before.policy.interval:
                first = now + timedelta(
                    seconds=random.uniform(0, min(1.0, interval / 10))
                )  # watch closer at once
            else:
                first = now + timedelta(seconds=random.uniform(0, interval))
            # The random first run spreads the checks; APScheduler's own jitter would add
            # up from run to run and stretch every interval by half of it on average.
            trigger = IntervalTrigger(seconds=interval, start_date=first)
            self.scheduler.add_job(
                self._run_check,
                trigger,
                id=f"check:{check_id}",
                args=[check_id],
                replace_existing=True,
                # Explicit, so a first run that the loop above already passed runs at
                # once instead of one whole interval later.
                next_run_time=first,
            )
        self._schedule_boundary(now)

    def _schedule_boundary(self, now: datetime) -> None:
        loaded = self.intensity.cached
        upcoming = loaded.index.next_change(now) if loaded else None
        if upcoming is None:
            if self.scheduler.get_job(BOUNDARY_JOB):
                self.scheduler.remove_job(BOUNDARY_JOB)
            return
        self.scheduler.add_job(
            self._at_boundary,
            DateTrigger(run_date=upcoming),
            id=BOUNDARY_JOB,
            replace_existing=True,
        )

    async def _at_boundary(self) -> None:
        loaded = self.intensity.cached
        if loaded is None:
            return
        now = self.clock()
        site = self.intensity.site
        plan = {}
        for check_id, planned in self.planned.items():
            level = loaded.index.at(planned.check.system, now).level
            policy = site.system_policy(self._policies.get(planned.check.system, {}))[level]
            plan[check_id] = Planned(planned.check, level, policy)
        self._apply(plan, now)

    def _on_submitted(self, event: JobSubmissionEvent) -> None:
        if event.job_id.startswith("check:") and event.scheduled_run_times:
            # The scheduler runs on real time, whatever clock the watcher was given.
            lag = max(0.0, (system_clock() - event.scheduled_run_times[-1]).total_seconds())
            self.lags.append(lag)
            self.metrics.scheduler_lag.observe(lag)

    # -- running a check ----------------------------------------------------------------------

    async def _run_check(self, check_id: int) -> None:
        planned = self.planned.get(check_id)
        task = asyncio.current_task()
        if planned is None or task is None:
            return
        self._running.add(task)
        try:
            async with self._semaphore:
                if not self.may_probe():
                    return
                outcome = await run_probe(planned.check.spec)
            budgeted = outcome.within_budget(planned.policy.latency_budget)
            await self.record(planned, budgeted, self.clock())
        except asyncio.CancelledError:
            pass  # the watcher is stopping; the scheduler need not log a stopped check as an error
        finally:
            self._running.discard(task)

    async def record(self, planned: Planned, outcome: Outcome, at: datetime) -> Change | None:
        """Count, buffer and judge one outcome; store an incident change at once."""
        check = planned.check
        self.metrics.record_check(check.system, check.name, outcome.status, outcome.duration)
        self.buffer.add(
            check.id,
            at,
            outcome.status.value,
            outcome.duration,
            int(planned.level),
            outcome.message,
        )
        change = self.tracker.observe(
            check.id, outcome, level=planned.level, threshold=planned.policy.failures, at=at
        )
        if change is not None:
            await asyncio.to_thread(self._store_change, planned, change)
        return change

    def _store_change(self, planned: Planned, change: Change) -> None:
        check = planned.check
        with session_scope(self.engine) as session:
            system_id = self._system_ids.get(check.system, 0)
            incident_id, window = store_change(session, check, change, system_id)
            if change.kind == "opened":
                self.tracker.opened(check.id, incident_id)
                self.incidents.opened(incident_id, check.system, change.level)
            elif change.kind == "recovered":
                self.incidents.closed(incident_id)
        self.incidents.publish()
        if self.on_incident is not None and window is None:
            try:
                ranked = self.on_incident(change.kind, incident_id, planned, change.at)
            except Exception:  # telling people must never stop the watching
                log.exception("could not tell audiences about incident %s", incident_id)
            else:
                if ranked and incident_id in self.incidents:
                    self.incidents.priorities[incident_id] = ranked
                    self.incidents.publish()

    def incident_elsewhere(
        self, kind: str, incident_id: int, system: str, level: Level, rank: str | None
    ) -> None:
        """An incident opened or recovered outside the checks (an alert from other monitoring)."""
        self.incidents.elsewhere(kind, incident_id, system, level, rank)

    # -- housekeeping ---------------------------------------------------------------------------

    async def _flush(self) -> None:
        rows = self.buffer.take()
        if rows:
            try:
                await asyncio.to_thread(write_results, self.engine, rows)
            except Exception:
                log.exception("could not store %d check results", len(rows))

    async def _maintain(self) -> None:
        now = self.clock()
        try:
            await asyncio.to_thread(roll_up, self.engine, now=now)
            await asyncio.to_thread(prune, self.engine, now=now, result_hours=self.settings.result_retention_hours,
                                    summary_days=self.settings.summary_retention_days)  # fmt: skip
            refreshed = await asyncio.to_thread(
                refresh_stale_calendars, self.engine, self.settings, now=now
            )
            if refreshed:
                await self.reload(force=True)
        except Exception:  # the next round retries
            log.exception("maintenance failed")

    def _read_watch_state(
        self,
    ) -> tuple[list[WatchedCheck], SystemPolicies, OpenIncidentRows]:
        with session_scope(self.engine) as session:
            checks = watched_checks(session)
            policies = {
                name: (system_id, policy)
                for system_id, name, policy in session.execute(
                    select(col(System.id), col(System.name), col(System.policy))
                )
            }
            open_incidents = session.execute(
                select(col(Incident.id), col(Incident.check_id), col(System.name), col(Incident.level))
                .join(System, col(System.id) == col(Incident.system_id))
                .where(col(Incident.status) == "open")
            ).all()  # fmt: skip
        # Primary keys read back are never NULL: SQLModel types them Optional for rows not yet saved.
        return checks, cast("SystemPolicies", policies), cast("OpenIncidentRows", open_incidents)


def _new_scheduler() -> AsyncIOScheduler:
    return AsyncIOScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
