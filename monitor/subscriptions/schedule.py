"""The leader refreshes subscriptions when they are due.

Every :data:`TICK_SECONDS` the leader asks the database which subscriptions are
due (``next_refresh_at`` passed, not claimed) and refreshes them one after
another, off the event loop: fetching in a thread, reading and storing in a
worker process, as an upload is. When one stored a new version, ``on_change``
runs (the app's ``changed()``): levels, checks and the notice plan follow at
once, as after an upload. Only the leader runs this loop, so N replicas do not
fetch a source N times; a refresh asked for by hand (the API, the command line,
the button) runs where it is asked, and the claim on the row keeps the two
from overlapping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import Engine

from monitor.clock import Clock, system_clock
from monitor.db.engine import session_scope
from monitor.jobs import WorkersBusy
from monitor.metrics import Metrics
from monitor.settings import Settings
from monitor.store.subscriptions import due_subscriptions
from monitor.subscriptions.refresh import RefreshBusy, Refreshed, refresh_subscription

log = logging.getLogger(__name__)

TICK_SECONDS = 2.0


class SubscriptionRefresher:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        metrics: Metrics,
        *,
        on_change: Callable[[], None],
        clock: Clock = system_clock,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.metrics = metrics
        self.on_change = on_change
        self.clock = clock
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def refresh_due(self) -> list[Refreshed]:
        """Refresh every subscription due now; what each refresh gave."""
        due = await asyncio.to_thread(self._due)
        done = []
        for name in due:
            try:
                result = await asyncio.to_thread(
                    refresh_subscription, self.engine, self.settings, name, now=self.clock()
                )
            except RefreshBusy:  # refreshed by hand right now
                continue
            except WorkersBusy:
                log.info("subscribed calendars wait for a free worker")
                break
            if result is not None:
                count_refresh(self.metrics, result)
                done.append(result)
        if any(result.changed for result in done):
            self.on_change()
        return done

    def _due(self) -> list[str]:
        with session_scope(self.engine) as session:
            return due_subscriptions(session, self.clock())

    async def _loop(self) -> None:
        while True:
            try:
                await self.refresh_due()
            except Exception:  # the next tick retries
                log.exception("refreshing subscribed calendars failed")
            await asyncio.sleep(self.tick)


def count_refresh(metrics: Metrics, result: Refreshed) -> None:
    if result.error is not None:
        metrics.calendar_refresh_failures.labels(result.name).inc()
