"""What the subcommands share: settings, the engine, the clock, times and files.

The command line starts fast because the database, web and scheduler stacks
load only inside the commands that use them: ``closewatch --help`` and
``closewatch lint`` never import SQLAlchemy or FastAPI. Keep it so in new
commands: heavy imports go inside the command function, and names used only
in annotations under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from calendars.text import shown
from monitor.clock import system_clock

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.reading_settings import ReadingSettings
    from monitor.settings import Settings
    from monitor.site import Site, SiteFile


class UsageProblem(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


class SiteProblem(ValueError):
    """A site file that cannot be used; printed as one line, exit status 2."""


# A file argument or option: a Path, read by read_file/read_text, which say what is wrong.
FILE = click.Path(path_type=Path)
# The commands act at the moment they run; their --at/--from/--to options say otherwise.
now = system_clock
# Options take times between these years: beyond them date arithmetic overflows.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
# JSON escapes C0 controls itself; these would still reach a terminal raw.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def say(text: str, *, err: bool = False) -> None:
    """Print ``text`` for people: stored names and titles cannot ring the terminal or
    move its cursor, as control characters are shown as escapes (``\\x1b``)."""
    click.echo(shown(text), err=err)


def json_text(document: Any) -> str:
    """``document`` as the commands print JSON: readable UTF-8, every control escaped."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _JSON_RAW.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def check_id(option: str, value: int | None) -> None:
    """An id the database can hold (1 to 2**31 - 1), or a UsageProblem naming the option."""
    from monitor.fields import LARGEST_ID

    if value is not None and not 1 <= value <= LARGEST_ID:
        raise UsageProblem(f"{option}: {value} is not an id (1 to {LARGEST_ID})")


def settings() -> Settings:
    """The settings from the environment; a bad value is a UsageProblem naming the variable."""
    from pydantic import ValidationError

    from monitor.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise UsageProblem(f"setting {('CLOSEWATCH_' + field).upper()}: {message}") from None


def reading_settings() -> ReadingSettings:
    """Only what reading a calendar needs, from the same variables, without Pydantic."""
    from monitor.reading_settings import ReadingSettings, SettingProblem

    try:
        return ReadingSettings.from_environment()
    except SettingProblem as problem:
        raise UsageProblem(str(problem)) from None


def ready_engine(config: Settings) -> Engine:
    """The configured database, with its schema brought up to date."""
    from monitor.db.engine import make_engine
    from monitor.db.migrate import upgrade

    engine = make_engine(config.effective_database_url)
    upgrade(engine)
    return engine


def site_file(config: Settings) -> SiteFile | None:
    """The configured site file, or None; a bad one is a SiteProblem naming its line."""
    from monitor.site import read_site_file

    try:
        return read_site_file(config.site_file) if config.site_file else None
    except ValueError as exc:
        raise SiteProblem(str(exc)) from None


def site_of(config: Settings) -> Site:
    """The site as the commands see it: the site file, or the defaults when there is none."""
    from monitor.site import EMPTY_SITE, Site

    return Site(site_file(config) or EMPTY_SITE, default_timezone=config.timezone)


def instant(text: str | None, zone: ZoneInfo, option: str) -> datetime | None:
    """An option's time: a date means its local midnight; a date-time without offset is local."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            value = datetime.combine(date.fromisoformat(text), time(), zone)
        else:
            value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageProblem(f"{option}: {text!r} is not a date (2026-11-30) or date-time") from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise UsageProblem(f"{option}: the year must lie between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value if value.tzinfo else value.replace(tzinfo=zone)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageProblem(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise UsageProblem(f"{path}: cannot be read ({exc.strerror})") from None


def read_text(path: Path) -> str:
    data = read_file(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageProblem(f"{path}: not UTF-8 text") from None
