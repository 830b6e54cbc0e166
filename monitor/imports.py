"""Calendar uploads, shared by the CLI and the API: options, preview, import.

Parsing needs only the ``calendars`` library; the database stack loads when
something is stored, so ``closewatch calendar preview`` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from calendars import Horizon, ParsedCalendar
from calendars.classify import DEFAULT_RULES
from calendars.load import load_calendar
from calendars.mapping import parse_mapping
from calendars.options import ParseOptions, load_zone

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.settings import Settings
    from monitor.store.calendars import SaveSummary


@dataclass(frozen=True, slots=True)
class UploadedSource:
    """An upload as received, before parsing: kept verbatim with the calendar."""

    name: str
    data: bytes
    filename: str = ""
    team: str = ""
    encoding: str | None = None
    mapping: str | None = None


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """One upload and how to read it; ``timezone`` None lets the source decide."""

    source: UploadedSource
    timezone: str | None = None
    format: str | None = None


def horizon_for(settings: Settings, now: datetime) -> Horizon:
    return Horizon.around(
        now, past_days=settings.horizon_past_days, future_days=settings.horizon_future_days
    )


def parse_options(
    settings: Settings,
    *,
    horizon: Horizon,
    timezone: str | None = None,
    mapping: str | None = None,
) -> ParseOptions:
    if timezone is not None:
        load_zone(timezone)
    return ParseOptions(
        horizon=horizon,
        timezone=timezone,
        default_timezone=settings.timezone,
        max_occurrences_per_series=settings.max_occurrences_per_series,
        mapping=parse_mapping(mapping) if mapping else DEFAULT_RULES,
    )


def parse_upload(settings: Settings, request: ImportRequest, *, horizon: Horizon) -> ParsedCalendar:
    """Parse and expand without storing anything (the preview)."""
    upload = request.source
    options = parse_options(
        settings, horizon=horizon, timezone=request.timezone, mapping=upload.mapping
    )
    return load_calendar(
        upload.data,
        source=upload.filename or upload.name,
        options=options,
        format=request.format,
        encoding=upload.encoding,
    )


def import_calendar(
    engine: Engine, settings: Settings, request: ImportRequest, *, now: datetime
) -> tuple[ParsedCalendar, SaveSummary]:
    """Parse, then store in one transaction: a failed parse stores nothing."""
    from monitor.db.engine import session_scope
    from monitor.store.calendars import save_calendar

    parsed = parse_upload(settings, request, horizon=horizon_for(settings, now))
    with session_scope(engine) as session:
        summary = save_calendar(session, request.source, parsed, now=now)
    return parsed, summary
