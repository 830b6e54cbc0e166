"""One entry point for every kind of calendar source."""

from __future__ import annotations

import re
from pathlib import PurePath

from calendars.decode import decode_text
from calendars.errors import CalendarError
from calendars.model import ParsedCalendar
from calendars.options import ParseOptions
from calendars.tidy import tidy

FORMATS = ("ics", "csv", "rules")
# How an iCalendar file starts; some exporters leave out the VCALENDAR around the events.
ICS_STARTS = ("BEGIN:VCALENDAR", "BEGIN:VEVENT", "BEGIN:VTIMEZONE")

_EXTENSIONS = {
    ".ics": "ics",
    ".ical": "ics",
    ".ifb": "ics",
    ".icalendar": "ics",
    ".csv": "csv",
    ".yaml": "rules",
    ".yml": "rules",
    ".json": "rules",
}


def detect_format(text: str, filename: str | None = None) -> str:
    """``ics``, ``csv`` or ``rules``: from the content first, then the file name."""
    head = text.lstrip()[:200].upper()
    if head.startswith(ICS_STARTS):
        return "ics"
    if head.startswith("BEGIN:"):
        raise CalendarError("not an iCalendar file: it does not start with BEGIN:VCALENDAR", line=1)
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if suffix in _EXTENSIONS:
        found = _EXTENSIONS[suffix]
        if found == "ics":
            raise CalendarError(
                "not a calendar: an iCalendar file starts with BEGIN:VCALENDAR", line=1
            )
        return found
    if head.startswith("{") or any(line.startswith("periods:") for line in text.splitlines()):
        return "rules"
    if _looks_like_csv_header(text):
        return "csv"
    raise CalendarError(
        "not a calendar: expected iCalendar, CSV with a header, or a rules document"
    )


def _looks_like_csv_header(text: str) -> bool:
    first = text.lstrip().splitlines()[0].lower() if text.strip() else ""
    from calendars.csvfile import column_name

    cells = {column_name(cell) for cell in re.split(r"[,;\t]", first)}
    return len(cells) > 1 and {"title", "start"} <= cells


def load_calendar(
    data: bytes,
    *,
    source: str,
    options: ParseOptions,
    format: str | None = None,
    encoding: str | None = None,
) -> ParsedCalendar:
    """Parse and expand ``data``, then :func:`~calendars.tidy.tidy` the result; every
    problem is a CalendarError naming ``source``."""
    try:
        text = decode_text(data, encoding=encoding)
        kind = format or detect_format(text, source)
        if kind not in FORMATS:
            raise CalendarError(f"unknown format {kind!r} (expected one of {', '.join(FORMATS)})")
        return tidy(_PARSERS[kind](text, options))
    except CalendarError as error:
        raise error.located(source) from None


def _parse_ics(text: str, options: ParseOptions) -> ParsedCalendar:
    from calendars.ics import parse_ics

    return parse_ics(text, options)


def _parse_csv(text: str, options: ParseOptions) -> ParsedCalendar:
    from calendars.csvfile import parse_csv

    return parse_csv(text, options)


def _parse_rules(text: str, options: ParseOptions) -> ParsedCalendar:
    from calendars.rules import parse_rules

    return parse_rules(text, options)


_PARSERS = {"ics": _parse_ics, "csv": _parse_csv, "rules": _parse_rules}
