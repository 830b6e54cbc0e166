"""Subscription rows: made, claimed for a refresh, told how it went, listed, removed.

A refresh first claims its row with one conditional UPDATE (unclaimed, or its
claim lapsed): two replicas, or the leader and a ``closewatch calendar
refresh``, never fetch the same source at once, and a refresher that died
holds it no longer than its claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Engine, delete, or_, select, update
from sqlmodel import Session, col

from monitor.db.engine import session_scope
from monitor.db.models import Subscription
from monitor.metrics import SubscriptionState


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one refresh went: ``error`` None for a success."""

    error: str | None = None
    changed: bool = False  # a success that stored a new version
    etag: str | None = None
    last_modified: str | None = None


def find_subscription(session: Session, name: str) -> Subscription | None:
    return session.execute(
        select(Subscription).where(col(Subscription.name) == name)
    ).scalar_one_or_none()


def list_subscriptions(session: Session) -> list[Subscription]:
    return list(session.execute(select(Subscription).order_by(Subscription.name)).scalars())


def due_subscriptions(session: Session, now: datetime) -> list[str]:
    """Names of the subscriptions due for a refresh at ``now`` and not claimed, oldest due first."""
    return list(
        session.execute(
            select(col(Subscription.name))
            .where(col(Subscription.next_refresh_at) <= now, _unclaimed(now))
            .order_by(col(Subscription.next_refresh_at))
        ).scalars()
    )


def claim(session: Session, name: str, *, now: datetime, hold: timedelta) -> bool:
    """Claim ``name`` for a refresh until ``now + hold``; False if someone else holds it."""
    # An UPDATE's result is a CursorResult; SQLModel's Session.execute types every result as Result.
    result = cast(CursorResult[Any], session.execute(
        update(Subscription)
        .where(col(Subscription.name) == name, _unclaimed(now))
        .values(claimed_until=now + hold)
    ))  # fmt: skip
    return bool(result.rowcount)


def record(session: Session, name: str, outcome: Outcome, *, now: datetime) -> None:
    """Store how a refresh went, release its claim and set the next one."""
    row = find_subscription(session, name)
    if row is None:  # removed while it was fetched
        return
    row.claimed_until = None
    row.last_attempt_at = now
    row.next_refresh_at = now + timedelta(seconds=row.every_seconds)
    if outcome.error is None:
        row.last_success_at = now
        row.last_error = None
        row.failures = 0
        row.etag = outcome.etag if outcome.etag and len(outcome.etag) <= 500 else None
        row.last_modified = outcome.last_modified if outcome.last_modified and len(outcome.last_modified) <= 100 else None  # fmt: skip
        if outcome.changed:
            row.last_changed_at = now
    else:
        row.last_error = outcome.error[:1000]
        row.failures += 1
    session.add(row)


def release(session: Session, name: str, *, retry_at: datetime) -> None:
    """Let go of a claim without a result (no worker was free): try again at ``retry_at``."""
    session.execute(
        update(Subscription)
        .where(col(Subscription.name) == name)
        .values(claimed_until=None, next_refresh_at=retry_at)
    )


def delete_subscription(session: Session, name: str) -> bool:
    found = delete(Subscription).where(col(Subscription.name) == name)
    return bool(cast(CursorResult[Any], session.execute(found)).rowcount)


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    claimed_until = col(Subscription.claimed_until)
    return or_(claimed_until.is_(None), claimed_until < now)


def subscription_states(engine: Engine) -> list[SubscriptionState]:
    """Every subscription's last success and interval, for the metrics scrape."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                col(Subscription.name),
                col(Subscription.last_success_at),
                col(Subscription.every_seconds),
            ).order_by(col(Subscription.name))
        ).all()
    return [SubscriptionState(name, success, every) for name, success, every in rows]
