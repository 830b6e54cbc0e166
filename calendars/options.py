"""How a source is read: its zone, the expansion horizon, the caps, the mapping."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calendars.classify import DEFAULT_RULES, MappingRule
from calendars.errors import CalendarError
from calendars.model import Horizon


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """``timezone`` is the uploader's explicit zone; ``None`` lets the source
    say (Google's X-WR-TIMEZONE, a rules document's ``timezone``) and falls back
    to ``default_timezone``."""

    horizon: Horizon  # the caller's, from its clock: the library never reads the time
    timezone: str | None = None
    default_timezone: str = "UTC"
    max_occurrences_per_series: int = 1000
    mapping: tuple[MappingRule, ...] = DEFAULT_RULES

    def zone_name(self, declared_by_source: str | None = None) -> str:
        return self.timezone or declared_by_source or self.default_timezone


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or a CalendarError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        shown = name if len(name) <= 60 else name[:60] + "…"
        raise CalendarError(
            f"unknown time zone {shown!r} (use an IANA name such as Europe/Berlin)"
        ) from None
