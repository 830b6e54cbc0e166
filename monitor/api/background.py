"""Work the service does on its own while it runs.

Every replica drains the outbox. The leader (see :mod:`monitor.leader`) also
watches the systems, plans notices, keeps incident promises and refreshes
subscribed calendars. Several times a second this replica looks whether it
leads: a standby starts the watcher within a second of winning the lock, and a
leader that lost it (or cannot prove it still holds it) stops at once. Every check also asks just before it
probes, so none runs outside the leader's lease, even on an event loop that
was held up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from monitor.api.state import AppState
from monitor.leader import Leadership

log = logging.getLogger(__name__)

LOOK_EVERY_SECONDS = 0.25


def background_work(state: AppState) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    watcher, notices = state.watcher, state.notices
    assert watcher is not None and notices is not None, "only an app with background work"

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        leadership = Leadership(state.engine)
        watcher.may_probe = leadership.leads
        notices.leading = False
        await notices.start()
        leadership.start()
        leading = asyncio.create_task(_lead_when_possible(state, leadership))
        try:
            yield
        finally:
            leading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leading
            await notices.stop()
            if state.subscriptions is not None:
                await state.subscriptions.stop()
            if watcher.running:
                await watcher.stop()
            await asyncio.to_thread(leadership.stop)

    return lifespan


async def _lead_when_possible(state: AppState, leadership: Leadership) -> None:
    watcher, notices = state.watcher, state.notices
    assert watcher is not None and notices is not None
    while True:
        leads = leadership.leads()
        subscriptions = state.subscriptions
        try:
            if leads and not watcher.running:
                await watcher.start()
                notices.leading = True
                notices.changed()  # plan now that this replica plans
            elif not leads and watcher.running:
                log.warning("this replica stops leading: it cannot show it holds the leader lock")
                notices.leading = False
                # Its database may hang: stop the checks now, store their last results later.
                await watcher.stop(wait_for_storage=False)
            if subscriptions is not None and leads != subscriptions.running:
                await (subscriptions.start() if leads else subscriptions.stop())
        except Exception:  # the database went away while the watcher started: try again
            log.exception("could not start watching")
            if watcher.running:
                await watcher.stop(wait_for_storage=False)
        state.leading = leads
        state.metrics.leader.set(1 if leads else 0)
        if not leadership.shared:
            return  # the only process: it leads for good
        await asyncio.sleep(LOOK_EVERY_SECONDS)
