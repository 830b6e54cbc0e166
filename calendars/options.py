"""How a source is read: its zone, the expansion horizon, the caps, the mapping.

Two caps bound what one source can make. A series with more than
``max_occurrences_per_series`` occurrences in the horizon is cut there, with a
warning: one runaway rule is usually a slip in one event, and the rest of the
calendar is fine. A source with more than ``max_occurrences`` occurrences in
all is refused, and the parsers stop counting as soon as it is passed: cutting
it would silently drop real periods from a business calendar, which is worse
than saying so.
"""

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
    max_occurrences: int | None = None  # in the whole source; None: no limit
    mapping: tuple[MappingRule, ...] = DEFAULT_RULES

    def zone_name(self, declared_by_source: str | None = None) -> str:
        return self.timezone or declared_by_source or self.default_timezone

    def check_total(self, count: int) -> None:
        """Refuse a source once it has made more than ``max_occurrences`` occurrences."""
        limit = self.max_occurrences
        if limit is not None and count > limit:
            raise CalendarError(
                f"more than {limit:,} occurrences in the horizon, the limit for one calendar; "
                "split it into several calendars or shorten its series"
            )


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or a CalendarError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise CalendarError(
            f"unknown time zone {shown_zone(name)!r} (use an IANA name such as Europe/Berlin)"
        ) from None


def shown_zone(name: str) -> str:
    """A zone name as an error quotes it: whole, or its first 60 characters."""
    return name if len(name) <= 60 else name[:60] + "…"
