"""People who asked for a system's notices: requests, then confirmed subscribers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant


class SubscriberRequest(SQLModel, table=True):
    """A request for notices from the status page, until it is confirmed or expires.

    It keeps no address, only its keyed hash (``address_hash``): enough to count the
    requests for one address and to check the confirmation link, nothing to mail to.
    ``client`` is the requester's network address, counted like the problem reports'.
    """

    __tablename__ = "subscriber_request"
    __table_args__ = (
        Index("ix_subscriber_request_client_at", "client", "at"),
        Index("ix_subscriber_request_address_at", "address_hash", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    address_hash: str = Field(max_length=64)
    name: str = Field(max_length=200)
    language: str = Field(max_length=16)
    systems: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    client: str = Field(default="", max_length=64)
    at: datetime = Field(sa_column=instant())
    confirmed_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class Subscriber(SQLModel, table=True):
    """A person who asked for a system's notices and confirmed it: a member of the
    system's subscriber audience in their language (see :mod:`monitor.subscribers`)."""

    __table_args__ = (UniqueConstraint("address", "system"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=320)
    name: str = Field(max_length=200)
    system: str = Field(max_length=200, index=True)
    language: str = Field(max_length=16)
    confirmed_at: datetime = Field(sa_column=instant())
