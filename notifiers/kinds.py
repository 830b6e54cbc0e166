"""The kinds of notice: three planned around a critical period, three told about an incident,
the one that asks a person to confirm the notices they chose, and the announcement of a
maintenance window."""

from __future__ import annotations

PLANNED_KINDS = ("heads_up", "daily_status", "wrap_up")
INCIDENT_KINDS = ("incident", "update", "resolved")
SUBSCRIBE = "subscribe"
MAINTENANCE = "maintenance"
KINDS = (*PLANNED_KINDS, *INCIDENT_KINDS, SUBSCRIBE, MAINTENANCE)
