"""API tokens: random secrets shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from monitor.db.models import ApiToken
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
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
    ).scalar_one_or_none()
