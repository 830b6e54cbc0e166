"""What an API token may do: roles, each allowed everything the roles below it may."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a token may do. Each role can do everything the roles below it can."""

    VIEWER = "viewer"  # reads
    EDITOR = "editor"  # an IT lead: uploads and edits
    ADMIN = "admin"  # everything, including tokens

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank
