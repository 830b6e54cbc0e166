"""Calendar uploads, shared by the CLI and the API: options, preview, import.

Reading an upload, and storing what it yields, run in a worker process
(:mod:`monitor.jobs`) under ``CLOSEWATCH_JOB_SECONDS``: the upload's bytes and
how to read them go there; a preview gets the
:class:`~calendars.ParsedCalendar` back, an import only what it changed (the
worker opens the database itself and stores in one transaction, so a 50,000-row
calendar costs the server nothing). Whatever goes wrong there comes back as a
CalendarError naming the upload, the time limit included, so the API, the
pages, the CLI and the daily refresh each say it their own way. A job stopped
at its limit stores nothing: its transaction never commits.

Parsing needs only the ``calendars`` library; the database stack loads when
something is stored, so ``closewatch calendar preview`` starts fast; it reads its
one file in its own process, under the limits a worker has.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from calendars import CalendarError, Horizon, ParsedCalendar
from calendars.classify import DEFAULT_RULES, MappingRule
from calendars.decode import text_encoding
from calendars.load import load_calendar
from calendars.options import ParseOptions, load_zone

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.reading_settings import ReadingSettings
    from monitor.settings import Settings

    # All the settings, or only those reading needs (``calendar preview`` loads only those).
    ReadSettings: TypeAlias = Settings | ReadingSettings

T = TypeVar("T")


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


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import stored, as it comes back from the worker that stored it."""

    name: str
    created: bool
    periods: int  # in the upload
    occurrences: int
    warnings: tuple[str, ...]
    periods_added: int
    periods_updated: int
    periods_removed: int
    occurrences_added: int
    occurrences_updated: int
    occurrences_removed: int


def horizon_for(settings: ReadSettings, now: datetime) -> Horizon:
    return Horizon.around(
        now, past_days=settings.horizon_past_days, future_days=settings.horizon_future_days
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """How the service reads any upload: its settings and the horizon, for a worker."""

    horizon: Horizon
    default_timezone: str
    max_occurrences_per_series: int
    max_occurrences: int

    @classmethod
    def of(cls, settings: ReadSettings, horizon: Horizon) -> Reading:
        return cls(
            horizon,
            default_timezone=settings.timezone,
            max_occurrences_per_series=settings.max_occurrences_per_series,
            max_occurrences=settings.max_occurrences_per_upload,
        )


@dataclass(frozen=True, slots=True)
class ReadJob:
    """One upload and how to read it; pickled across the process boundary."""

    request: ImportRequest
    reading: Reading

    @property
    def source_name(self) -> str:
        return self.request.source.filename or self.request.source.name


def parse_upload(
    settings: ReadSettings, request: ImportRequest, *, horizon: Horizon, here: bool = False
) -> ParsedCalendar:
    """Parse and expand without storing anything (the preview), in a worker process.

    CalendarError for anything wrong with the upload, the time and memory limits
    included; :class:`~monitor.jobs.WorkersBusy` when every worker stays busy.
    """
    job = ReadJob(request, Reading.of(settings, horizon))
    return in_worker(settings, job.source_name, read_upload, job, here=here)


def import_calendar(
    engine: Engine, settings: Settings, request: ImportRequest, *, now: datetime
) -> Imported:
    """Parse, then store in one transaction, in a worker: a failed parse stores nothing.

    ValueError for a name that cannot name a calendar (callers check it first, to
    name the field or option it came from).
    """
    calendar_name(request.source.name)
    if request.source.encoding:  # kept by its canonical name, which fits its column
        source = replace(request.source, encoding=text_encoding(request.source.encoding))
        request = replace(request, source=source)
    job = ReadJob(request, Reading.of(settings, horizon_for(settings, now)))
    return in_worker(settings, job.source_name, store_upload, job, database_url(engine), now)


def in_worker(
    settings: ReadSettings, source: str, job: Callable[..., T], *args: object, here: bool = False
) -> T:
    """``job(*args)`` in the job pool, or ``here`` in this process (a command that reads one
    file), its limits turned into CalendarErrors naming ``source``."""
    from monitor.jobs import JobTimedOut, WorkerDied, run_here, shared_pool

    limit, memory_bytes = settings.job_seconds, settings.job_memory_mb * 2**20
    try:
        if here:
            return run_here(job, *args, limit=limit, memory_bytes=memory_bytes)
        pool = shared_pool(settings.job_workers, memory_bytes=memory_bytes)
        return pool.run(job, *args, limit=limit)
    except JobTimedOut as exc:
        raise CalendarError(
            f"reading it took longer than the limit of {exc.limit:g} s (CLOSEWATCH_JOB_SECONDS); "
            "split it into smaller calendars or shorten its series",
            source=source,
        ) from None
    except MemoryError:
        raise CalendarError(
            f"reading it needs more memory than the limit of {settings.job_memory_mb} MiB "
            "(CLOSEWATCH_JOB_MEMORY_MB)",
            source=source,
        ) from None
    except WorkerDied as exc:
        raise CalendarError(f"it could not be read: {exc}", source=source) from None


def database_url(engine: Engine) -> str:
    """The URL a worker connects with (it carries the password: it goes through a pipe only)."""
    return engine.url.render_as_string(hide_password=False)


# --- what runs in the worker ---------------------------------------------------------------


def read_upload(job: ReadJob) -> ParsedCalendar:
    """Read one upload: the job behind :func:`parse_upload`."""
    upload, reading = job.request.source, job.reading
    if job.request.timezone is not None:
        load_zone(job.request.timezone)
    options = ParseOptions(
        horizon=reading.horizon,
        timezone=job.request.timezone,
        default_timezone=reading.default_timezone,
        max_occurrences_per_series=reading.max_occurrences_per_series,
        max_occurrences=reading.max_occurrences,
        mapping=_mapping_rules(upload.mapping),
    )
    return load_calendar(
        upload.data,
        source=job.source_name,
        options=options,
        format=job.request.format,
        encoding=upload.encoding,
    )


def _mapping_rules(mapping: str | None) -> tuple[MappingRule, ...]:
    """The upload's own rules (they bring PyYAML, so only when it has some), else the built-in."""
    if not mapping:
        return DEFAULT_RULES
    from calendars.mapping import parse_mapping

    return parse_mapping(mapping)


def store_upload(job: ReadJob, url: str, now: datetime) -> Imported:
    """Read one upload and store it in one transaction: the job behind :func:`import_calendar`."""
    from monitor.db.engine import session_scope
    from monitor.store.calendars import save_calendar

    parsed = read_upload(job)
    with session_scope(worker_engine(url)) as session:
        summary = save_calendar(session, job.request.source, parsed, now=now)
        return Imported(
            name=summary.calendar.name,
            created=summary.created,
            periods=len(parsed.periods),
            occurrences=len(parsed.occurrences),
            warnings=tuple(str(warning) for warning in parsed.warnings),
            periods_added=summary.periods_added,
            periods_updated=summary.periods_updated,
            periods_removed=summary.periods_removed,
            occurrences_added=summary.occurrences_added,
            occurrences_updated=summary.occurrences_updated,
            occurrences_removed=summary.occurrences_removed,
        )


@functools.lru_cache(maxsize=8)
def worker_engine(url: str) -> Engine:
    """A worker's engine for ``url``: a connection per job, none kept between jobs."""
    from sqlalchemy.pool import NullPool

    from monitor.db.engine import make_engine

    return make_engine(url, poolclass=NullPool)
