"""The outbox on the database: claiming with SKIP LOCKED, recording outcomes.

Claiming is one statement: an UPDATE of the due rows picked by a sub-select.
On PostgreSQL the sub-select locks with ``FOR UPDATE SKIP LOCKED``, so replicas
draining the same outbox never take the same row; SQLite has one writer at a
time, which gives the same guarantee.

A batch takes along the other due planned notices of the recipients it holds
(:meth:`DatabaseOutbox.claim`), so notices due to one person at one moment are
claimed together and go out as one message, however the batch falls.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, and_, bindparam, func, or_, select, tuple_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import Delivery
from notifiers.kinds import PLANNED_KINDS
from notifiers.outbox import Claim

# The table itself, for updates of many rows by their own conditions (not by primary key).
DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared
PENDING, SENDING, SENT, DEAD, WITHDRAWN = "pending", "sending", "sent", "dead", "withdrawn"
UNSENT = (PENDING, SENDING)


class DatabaseOutbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(
        self, *, now: datetime, limit: int, lease: timedelta, skip: Collection[str] = ()
    ) -> list[Claim]:
        due = or_(
            and_(col(Delivery.status) == PENDING, col(Delivery.due_at) <= now),
            and_(
                col(Delivery.status) == SENDING, col(Delivery.lease_until) < now
            ),  # a worker died holding it
        )
        if skip:  # channels paused while their server is away
            due = and_(due, col(Delivery.channel).not_in(list(skip)))
        with session_scope(self.engine) as session:
            rows = list(self._claim_rows(session, due, now=now, limit=limit, lease=lease))
            people = {
                (row.channel, row.recipient_address) for row in rows if row.kind in PLANNED_KINDS
            }
            if people:  # their other notices due now, which the limit may have left behind
                along = and_(
                    col(Delivery.status) == PENDING,
                    col(Delivery.due_at) <= now,
                    col(Delivery.kind).in_(PLANNED_KINDS),
                    tuple_(col(Delivery.channel), col(Delivery.recipient_address)).in_(
                        sorted(people)
                    ),
                )
                rows += self._claim_rows(session, along, now=now, limit=None, lease=lease)
            claims = [
                Claim(row.id or 0, row.dedupe_key, row.kind, row.channel, row.audience, row.recipient_name,
                      row.recipient_address, row.occurrence_id, row.incident_id, row.attempts, row.first_due_at)
                for row in rows
            ]  # fmt: skip
        return sorted(claims, key=lambda claim: claim.id)

    @staticmethod
    def _claim_rows(
        session: Any,
        which: ColumnElement[bool],
        *,
        now: datetime,
        limit: int | None,
        lease: timedelta,
    ) -> Sequence[Delivery]:
        chosen = (
            select(col(Delivery.id)).where(which).order_by(col(Delivery.due_at), col(Delivery.id)).limit(limit)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        claim = (
            update(Delivery)
            .where(col(Delivery.id).in_(chosen.scalar_subquery()))
            .values(
                status=SENDING,
                lease_until=now + lease,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
            .returning(Delivery)
        )
        return session.execute(claim).scalars().all()  # type: ignore[no-any-return]  # RETURNING rows typed as Any by SQLModel's execute

    def sent(self, deliveries: Sequence[tuple[int, str]], *, now: datetime) -> None:
        rows = [
            {"id": delivery_id, "status": SENT, "sent_at": now, "subject": subject[:500], "lease_until": None,
             "last_error": "", "updated_at": now}
            for delivery_id, subject in deliveries
        ]  # fmt: skip
        with session_scope(self.engine) as session:
            session.execute(update(Delivery), rows)

    def put_back(self, claims: Sequence[Claim], *, now: datetime) -> None:
        # Only as claimed: if a lease ran out and another worker claimed a row, it is theirs.
        mine = update(DELIVERIES).where(
            DELIVERIES.c.id == bindparam("claimed_id"),
            DELIVERIES.c.attempts == bindparam("claimed_attempts"),
            DELIVERIES.c.status == SENDING,
        )
        rows = [{"claimed_id": claim.id, "claimed_attempts": claim.attempts} for claim in claims]
        with session_scope(self.engine) as session:
            session.connection().execute(
                mine.values(
                    status=PENDING,
                    lease_until=None,
                    attempts=DELIVERIES.c.attempts - 1,
                    updated_at=now,
                ),
                rows,
            )

    def failed(
        self, delivery_id: int, *, now: datetime, error: str, retry_at: datetime | None
    ) -> None:
        if retry_at is None:
            self._set(delivery_id, now, status=DEAD, last_error=error[:1000], lease_until=None)
        else:
            self._set(
                delivery_id,
                now,
                status=PENDING,
                due_at=retry_at,
                last_error=error[:1000],
                lease_until=None,
            )

    def withdrawn(self, delivery_id: int, *, now: datetime, reason: str) -> None:
        self._set(delivery_id, now, status=WITHDRAWN, last_error=reason[:1000], lease_until=None)

    def counts(self) -> dict[str, int]:
        """Deliveries by status, for metrics and the API."""
        with session_scope(self.engine) as session:
            return dict(
                session.execute(
                    select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
                ).all()
            )

    def _set(self, delivery_id: int, now: datetime, **values: object) -> None:
        with session_scope(self.engine) as session:
            session.execute(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id)
                .values(updated_at=now, **values)
            )
