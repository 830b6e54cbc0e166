"""Calendar uploads, shared by the CLI and the API: options, preview, import.

Parsing needs only the ``calendars`` library; the database stack loads when
something is stored, so ``closewatch calendar preview`` starts fast.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from calendars import Horizon, ParsedCalendar
from calendars.classify import DEFAULT_RULES
from calendars.decode import text_encoding
from calendars.load import load_calendar
from calendars.mapping import parse_mapping
from calendars.options import ParseOptions, load_zone

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.settings import Settings
    from monitor.store.calendars import SaveSummary


# A calendar's name travels in URLs and file names: a slug. Starting with a letter or
# digit rules out ".", ".." and names that look like options.
CALENDAR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def calendar_name(name: str) -> str:
    """``name`` if it can name a calendar; ValueError saying what a name may be."""
    if CALENDAR_NAME.fullmatch(name):
        return name
    shown = name if len(name) <= 60 else name[:60] + "…"
    raise ValueError(
        f"{shown!r} cannot name a calendar: use up to 200 letters, digits, '-', '_' and '.', "
        "starting with a letter or digit (e.g. finance-2026)"
    )


def name_from_filename(stem: str) -> str:
    """A calendar name made from a file's name: "Closing 2026 (final)" -> "Closing-2026-final"."""
    ascii = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()  # Ä -> A
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii).strip("-._")[:200].rstrip("-._")
    return slug or "calendar"


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
    """Parse, then store in one transaction: a failed parse stores nothing.

    ValueError for a name that cannot name a calendar (callers check it first, to
    name the field or option it came from).
    """
    from monitor.db.engine import session_scope
    from monitor.store.calendars import save_calendar

    source = request.source
    calendar_name(source.name)
    parsed = parse_upload(settings, request, horizon=horizon_for(settings, now))
    if source.encoding:  # kept by its canonical name, which fits its column
        source = replace(source, encoding=text_encoding(source.encoding))
    with session_scope(engine) as session:
        summary = save_calendar(session, source, parsed, now=now)
    return parsed, summary
