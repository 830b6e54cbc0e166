"""Checks on query parameters shared by several routes.

Times and numbers are bounded before they reach Python's datetime arithmetic or
the database: year 9999 plus a 60-day span is past ``datetime.max``, an id past
32 bits more than PostgreSQL's INTEGER columns hold, an offset past 64 bits more
than any. Out of bounds is a 422 naming the
parameter, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query

from monitor.api.problems import Problem
from monitor.fields import LARGEST_OFFSET

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

Offset = Annotated[int, Query(ge=0, le=LARGEST_OFFSET, description="Skip this many.")]


def require_instant(label: str, value: datetime | None) -> None:
    """A time with a zone, between 1900 and 2200; else a 422 naming the parameter."""
    if value is None:
        return
    if value.tzinfo is None:  # a bare wall-clock time is ambiguous
        raise Problem(422, f"{label} needs a time zone (end it in Z or +01:00)", field=label)
    if not EARLIEST <= value < LATEST:
        raise Problem(
            422,
            f"{label} must lie between the years 1900 and 2199, not in {value.year}",
            field=label,
        )
