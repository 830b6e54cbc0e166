"""Calendars kept by fetching an address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant, utcnow


class Subscription(SQLModel, table=True):
    """A calendar kept by fetching an address (an .ics URL or a CalDAV collection).

    The address, headers and credentials are one encrypted blob (``secret``, see
    :mod:`monitor.subscriptions.secrets`): a Google "secret address" is a password
    too. What may be shown is ``address_hint`` (scheme, host and port). The
    calendar of the same name holds the last good version.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=16)  # "ics" | "caldav"
    address_hint: str = Field(max_length=300)
    secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    every_seconds: int
    timezone: str | None = Field(default=None, max_length=64)
    mapping: str | None = None
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    next_refresh_at: datetime = Field(sa_column=instant(index=True))
    # A refresh claims the row until then, so two never fetch the same source at once.
    claimed_until: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    last_attempt_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    last_success_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    last_changed_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    last_error: str | None = Field(default=None, max_length=1000)
    failures: int = 0  # in a row, since the last success
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
