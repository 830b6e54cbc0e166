"""Planned maintenance windows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant


class MaintenanceWindow(SQLModel, table=True):
    """Planned work on a system: ``[start, end)`` in UTC, and why.

    A window that overlaps a critical period of the system (or its ramp) is stored
    only when an admin overrides the refusal: ``override_reason`` says why, and
    ``collisions`` lists the periods it collided with when it was approved.
    """

    __tablename__ = "maintenance_window"
    __table_args__ = (Index("ix_maintenance_window_system_start_end", "system", "start", "end"),)

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=200)
    start: datetime = Field(sa_column=instant())
    end: datetime = Field(sa_column=instant(index=True))
    reason: str = Field(max_length=500)
    override_reason: str = Field(default="", max_length=500)
    collisions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=instant())
