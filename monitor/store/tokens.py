"""API tokens: random secrets shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session

from monitor.db.models import ApiToken


class Role(StrEnum):
    """What a token may do. Each role can do everything the roles below it can."""

    VIEWER = "viewer"  # reads
    EDITOR = "editor"  # an IT lead: uploads and edits
    ADMIN = "admin"  # everything, including tokens

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


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
