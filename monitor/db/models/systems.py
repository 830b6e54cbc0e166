"""Systems, their checks, and the checks' recent results and hourly summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant, parent, utcnow
from monitor.db.types import UTCDateTime


class System(SQLModel, table=True):
    """Something users depend on: a technical name and the plain name they know.

    ``managed_by`` is ``site`` for systems from the site file (changed only
    there) and ``api`` for those created through the API. ``policy`` holds this
    system's overrides of the intensity policy, level by level.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    plain_name: str = Field(max_length=200)
    # The plain name in other languages, by language ("de": "das Rechnungssystem").
    plain_names: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    owner_team: str = Field(default="", max_length=200)
    description: str = ""
    managed_by: str = Field(default="api", max_length=8)
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Label matchers of alerts from other monitoring that concern this system.
    alerts: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())


class Check(SQLModel, table=True):
    """One way of telling whether a system works; ``spec`` is its kind's settings."""

    __tablename__ = "system_check"  # plain "check" is a reserved word in SQL
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(sa_column=parent("system"))
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CheckResult(SQLModel, table=True):
    """A recent result, kept for ``CLOSEWATCH_RESULT_RETENTION_HOURS``, then rolled up."""

    __tablename__ = "check_result"
    __table_args__ = (Index("ix_check_result_check_at", "check_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(
        sa_column=Column(Integer, ForeignKey("system_check.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(sa_column=instant(index=True))
    status: str = Field(max_length=8)
    duration_ms: float
    level: int
    message: str = Field(default="", max_length=500)


class CheckSummary(SQLModel, table=True):
    """One check's hour: how many results of each status, and latency percentiles."""

    __tablename__ = "check_summary"

    check_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("system_check.id", ondelete="CASCADE"), primary_key=True
        )
    )
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    total: int
    up: int
    degraded: int
    down: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
