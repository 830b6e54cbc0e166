"""Work the service does on its own while it runs.

Every replica drains the outbox. The leader (see :mod:`monitor.leader`) also
watches the systems, plans notices, keeps incident promises and refreshes
subscribed calendars; a replica that
is not the leader tries again every few seconds, so it takes over when the
leader goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from monitor.api.state import AppState
from monitor.leader import Leadership

TRY_LEAD_EVERY_SECONDS = 15


def background_work(state: AppState) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    watcher, notices = state.watcher, state.notices
    assert watcher is not None and notices is not None, "only an app with background work"

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        leadership = Leadership(state.engine)
        notices.leading = False
        await notices.start()
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
            await asyncio.to_thread(leadership.release)

    return lifespan


async def _lead_when_possible(state: AppState, leadership: Leadership) -> None:
    watcher, notices = state.watcher, state.notices
    assert watcher is not None and notices is not None
    while True:
        leads = await asyncio.to_thread(leadership.try_lead)
        if leads and not watcher.running:
            await watcher.start()
            notices.leading = True
            notices.changed()  # plan now that this replica plans
        if leads and state.subscriptions is not None and not state.subscriptions.running:
            await state.subscriptions.start()
        state.leading = leads
        state.metrics.leader.set(1 if leads else 0)
        if not leadership.shared:
            return  # the only process: it leads for good
        await asyncio.sleep(TRY_LEAD_EVERY_SECONDS)
