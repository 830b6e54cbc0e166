"""What an API token may do: a ladder of roles, and ``ingest`` beside it.

``viewer`` < ``editor`` < ``admin``: each may do everything the roles below it
may. ``ingest`` is for other monitoring (Alertmanager, Grafana, Zabbix, Uptime
Kuma) that reports alerts and status: it may do that and nothing else, so a
token kept in their configuration reads no calendar or audience. Admins may
report too.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a token may do."""

    VIEWER = "viewer"  # reads
    EDITOR = "editor"  # an IT lead: uploads and edits
    ADMIN = "admin"  # everything, including tokens
    INGEST = "ingest"  # other monitoring: reports alerts and status, reads nothing

    @property
    def rank(self) -> int:
        """Place on the viewer-editor-admin ladder; ``ingest`` stands below it."""
        return -1 if self is Role.INGEST else list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        if needed is Role.INGEST:
            return self in (Role.INGEST, Role.ADMIN)
        return self.rank >= needed.rank
