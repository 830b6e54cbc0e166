"""Checks on query parameters shared by several routes."""

from __future__ import annotations

from datetime import datetime

from monitor.api.problems import Problem

# The largest id or offset a database column holds (a signed 64-bit integer); a larger one
# is refused as a bad parameter rather than failing in the database driver.
MAX_ROW_ID = 2**63 - 1


def require_zone(label: str, value: datetime | None) -> None:
    """A bare wall-clock time is ambiguous: refuse it, naming the parameter."""
    if value is not None and value.tzinfo is None:
        raise Problem(422, f"{label} needs a time zone (end it in Z or +01:00)", field=label)
