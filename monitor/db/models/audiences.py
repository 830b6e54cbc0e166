"""The groups of people notices go to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant, utcnow


class Audience(SQLModel, table=True):
    """A group of people and the IT contact who signs their notices.

    ``spec`` is the audience as written in the site file or sent to the API
    (members, quiet hours, channels, which periods concern it).
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    timezone: str = Field(max_length=64)
    language: str = Field(default="en", max_length=16)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=320)
    managed_by: str = Field(default="api", max_length=8)
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())
