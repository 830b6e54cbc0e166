"""CSV sheets, as finance keeps them in a spreadsheet.

One row per occurrence; the header names the columns, in any order:

| column | required | meaning |
| --- | --- | --- |
| title | yes | the period's name; rows with the same title (or id) are one period |
| start | yes | a date (2026-11-27 or 27.11.2026) or date-time (2026-11-27 08:00) |
| end | no | a date is the last day, inclusive; a date-time is the instant it ends. Default: the start day |
| category, level | no | as in iCalendar's X-CLOSEWATCH-* properties, or German (Monatsabschluss, kritisch); else classified from the title |
| systems, audiences | no | names separated by ``;`` or ``,`` |
| timezone | no | IANA zone of this row's times; default the calendar's |
| description, id | no | free text; a stable id when titles change |

Commas, semicolons (as German Excel saves) and tabs all work as separators.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from calendars.classify import classify, split_list
from calendars.errors import CalendarError
from calendars.model import OccurrenceDraft, ParsedCalendar, PeriodDraft, SourceWarning
from calendars.options import ParseOptions, load_zone
from calendars.timeutil import instance_label, local_midnight, to_utc

COLUMNS = (
    "title",
    "start",
    "end",
    "category",
    "level",
    "systems",
    "audiences",
    "timezone",
    "description",
    "id",
)
REQUIRED = ("title", "start")
ALIASES = {"summary": "title", "time_zone": "timezone", "zone": "timezone", "tz": "timezone",
           "system": "systems", "audience": "audiences",
           # A sheet from German Excel: "Titel;Beginn;Ende;Kategorie;Stufe;Systeme;...".
           "titel": "title", "beginn": "start", "ende": "end", "kategorie": "category",
           "stufe": "level", "systeme": "systems", "zielgruppen": "audiences",
           "zielgruppe": "audiences", "zeitzone": "timezone", "beschreibung": "description"}  # fmt: skip
# The values a German sheet writes under "Kategorie" and "Stufe", beside the English ones.
GERMAN_CATEGORIES = {"monatsabschluss": "month_end_close", "quartalsabschluss": "quarter_end",
                     "jahresabschluss": "year_end", "inventur": "inventory_count",
                     "lohnabrechnung": "payroll", "gehaltsabrechnung": "payroll",
                     "prüfung": "audit", "revision": "audit", "produktivstart": "go_live",
                     "sonstiges": "custom"}  # fmt: skip
GERMAN_LEVELS = {"erhöht": "elevated", "hoch": "high", "kritisch": "critical"}
ONE_OFF = "once"
FIRST_YEAR, LAST_YEAR = 1900, 2199  # a business calendar's dates, with room either side

_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATETIME_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def parse_csv(text: str, options: ParseOptions) -> ParsedCalendar:
    zone_name = options.zone_name(None)
    zone = load_zone(zone_name)
    parsed = ParsedCalendar(format="csv", timezone=zone_name)
    groups: dict[str, list[_Row]] = {}
    for row in _rows(text):
        groups.setdefault(row.get("id") or row.get("title"), []).append(row)
    if not groups:
        parsed.warnings.append(SourceWarning("the sheet has a header but no rows"))
    for key, rows in groups.items():
        period = _period(key, rows, options, zone_name)
        parsed.periods.append(period)
        if period.classification.source == "default":
            parsed.warnings.append(SourceWarning(
                "no category found; treated as custom at elevated",
                event=f"period '{period.title}'", line=rows[0].line,
            ))  # fmt: skip
        parsed.occurrences.extend(_occurrences(period, rows, zone, options))
        options.check_total(len(parsed.occurrences))
    parsed.occurrences.sort()
    return parsed


def _rows(text: str) -> Iterator[_Row]:
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), 0)
    delimiter = _delimiter(lines[header_index] if lines else "")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header: list[str] | None = None
        previous_end = 0
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells, line)
                continue
            if len(cells) > len(header):
                raise CalendarError(
                    f"{len(cells)} cells but the header has {len(header)} columns", line=line
                )
            yield _Row(line, dict(zip(header, cells, strict=False)))
    except csv.Error as exc:
        raise CalendarError(f"not valid CSV: {exc}", line=reader.line_num) from None
    if header is None:
        raise CalendarError("the sheet has no header row")


def _delimiter(header: str) -> str:
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter])


def column_name(cell: str) -> str:
    """The column a header cell names: "Time zone" and "Zeitzone" are ``timezone``."""
    name = re.sub(r"\s+", "_", cell.strip().strip('"').lower())
    return ALIASES.get(name, name)


def _header(cells: list[str], line: int) -> list[str]:
    names = []
    for cell in cells:
        name = column_name(cell)
        if name not in COLUMNS:
            raise CalendarError(
                f"unknown column {cell.strip()!r} (expected {', '.join(COLUMNS)})", line=line
            )
        if name in names:
            raise CalendarError(f"column {name!r} appears twice", line=line)
        names.append(name)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise CalendarError(
            f"the header lacks the column(s) {', '.join(missing)} "
            f"(the first row must name the columns: {', '.join(COLUMNS)})",
            line=line,
        )
    return names


def _period(key: str, rows: list[_Row], options: ParseOptions, zone_name: str) -> PeriodDraft:
    first = rows[0]
    for row in rows:
        if not row.get("title"):
            raise CalendarError("title is empty", line=row.line)
    classifying = ("category", "level", "systems", "audiences")
    for row in rows[1:]:
        for column in classifying:
            if row.get(column) and row.get(column) != first.get(column):
                raise CalendarError(
                    f"{column} {row.get(column)!r} differs from line {first.line} "
                    f"({first.get(column)!r}) for the same period {key!r}",
                    line=row.line,
                )
    try:
        classification = classify(
            {"summary": first.get("title"), "description": first.get("description")},
            category=_in_english(first.get("category"), GERMAN_CATEGORIES),
            level=_in_english(first.get("level"), GERMAN_LEVELS),
            systems=split_list(first.get("systems")),
            audiences=split_list(first.get("audiences")),
            rules=options.mapping,
        )
    except ValueError as exc:
        raise CalendarError(_with_german(str(exc)), line=first.line) from None
    return PeriodDraft(
        key=key,
        title=first.get("title"),
        classification=classification,
        description=first.get("description"),
        recurrence=f"{len(rows)} dates" if len(rows) > 1 else None,
        timezone=first.get("timezone") or zone_name,
        origin=f"line {first.line}",
    )


def _in_english(value: str | None, german: dict[str, str]) -> str | None:
    """A category or level as the classifier knows it; a German word becomes its English one."""
    if not value:
        return None
    return german.get(value.strip().lower(), value)


def _with_german(message: str) -> str:
    """A refused category or level names the German words too."""
    for refused, german in (
        ("unknown level", GERMAN_LEVELS),
        ("unknown category", GERMAN_CATEGORIES),
    ):
        if message.startswith(refused) and message.endswith(")"):
            return f"{message[:-1]}; in German {', '.join(german)})"
    return message


def _occurrences(
    period: PeriodDraft, rows: list[_Row], zone: tzinfo, options: ParseOptions
) -> Iterator[OccurrenceDraft]:
    key = period.key
    seen: dict[str, int] = {}
    for row in rows:
        row_zone = _zone(row) or zone
        start, end, original = _span(row, row_zone)
        instance = ONE_OFF if len(rows) == 1 else instance_label(original, row_zone)
        if instance in seen:
            raise CalendarError(
                f"{key!r} starts at the same time as on line {seen[instance]}", line=row.line
            )
        seen[instance] = row.line
        if options.horizon.overlaps(start, end):
            title = row.get("title")
            yield OccurrenceDraft(
                start, end, key, instance, title if title != period.title else None
            )


def _zone(row: _Row) -> tzinfo | None:
    name = row.get("timezone")
    if not name:
        return None
    try:
        return load_zone(name)
    except CalendarError as error:
        error.line = row.line
        raise


def _span(row: _Row, zone: tzinfo) -> tuple[datetime, datetime, date | datetime]:
    """Start and end as UTC instants, and the start as written (for the instance)."""
    start = _when(row, "start")
    end_text = row.get("end")
    if not end_text:
        if isinstance(start, datetime):
            raise CalendarError("end is required when start has a time of day", line=row.line)
        return local_midnight(start, zone), local_midnight(start + timedelta(days=1), zone), start
    end = _when(row, "end")
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise CalendarError("start and end must both be dates or both date-times", line=row.line)
    if not isinstance(start, datetime):
        if end < start:
            raise CalendarError(f"end before start ({end} is before {start})", line=row.line)
        # A date in a sheet is the last day of the period, so the span runs to the next midnight.
        return local_midnight(start, zone), local_midnight(end + timedelta(days=1), zone), start
    begins, ends = to_utc(start, zone), to_utc(end, zone)
    if ends < begins:
        raise CalendarError(
            f"end before start ({end_text} is before {row.get('start')})", line=row.line
        )
    return begins, ends, start


def _when(row: _Row, column: str) -> date | datetime:
    text = row.get(column)
    if not text:
        raise CalendarError(f"{column} is empty", line=row.line)
    when = _parsed(row, column, text)
    if not FIRST_YEAR <= when.year <= LAST_YEAR:  # past 9999 the day after overflows
        raise CalendarError(
            f"{column} {text!r} is out of range: years {FIRST_YEAR} to {LAST_YEAR}", line=row.line
        )
    return when


def _parsed(row: _Row, column: str, text: str) -> date | datetime:
    try:
        if match := _DATE_ISO.match(text):
            return date(*(int(part) for part in match.groups()))
        if match := _DATE_DOTTED.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _DATETIME_DOTTED.match(text):
            day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
            return datetime(year, month, day, hour, minute, second)
        if re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}", text):
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CalendarError(f"{column} {text!r} is not a real date: {exc}", line=row.line) from None
    raise CalendarError(
        f"{column} {text!r} is not a date (2026-11-27 or 27.11.2026) "
        "or a date-time (2026-11-27 08:00)",
        line=row.line,
    )
