"""What the subcommands share: settings, the engine, the clock, file reading."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from monitor.db.engine import make_engine
from monitor.db.migrate import upgrade
from monitor.settings import Settings
from monitor.site import EMPTY_SITE, Site, SiteFile, read_site_file


class UsageProblem(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


class SiteProblem(ValueError):
    """A site file that cannot be used; printed as one line, exit status 2."""


def now() -> datetime:
    return datetime.now(UTC)


def settings() -> Settings:
    return Settings()


def ready_engine(config: Settings) -> Engine:
    """The configured database, with its schema brought up to date."""
    engine = make_engine(config.effective_database_url)
    upgrade(engine)
    return engine


def site_file(config: Settings) -> SiteFile | None:
    """The configured site file, or None; a bad one is a SiteProblem naming its line."""
    try:
        return read_site_file(config.site_file) if config.site_file else None
    except ValueError as exc:
        raise SiteProblem(str(exc)) from None


def site_of(config: Settings) -> Site:
    """The site as the commands see it: the site file, or the defaults when there is none."""
    return Site(site_file(config) or EMPTY_SITE, default_timezone=config.timezone)


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
