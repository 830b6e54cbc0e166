"""Problem reports from the public form."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from monitor.db.models.columns import instant


class ProblemReport(SQLModel, table=True):
    """A user's problem report from the public form: the three answers and who asks.

    ``reference`` is what the reporter quotes on the phone; ``critical_period`` is
    the period active when they wrote, added by closewatch as the reason for
    urgency; ``client`` is their address, counted to limit how often one can write.
    """

    __tablename__ = "problem_report"
    __table_args__ = (
        Index("ix_problem_report_client_at", "client", "at"),
        Index("ix_problem_report_at", "at"),  # the reports during a period, for its report
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, max_length=16)
    name: str = Field(max_length=200)
    contact: str = Field(max_length=320)
    doing: str = Field(max_length=2000)
    seen: str = Field(max_length=2000)
    since: str = Field(max_length=200)
    system: str = Field(default="", max_length=200)
    critical_period: str = Field(default="", max_length=500)
    client: str = Field(default="", max_length=64)
    at: datetime = Field(sa_column=instant())
