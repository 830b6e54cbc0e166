"""What the subcommands share: settings, the engine, the clock, file reading."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from monitor.db.engine import make_engine
from monitor.db.migrate import upgrade
from monitor.settings import Settings


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
