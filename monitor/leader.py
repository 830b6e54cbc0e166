"""One leader among replicas: the one that watches systems and plans notices.

Every replica serves the API and drains the outbox (claims are SKIP LOCKED, so
that is safe). Checks and planning must run once, so on PostgreSQL the replica
holding a session-level advisory lock leads. SQLite serves one process, which
always leads.

A thread of its own keeps the lock's connection, so a database that hangs holds
up nothing else: every :data:`HEARTBEAT_SECONDS` a standby tries the lock and the
leader proves it still holds it. Two deadlines keep two replicas from ever
leading at once:

- the server ends the lock's session after :data:`LEASE_SECONDS` without a query
  (``idle_session_timeout``), which frees the lock for a standby;
- the leader counts itself leader only for :data:`STEP_DOWN_SECONDS` after it
  *sent* the last heartbeat that was answered. That is shorter than the lease,
  and the server's idle time starts after it received that heartbeat, so a
  leader whose connection hangs silently stops before the server lets anyone
  take over.

A killed leader's connection closes with it: a standby takes over at its next
try, about a second later. A leader whose connection hangs steps down after
:data:`STEP_DOWN_SECONDS`, and a standby leads after about :data:`LEASE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# A constant of closewatch's own ("cwlead" in ASCII), so the lock never clashes with another application's.
LOCK_KEY = 0x63776C656164
HEARTBEAT_SECONDS = 1.0
STEP_DOWN_SECONDS = 5.0
LEASE_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5


class Leadership:
    def __init__(
        self,
        engine: Engine,
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
        step_down: float = STEP_DOWN_SECONDS,
        lease: float = LEASE_SECONDS,
    ) -> None:
        assert step_down < lease, "a leader must stop before its lock can pass on"
        self.engine = engine
        self.heartbeat, self.step_down, self.lease = heartbeat, step_down, lease
        self._connection: Connection | None = None
        self._holds = False  # whether that connection's session holds the lock
        # time.monotonic() until which this process may lead; 0: it does not hold the lock.
        self._valid_until = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_engine: Engine | None = None

    @property
    def shared(self) -> bool:
        """Whether replicas share this database (PostgreSQL), so leadership must be won."""
        return self.engine.dialect.name == "postgresql"

    def leads(self) -> bool:
        """Whether this process leads now. Cheap: checks read it before every probe."""
        return not self.shared or time.monotonic() < self._valid_until

    # -- the thread that holds the lock ------------------------------------------------------

    def start(self) -> None:
        """Try the lock, and keep it, in a thread of its own (nothing to do on SQLite)."""
        if self.shared and self._thread is None:
            self._thread = threading.Thread(
                target=self._keep, name="closewatch-leader", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop trying and give the lock up, unless the connection hangs: then it goes with the process."""
        self._stop.set()
        self._valid_until = 0.0
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=self.heartbeat + CONNECT_TIMEOUT_SECONDS)
            if thread.is_alive():
                return  # stuck on a hanging connection, which must not be touched from here
        self.release()

    def _keep(self) -> None:
        while not self._stop.is_set():
            try:
                self.try_lead()
            except Exception as exc:  # the database is away: the next try reconnects
                log.warning("leadership: the database does not answer: %s", exc)
            self._stop.wait(self.heartbeat)

    # -- one round ---------------------------------------------------------------------------

    def try_lead(self) -> bool:
        """Take the lock if nobody has it, or prove it is still held; True while this process leads."""
        if not self.shared:
            return True
        sent = time.monotonic()
        if self._connection is not None and self._holds:
            try:
                self._connection.execute(text("SELECT 1"))
            except Exception:  # the connection, and with it the lock, is gone
                self._lost()
                raise
            self._valid_until = sent + self.step_down
            return True
        try:
            connection = self._connection or self._connect()
            acquired = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            ).scalar()
        except Exception:
            self._drop()
            raise
        if acquired:
            self._holds = True
            self._valid_until = sent + self.step_down
            log.info("this replica leads: it watches systems and plans notices")
        return bool(acquired)

    def release(self) -> None:
        """Give the lock up now (a stopping replica), so a standby need not wait for the lease."""
        self._valid_until = 0.0
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            except Exception:
                log.debug("could not release the leader lock; it goes with the connection")
            finally:
                self._drop()
        if self._lock_engine is not None:
            self._lock_engine.dispose()
            self._lock_engine = None

    def _connect(self) -> Connection:
        if self._lock_engine is None:
            # A connection of its own, outside the pool: its session carries the lease.
            self._lock_engine = create_engine(
                self.engine.url,
                poolclass=NullPool,
                isolation_level="AUTOCOMMIT",  # idle in a transaction, the lease would not run
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            )
        connection = self._lock_engine.connect()
        lease_ms = int(self.lease * 1000)
        try:
            connection.execute(text(f"SET idle_session_timeout = {lease_ms}"))
        except Exception as exc:  # before PostgreSQL 14: a hanging leader keeps the lock
            log.warning("no lease on the leader lock (PostgreSQL 14 or newer has one): %s", exc)
        self._connection = connection
        return connection

    def _lost(self) -> None:
        if self._holds:
            log.warning("this replica no longer leads: its database connection is gone")
        self._drop()

    def _drop(self) -> None:
        self._valid_until, self._holds = 0.0, False
        if self._connection is not None:
            # Closing a broken connection may fail; it is gone either way.
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
