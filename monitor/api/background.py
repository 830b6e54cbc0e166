"""Work the service does on its own while it runs: the watcher and the notices."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI


def background_work(app: FastAPI) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        watcher, notices = app.state.watcher, app.state.notices
        await watcher.start()
        await notices.start()
        try:
            yield
        finally:
            await notices.stop()
            await watcher.stop()

    return lifespan
