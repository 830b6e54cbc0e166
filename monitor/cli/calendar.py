"""``closewatch calendar``: preview and import calendars."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

from calendars import Horizon, Level, ParsedCalendar
from calendars.options import load_zone
from calendars.text import unwanted_in
from monitor.cli.common import (
    UsageProblem,
    instant,
    json_text,
    now,
    read_file,
    read_text,
    ready_engine,
    say,
    settings,
)
from monitor.timefmt import iso_z

if TYPE_CHECKING:
    from monitor.imports import ImportRequest

app = typer.Typer(help="Preview and import business calendars.", no_args_is_help=True)

TIMEZONE = typer.Option(None, "--timezone", help="IANA zone of the calendar, e.g. Europe/Berlin.")
ENCODING = typer.Option(None, help="Encoding of a file not in UTF-8, e.g. latin-1.")
MAPPING = typer.Option(None, help="YAML file of mapping rules for classification.")
FORMAT = typer.Option(None, "--format", help="ics, csv or rules; default: from the content.")


@app.command()
def preview(
    file: Path = typer.Argument(..., help="An .ics, .csv, .yaml or .json calendar."),
    start: str | None = typer.Option(
        None, "--from", help="Date or date-time; default a month ago."
    ),
    end: str | None = typer.Option(
        None, "--to", help="Date or date-time; default ~13 months ahead."
    ),
    timezone: str | None = TIMEZONE,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    encoding: str | None = ENCODING,
    mapping: Path | None = MAPPING,
    format: str | None = FORMAT,
) -> None:
    """Parse, classify and expand FILE without storing anything."""
    from monitor.imports import horizon_for, parse_upload

    config = settings()
    zone = load_zone(timezone or config.timezone)
    default = horizon_for(config, now())
    horizon = _horizon(
        instant(start, zone, "--from") or default.start, instant(end, zone, "--to") or default.end
    )
    request = _request(file, file.stem, timezone, encoding, mapping, format)
    parsed = parse_upload(config, request, horizon=horizon)
    if as_json:
        typer.echo(json_text(_preview_json(parsed)))
    else:
        _print_table(parsed)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="An .ics, .csv, .yaml or .json calendar."),
    name: str = typer.Option(..., help="Calendar name; importing the same name again updates it."),
    team: str = typer.Option("", help="The team that owns the calendar."),
    timezone: str | None = TIMEZONE,
    encoding: str | None = ENCODING,
    mapping: Path | None = MAPPING,
    format: str | None = FORMAT,
) -> None:
    """Import FILE as calendar NAME (created, or updated in place)."""

    from monitor.imports import calendar_name, import_calendar

    try:
        calendar_name(name)
    except ValueError as exc:
        raise UsageProblem(f"--name: {exc}") from None
    found = unwanted_in(team)
    if found or len(team) > 200:
        raise UsageProblem(f"--team: {f'contains a control character ({found})' if found else 'at most 200 characters'}")  # fmt: skip
    config = settings()
    request = _request(file, name, timezone, encoding, mapping, format, team=team)
    summary = import_calendar(ready_engine(config), config, request, now=now())
    verb = "created" if summary.created else "updated"
    say(
        f"calendar {name!r} {verb}: {summary.periods} periods "
        f"(+{summary.periods_added} ~{summary.periods_updated} -{summary.periods_removed}), "
        f"{summary.occurrences} occurrences "
        f"(+{summary.occurrences_added} ~{summary.occurrences_updated} -{summary.occurrences_removed})"
    )
    for warning in summary.warnings:
        say(f"warning: {warning}", err=True)


@app.command("list")
def list_() -> None:
    """List stored calendars."""
    from monitor.db.engine import session_scope
    from monitor.store.queries import list_calendars

    with session_scope(ready_engine(settings())) as session:
        rows = list_calendars(session)
    for row in rows:
        c = row.calendar
        say(
            f"{c.name}\t{c.format}\t{c.timezone}\t{row.periods} periods\t{row.occurrences} occurrences"
        )


def _request(
    file: Path,
    name: str,
    timezone: str | None,
    encoding: str | None,
    mapping: Path | None,
    format: str | None,
    *,
    team: str = "",
) -> ImportRequest:
    from monitor.imports import ImportRequest, UploadedSource

    source = UploadedSource(
        name=name,
        data=read_file(file),
        filename=file.name,
        team=team,
        encoding=encoding,
        mapping=read_text(mapping) if mapping else None,
    )
    return ImportRequest(source, timezone=timezone, format=format)


def _horizon(start: datetime, end: datetime) -> Horizon:
    if end <= start:
        raise UsageProblem("--to must be after --from")
    return Horizon(start, end)


def _preview_json(parsed: ParsedCalendar) -> dict[str, object]:
    periods = {period.key: period for period in parsed.periods}
    return {
        "format": parsed.format,
        "timezone": parsed.timezone,
        "occurrences": [
            {
                "title": occurrence.title or periods[occurrence.period_key].title,
                "category": periods[occurrence.period_key].classification.category.value,
                "level": periods[occurrence.period_key].classification.level.label,
                "start": iso_z(occurrence.start),
                "end": iso_z(occurrence.end),
                "period": occurrence.period_key,
                "classified_by": periods[occurrence.period_key].classification.source,
            }
            for occurrence in parsed.occurrences
        ],
        "warnings": [str(warning) for warning in parsed.warnings],
    }


def _print_table(parsed: ParsedCalendar) -> None:
    zone = ZoneInfo(parsed.timezone)
    periods = {period.key: period for period in parsed.periods}
    say(f"{parsed.format} calendar, times in {parsed.timezone}")
    say(f"{'start':<16}  {'end':<16}  {'level':<8}  {'category':<15}  title")
    for occurrence in parsed.occurrences:
        period = periods[occurrence.period_key]
        c = period.classification
        marker = " (unclassified)" if c.source == "default" else ""
        say(
            f"{occurrence.start.astimezone(zone):%Y-%m-%d %H:%M}  "
            f"{occurrence.end.astimezone(zone):%Y-%m-%d %H:%M}  "
            f"{Level(c.level).label:<8}  {c.category.value:<15}  "
            f"{occurrence.title or period.title}{marker}"
        )
    say(f"{len(parsed.occurrences)} occurrences of {len(parsed.periods)} periods")
    for warning in parsed.warnings:
        say(f"warning: {warning}")
