"""Incidents, their timelines, and the alerts other monitors report into them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant, parent


class Incident(SQLModel, table=True):
    """A check failing past its level's threshold, from opening to recovery.

    ``level`` is the system's level when it opened; the timeline is in
    :class:`IncidentEvent`.
    """

    __table_args__ = (Index("ix_incident_status_opened", "status", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(sa_column=parent("system"))
    check_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("system_check.id", ondelete="SET NULL"), nullable=True
        ),
    )
    status: str = Field(max_length=16)  # "open" or "closed"
    level: int
    title: str = Field(max_length=500)
    opened_at: datetime = Field(sa_column=instant())
    closed_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    # What users are told (issue: incidents told the way users need). A next update is
    # always promised while people are told about it; resolved means the resolved notice
    # went out; confirmed, that readers said it works (or stayed quiet long enough).
    public_line: str = Field(default="", max_length=1000)
    handler: str = Field(default="", max_length=200)
    next_update_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    summary: str = Field(default="", max_length=1000)
    what_you_can_do: str = Field(default="", max_length=1000)
    resolved_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    confirmed_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    # p1 (most urgent) to p4: the business impact of the level and the people affected.
    priority: str = Field(default="p4", max_length=4, index=True)


class IncidentEvent(SQLModel, table=True):
    """One entry of an incident's timeline: opened, failed again, recovered, closed."""

    __tablename__ = "incident_event"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(sa_column=parent("incident"))
    at: datetime = Field(sa_column=instant())
    kind: str = Field(max_length=32)
    message: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ExternalAlert(SQLModel, table=True):
    """An alert another monitor reported (Alertmanager, Grafana, a status webhook).

    ``key`` is the source's identity for it (Alertmanager's fingerprint, a webhook's
    ``id``), so a re-sent notification finds its row. While ``firing``, the system
    counts as failing from ``source``; ``incident_id`` is the incident it feeds.
    ``details`` (labels, annotations, links) is for IT only, never for readers.
    """

    __tablename__ = "external_alert"
    __table_args__ = (
        UniqueConstraint("source", "key"),
        Index("ix_external_alert_incident_firing", "incident_id", "firing"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    key: str = Field(max_length=200)
    system_id: int = Field(sa_column=parent("system"))
    incident_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("incident.id", ondelete="SET NULL"), nullable=True),
    )
    firing: bool
    summary: str = Field(default="", max_length=1000)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(sa_column=instant())
    updated_at: datetime = Field(sa_column=instant())
