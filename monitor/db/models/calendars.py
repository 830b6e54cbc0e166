"""Calendars as uploaded or fetched, their periods and the spans they expand to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant, parent, utcnow


class Calendar(SQLModel, table=True):
    """A source as uploaded, kept verbatim so it can be expanded again later."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    team: str = Field(default="", max_length=200)
    timezone: str = Field(max_length=64)
    format: str = Field(max_length=16)
    filename: str = Field(default="", max_length=255)
    encoding: str | None = Field(default=None, max_length=32)
    source: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_hash: str = Field(max_length=64)
    mapping: str | None = None  # the upload's own mapping rules (YAML), kept for re-expansion
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    expanded_at: datetime = Field(default_factory=utcnow, sa_column=instant())


class Period(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("calendar_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    calendar_id: int = Field(sa_column=parent("calendar"))
    key: str = Field(max_length=500)
    title: str = Field(max_length=500)
    category: str = Field(max_length=32, index=True)
    level: int
    description: str = ""
    recurrence: str | None = None
    timezone: str | None = Field(default=None, max_length=64)
    origin: str | None = Field(default=None, max_length=64)
    classified_by: str = Field(max_length=16)
    classification_rule: str | None = Field(default=None, max_length=200)


class PeriodTarget(SQLModel, table=True):
    """A system or audience a period concerns; a row each, so filters use an index."""

    __tablename__ = "period_target"
    __table_args__ = (Index("ix_period_target_kind_name", "kind", "name"),)

    period_id: int = Field(
        sa_column=Column(Integer, ForeignKey("period.id", ondelete="CASCADE"), primary_key=True)
    )
    kind: str = Field(primary_key=True, max_length=16)  # "system" | "audience"
    name: str = Field(primary_key=True, max_length=200)


class Occurrence(SQLModel, table=True):
    """A concrete span [start, end) of a period. Category and level are copied
    from the period so the common time-range queries need no join."""

    __table_args__ = (
        UniqueConstraint("period_id", "instance"),
        Index("ix_occurrence_start_end", "start", "end"),
        Index("ix_occurrence_category_start", "category", "start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=parent("period"))
    calendar_id: int = Field(sa_column=parent("calendar"))
    instance: str = Field(max_length=64)
    start: datetime = Field(sa_column=instant())
    end: datetime = Field(sa_column=instant())
    title: str | None = Field(default=None, max_length=500)
    category: str = Field(max_length=32)
    level: int
