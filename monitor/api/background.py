"""Work the service does on its own while it runs: the watcher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI


def background_work(app: FastAPI) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        watcher = app.state.watcher
        await watcher.start()
        try:
            yield
        finally:
            await watcher.stop()

    return lifespan
