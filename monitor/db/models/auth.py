"""Who may act: API tokens, the browser sessions signed in with them, failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant, parent, utcnow


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    role: str = Field(max_length=16)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    last_used_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class BrowserSession(SQLModel, table=True):
    """A browser signed in with a token. Its cookie holds a random id; this row, the id's hash.

    Signing out deletes the row; revoking the token deletes the token's rows with it
    (``ON DELETE CASCADE``), so either ends the session at the next request.
    """

    __tablename__ = "browser_session"

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(unique=True, max_length=64)
    token_id: int = Field(sa_column=parent("api_token"))
    nonce: str = Field(max_length=64)  # what this session's CSRF tokens sign
    created_at: datetime = Field(sa_column=instant())
    expires_at: datetime = Field(sa_column=instant(index=True))


class SigninFailure(SQLModel, table=True):
    """A sign-in with a wrong token, counted per client address to slow down guessing."""

    __tablename__ = "signin_failure"
    __table_args__ = (Index("ix_signin_failure_client_at", "client", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=64)
    at: datetime = Field(sa_column=instant())
