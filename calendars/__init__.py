"""Turning business calendars into critical periods.

A pure library: no web framework, no database. ``load_calendar`` takes the
bytes of an iCalendar file, a CSV sheet or a rules document and returns a
:class:`~calendars.model.ParsedCalendar`.
"""

from calendars.errors import CalendarError
from calendars.model import (
    Category,
    Classification,
    Horizon,
    Level,
    OccurrenceDraft,
    ParsedCalendar,
    PeriodDraft,
    SourceWarning,
)

__all__ = [
    "CalendarError",
    "Category",
    "Classification",
    "Horizon",
    "Level",
    "OccurrenceDraft",
    "ParsedCalendar",
    "PeriodDraft",
    "SourceWarning",
]
