"""``closewatch calendar``: preview, import and subscribe to calendars."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from calendars import Horizon, Level, ParsedCalendar
from calendars.options import load_zone
from calendars.text import unwanted_in
from monitor.cli.common import (
    FILE,
    UsageProblem,
    instant,
    json_text,
    now,
    read_file,
    read_text,
    reading_settings,
    ready_engine,
    say,
    settings,
)
from monitor.timefmt import iso_z

if TYPE_CHECKING:
    from monitor.imports import ImportRequest

app = click.Group("calendar", help="Preview and import business calendars.")

TIMEZONE = click.option("--timezone", help="IANA zone of the calendar, e.g. Europe/Berlin.")
ENCODING = click.option("--encoding", help="Encoding of a file not in UTF-8, e.g. latin-1.")
MAPPING = click.option(
    "--mapping", type=FILE, help="YAML file of mapping rules for classification."
)
FORMAT = click.option("--format", help="ics, csv or rules; default: from the content.")


@app.command()
@click.argument("file", type=FILE)
@click.option("--from", "start", help="Date or date-time; default a month ago.")
@click.option("--to", "end", help="Date or date-time; default ~13 months ahead.")
@TIMEZONE
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@ENCODING
@MAPPING
@FORMAT
def preview(
    file: Path,
    start: str | None,
    end: str | None,
    timezone: str | None,
    as_json: bool,
    encoding: str | None,
    mapping: Path | None,
    format: str | None,
) -> None:
    """Parse, classify and expand FILE (.ics, .csv, .yaml or .json) without storing anything."""
    from monitor.imports import horizon_for, parse_upload

    config = reading_settings()
    zone = load_zone(timezone or config.timezone)
    default = horizon_for(config, now())
    horizon = _horizon(
        instant(start, zone, "--from") or default.start, instant(end, zone, "--to") or default.end
    )
    request = _request(file, file.stem, timezone, encoding, mapping, format)
    parsed = parse_upload(config, request, horizon=horizon, here=True)
    if as_json:
        click.echo(json_text(_preview_json(parsed)))
    else:
        _print_table(parsed)


@app.command("import")
@click.argument("file", type=FILE)
@click.option(
    "--name", required=True, help="Calendar name; importing the same name again updates it."
)
@click.option("--team", default="", help="The team that owns the calendar.")
@TIMEZONE
@ENCODING
@MAPPING
@FORMAT
def import_(
    file: Path,
    name: str,
    team: str,
    timezone: str | None,
    encoding: str | None,
    mapping: Path | None,
    format: str | None,
) -> None:
    """Import FILE (.ics, .csv, .yaml or .json) as calendar NAME (created, or updated in place)."""

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


@app.command()
@click.argument("name")
@click.argument("url")
@click.option("--every", default="1h", show_default=True, help="How often to fetch it, 10s to 7d.")
@click.option("--header", multiple=True, help="A request header 'Name: value'; repeatable.")
@TIMEZONE
@MAPPING
@click.option("--caldav", is_flag=True, help="URL is a CalDAV calendar collection.")
@click.option("--username", help="User name for CalDAV or HTTP basic auth.")
@click.option("--password", help="Its password; '-' reads it from standard input.")
def subscribe(
    name: str,
    url: str,
    every: str,
    header: tuple[str, ...],
    timezone: str | None,
    mapping: Path | None,
    caldav: bool,
    username: str | None,
    password: str | None,
) -> None:
    """Fetch URL (http, https or webcal address of an .ics file, or a CalDAV collection) as
    calendar NAME now, then again every --every (on the service's leader); subscribing the same
    NAME again replaces it."""
    import sys

    from monitor.subscriptions.refresh import (
        SubscribeRequest,
        SubscriptionProblem,
        every_seconds,
        header_pair,
    )
    from monitor.subscriptions.refresh import subscribe as subscribe_to

    if password == "-":
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        request = SubscribeRequest(
            name=name, url=url, kind="caldav" if caldav else "ics", every_seconds=every_seconds(every),
            headers=tuple(header_pair(text) for text in header), username=username,
            password=password, timezone=timezone, mapping=read_text(mapping) if mapping else None,
        )  # fmt: skip
        config = settings()
        done = subscribe_to(ready_engine(config), config, request, now=now())
    except SubscriptionProblem as exc:
        option = {"name": "NAME", "url": "URL"}.get(exc.field or "", f"--{exc.field}")
        raise UsageProblem(f"{option}: {exc}") from None
    imported = done.imported
    assert imported is not None
    say(f"calendar {name!r} subscribed, fetched every {every}: {imported.periods} periods, {imported.occurrences} occurrences")  # fmt: skip
    for warning in imported.warnings:
        say(f"warning: {warning}", err=True)


@app.command()
@click.argument("name")
def refresh(name: str) -> None:
    """Fetch subscribed calendar NAME now; a failure keeps its last good version (exit status 1)."""
    from monitor.subscriptions.refresh import RefreshBusy, refresh_subscription

    config = settings()
    try:
        done = refresh_subscription(ready_engine(config), config, name, now=now())
    except RefreshBusy as exc:
        raise UsageProblem(str(exc)) from None
    if done is None:
        raise UsageProblem(f"no subscription named {name!r}")
    if done.error is not None:
        say(f"calendar {name!r} not refreshed, its last good version stays: {done.error}", err=True)
        raise click.exceptions.Exit(1)
    if done.imported is None:
        say(f"calendar {name!r} is unchanged")
        return
    i = done.imported
    say(
        f"calendar {name!r} refreshed: {i.periods} periods, {i.occurrences} occurrences "
        f"(+{i.occurrences_added} ~{i.occurrences_updated} -{i.occurrences_removed})"
    )


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
