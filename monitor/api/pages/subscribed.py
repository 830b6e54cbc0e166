"""What the pages show of each subscription: its address's host, how often, how old, what failed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request

from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Subscription
from monitor.store.subscriptions import list_subscriptions


def subscription_rows(request: Request, now: datetime) -> list[dict[str, Any]]:
    """What the calendars page and the dashboard show of each subscription."""
    with session_scope(state_of(request).engine) as session:
        return [_shown(row, now) for row in list_subscriptions(session)]


def _shown(row: Subscription, now: datetime) -> dict[str, Any]:
    success = row.last_success_at
    return {"name": row.name, "kind": "CalDAV" if row.kind == "caldav" else "iCalendar address",
            "address": row.address_hint, "every": age_text(row.every_seconds),
            "last_success_at": success,
            "age": age_text((now - success).total_seconds()) if success else None,
            "last_error": row.last_error, "failures": row.failures}  # fmt: skip


def age_text(seconds: float) -> str:
    """3600 -> "1 hour", 90 -> "1 minute": how long, in the words a person would use."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"
