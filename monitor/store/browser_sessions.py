"""Browser sessions: rows, so signing out or revoking a token ends them at once.

The cookie carries a random id (256 bits) and the row only its SHA-256, so the
table alone signs no one in. A session lasts :data:`LIFETIME` from signing in;
expired rows are deleted when the next session opens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from monitor.db.models import ApiToken, BrowserSession

LIFETIME = timedelta(hours=12)
LONGEST_ID = 100  # a cookie longer than any id we hand out is not looked up


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(session: Session, token_id: int, *, now: datetime) -> tuple[str, BrowserSession]:
    """A new session for the token: the id for the cookie, and its row."""
    session.execute(delete(BrowserSession).where(col(BrowserSession.expires_at) <= now))
    session_id = secrets.token_urlsafe(32)
    row = BrowserSession(
        id_hash=_hash(session_id),
        token_id=token_id,
        nonce=secrets.token_urlsafe(16),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(row)
    session.flush()
    return session_id, row


def find_session(
    session: Session, session_id: str, *, now: datetime
) -> tuple[BrowserSession, ApiToken] | None:
    """The live session with this id and its token; None when unknown, ended or expired."""
    if not session_id or len(session_id) > LONGEST_ID:
        return None
    found = session.execute(
        select(BrowserSession, ApiToken)
        .join(ApiToken, col(ApiToken.id) == BrowserSession.token_id)
        .where(
            col(BrowserSession.id_hash) == _hash(session_id), col(BrowserSession.expires_at) > now
        )
    ).first()
    return (found[0], found[1]) if found else None


def close_session(session: Session, session_id: str) -> None:
    session.execute(delete(BrowserSession).where(col(BrowserSession.id_hash) == _hash(session_id)))
