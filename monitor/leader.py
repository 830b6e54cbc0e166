"""One leader among replicas: the one that watches systems and plans notices.

Every replica serves the API and drains the outbox (claims are SKIP LOCKED, so
that is safe). Checks and planning must run once, so on PostgreSQL the replica
holding a session-level advisory lock leads; the lock goes with its connection,
so if the leader dies another replica takes over at its next try. SQLite serves
one process, which always leads.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# A constant of closewatch's own ("cwlead" in ASCII), so the lock never clashes with another application's.
LOCK_KEY = 0x63776C656164


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    @property
    def shared(self) -> bool:
        """Whether replicas share this database (PostgreSQL), so leadership must be won."""
        return self.engine.dialect.name == "postgresql"

    def try_lead(self) -> bool:
        """Take the lead if nobody has it; True while this process leads."""
        if not self.shared:
            return True
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection (and with it the lock) is gone
                self._drop()
        connection = self.engine.connect()
        acquired = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        ).scalar()
        connection.commit()
        if acquired:
            self._connection = connection
            log.info("this replica leads: it watches systems and plans notices")
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                self._connection.commit()
            finally:
                self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            # Closing a broken connection may fail; it is gone either way.
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
