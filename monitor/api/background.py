"""Work the service does on its own while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from monitor.refresh import refresh_stale_calendars
from monitor.settings import Settings

log = logging.getLogger(__name__)

REFRESH_EVERY_SECONDS = 3600


def background_work(
    engine: Engine, settings: Settings, clock: Callable[[], datetime]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_keep_horizon_rolling(engine, settings, clock))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


async def _keep_horizon_rolling(
    engine: Engine, settings: Settings, clock: Callable[[], datetime]
) -> None:
    while True:
        try:
            names = await run_in_threadpool(refresh_stale_calendars, engine, settings, now=clock())
            if names:
                log.info("re-expanded calendars over the current horizon: %s", ", ".join(names))
        except Exception:  # keep the loop alive; the next round retries
            log.exception("re-expanding calendars failed")
        await asyncio.sleep(REFRESH_EVERY_SECONDS)
