"""The kinds of notice: three planned around a critical period, three told about an incident."""

from __future__ import annotations

PLANNED_KINDS = ("heads_up", "daily_status", "wrap_up")
INCIDENT_KINDS = ("incident", "update", "resolved")
KINDS = PLANNED_KINDS + INCIDENT_KINDS
