"""How instants are written in the API and the CLI's JSON."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_z(value: datetime) -> str:
    """``2026-11-30T08:00:00Z``: ISO 8601 in UTC, ending in Z."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
