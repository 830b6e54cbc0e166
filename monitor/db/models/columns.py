"""Column helpers the tables share: UTC instants and parent keys that cascade."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, ForeignKey, Integer

from monitor.db.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def instant(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def parent(table: str) -> Column[int]:
    return Column(
        Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False, index=True
    )
