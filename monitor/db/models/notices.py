"""The outbox and what readers answer: deliveries, feedback, opt-outs, templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant, utcnow


class Delivery(SQLModel, table=True):
    """The outbox: one notice to one recipient on one channel.

    ``dedupe_key`` makes planning idempotent (a re-run finds the row it made)
    and gives the message its Message-ID. ``status`` moves from ``pending`` to
    ``sending`` (claimed, with a lease) to ``sent``; failures go back to
    ``pending`` with a later ``due_at``, or to ``dead`` past the maximum age;
    notices no longer wanted (a cancelled occurrence) become ``withdrawn``.
    """

    __table_args__ = (Index("ix_delivery_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=300)
    kind: str = Field(max_length=16)
    channel: str = Field(max_length=16)
    audience: str = Field(max_length=200, index=True)
    recipient_name: str = Field(default="", max_length=200)
    recipient_address: str = Field(max_length=500)
    occurrence_id: int | None = Field(default=None, index=True)
    incident_id: int | None = Field(default=None, index=True)
    due_at: datetime = Field(sa_column=instant())
    first_due_at: datetime = Field(sa_column=instant())
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    last_error: str = Field(default="", max_length=1000)
    lease_until: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    subject: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    sent_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class Feedback(SQLModel, table=True):
    """A reader's answer through a signed link: sorted, still a problem, or a rating.

    One row per link (the delivery it came in): a later answer replaces the earlier one.
    ``alerted_at`` is when "still a problem" last reached the IT contact, at most hourly.
    """

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=300, unique=True, index=True)  # the delivery of the link
    audience: str = Field(max_length=200, index=True)
    recipient_address: str = Field(max_length=500)
    occurrence_id: int | None = Field(default=None, index=True)
    incident_id: int | None = Field(default=None, index=True)
    answer: str = Field(max_length=16)  # "sorted", "problem" or "rating"
    rating: int | None = None
    comment: str = Field(default="", max_length=2000)
    at: datetime = Field(sa_column=instant())
    alerted_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class Unsubscribe(SQLModel, table=True):
    """A recipient who asked for no more notices for an audience."""

    __table_args__ = (UniqueConstraint("audience", "recipient_address"),)

    id: int | None = Field(default=None, primary_key=True)
    audience: str = Field(max_length=200)
    recipient_address: str = Field(max_length=500)
    at: datetime = Field(sa_column=instant())


class NoticeTemplate(SQLModel, table=True):
    """An uploaded override of a notice's subject, text and HTML parts.

    ``audience`` and ``category`` are null for "any"; SQL treats nulls as
    distinct in the unique constraint, so replacing looks the row up first.
    """

    __tablename__ = "notice_template"
    __table_args__ = (UniqueConstraint("audience", "category", "kind", "lang"),)

    id: int | None = Field(default=None, primary_key=True)
    audience: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=16)
    lang: str = Field(max_length=16)
    subject: str
    text: str
    html: str
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())
