"""Sign-in attempts, limited per client address.

Each wrong token is a row (:class:`SigninFailure`), so every replica counts the
same attempts. An address with :data:`FAILURES` wrong tokens within
:data:`WINDOW` may not try again, with any token, until the oldest of them
leaves the window: the sign-in page says when, and answers 429 with
``Retry-After``. Tokens are 256 random bits, so the limit does not protect the
tokens themselves; it keeps a script from hammering the sign-in form and the
database behind it. Rows older than the window are deleted as new ones come.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import SigninFailure

FAILURES = 10
WINDOW = timedelta(minutes=15)


def blocked_until(engine: Engine, client: str, now: datetime) -> datetime | None:
    """When ``client`` may try again, or None when it may try now."""
    with session_scope(engine) as session:
        recent: list[datetime] = list(
            session.execute(
                select(col(SigninFailure.at))
                .where(col(SigninFailure.client) == client, col(SigninFailure.at) > now - WINDOW)
                .order_by(col(SigninFailure.at))
            ).scalars()
        )
    if len(recent) < FAILURES:
        return None
    # Below the limit again once all but FAILURES - 1 of them have left the window.
    return recent[-FAILURES] + WINDOW


def record_failure(engine: Engine, client: str, now: datetime) -> None:
    with session_scope(engine) as session:
        session.execute(delete(SigninFailure).where(col(SigninFailure.at) <= now - WINDOW))
        session.add(SigninFailure(client=client, at=now))
