"""API tokens: random secrets shown once, stored only as a hash; listed and revoked by name."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from monitor.db.models import ApiToken, BrowserSession
from monitor.roles import Role

TOKEN_PREFIX = "cw_"


def hash_token(token: str) -> str:
    # A token is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: Role, now: datetime) -> tuple[ApiToken, str]:
    """A new token row and its secret, which is never stored or shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role.value, token_hash=hash_token(secret), created_at=now)
    session.add(row)
    session.flush()
    return row, secret


def authenticate(session: Session, secret: str) -> ApiToken | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    return session.execute(
        select(ApiToken).where(col(ApiToken.token_hash) == hash_token(secret))
    ).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown of a token: never its secret or its hash."""

    name: str
    role: str
    created_at: datetime
    sessions: int  # browsers signed in with it now


def list_tokens(session: Session, *, now: datetime) -> list[TokenInfo]:
    """Every token by name, with how many browser sessions it has open at ``now``."""
    open_sessions = (
        select(col(BrowserSession.token_id), func.count().label("open"))
        .where(col(BrowserSession.expires_at) > now)
        .group_by(col(BrowserSession.token_id))
        .subquery()
    )
    rows = session.execute(
        select(
            col(ApiToken.name), col(ApiToken.role), col(ApiToken.created_at), open_sessions.c.open
        )
        .outerjoin(open_sessions, open_sessions.c.token_id == col(ApiToken.id))
        .order_by(ApiToken.name)
    ).all()
    return [TokenInfo(name, role, created, opened or 0) for name, role, created, opened in rows]


def revoke_token(session: Session, name: str) -> bool:
    """Delete the token named ``name`` and end its browser sessions; False when there is none."""
    token_id = session.execute(select(col(ApiToken.id)).where(col(ApiToken.name) == name)).scalar()
    if token_id is None:
        return False
    # The foreign key cascades too; saying it keeps the contract whatever the database enforces.
    session.execute(delete(BrowserSession).where(col(BrowserSession.token_id) == token_id))
    session.execute(delete(ApiToken).where(col(ApiToken.id) == token_id))
    return True
