"""``/readyz``'s question to the database, asked once however often it is polled.

A database that hangs without closing anything (a stalled firewall, a frozen
virtual machine) leaves a query waiting for minutes. Were each probe to ask on
its own, every poll would hold one more worker thread until the pool that sync
handlers share ran dry. Here one query is in flight at a time; a probe waits
for it at most ``timeout`` seconds and says not ready past that.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from monitor.db.engine import session_scope


class DatabasePing:
    def __init__(self) -> None:
        self._pending: asyncio.Future[None] | None = None

    async def answer(self, engine: Engine, *, timeout: float) -> None:
        """Returns once the database answered ``SELECT 1``; TimeoutError past ``timeout``,
        or what the query raised."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(run_in_threadpool(_select_one, engine))
            # Probes that gave up no longer await it: its failure is theirs, not a lost error.
            self._pending.add_done_callback(lambda done: done.cancelled() or done.exception())
        await asyncio.wait_for(asyncio.shield(self._pending), timeout)


def _select_one(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.execute(text("SELECT 1"))
