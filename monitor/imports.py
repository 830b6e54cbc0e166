"""Calendar uploads, shared by the CLI and the API: options, preview, import.

Reading an upload runs in a worker process (:mod:`monitor.jobs`) under
``CLOSEWATCH_JOB_SECONDS``: the upload's bytes and how to read them go there,
the :class:`~calendars.ParsedCalendar` comes back. Whatever goes wrong there
comes back as a CalendarError naming the upload, the time limit included, so
the API, the pages, the CLI and the daily refresh each say it their own way.

Parsing needs only the ``calendars`` library; the database stack loads when
something is stored, so ``closewatch calendar preview`` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from calendars import CalendarError, Horizon, ParsedCalendar
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


@dataclass(frozen=True, slots=True)
class ReadJob:
    """Everything a worker needs to read one upload; pickled across the process boundary."""

    request: ImportRequest
    horizon: Horizon
    default_timezone: str
    max_occurrences_per_series: int
    max_occurrences: int

    @classmethod
    def of(cls, settings: Settings, request: ImportRequest, horizon: Horizon) -> ReadJob:
        return cls(
            request,
            horizon,
            default_timezone=settings.timezone,
            max_occurrences_per_series=settings.max_occurrences_per_series,
            max_occurrences=settings.max_occurrences_per_upload,
        )

    @property
    def source_name(self) -> str:
        return self.request.source.filename or self.request.source.name


def parse_upload(settings: Settings, request: ImportRequest, *, horizon: Horizon) -> ParsedCalendar:
    """Parse and expand without storing anything (the preview), in a worker process.

    CalendarError for anything wrong with the upload, the time and memory limits
    included; :class:`~monitor.jobs.WorkersBusy` when every worker stays busy.
    """
    from monitor.jobs import JobTimedOut, WorkerDied, shared_pool

    job = ReadJob.of(settings, request, horizon)
    pool = shared_pool(settings.job_workers, memory_bytes=settings.job_memory_mb * 2**20)
    try:
        return pool.run(read_upload, job, limit=settings.job_seconds)
    except JobTimedOut as exc:
        raise CalendarError(
            f"reading it took longer than the limit of {exc.limit:g} s (CLOSEWATCH_JOB_SECONDS); "
            "split it into smaller calendars or shorten its series",
            source=job.source_name,
        ) from None
    except MemoryError:
        raise CalendarError(
            f"reading it needs more memory than the limit of {settings.job_memory_mb} MiB "
            "(CLOSEWATCH_JOB_MEMORY_MB)",
            source=job.source_name,
        ) from None
    except WorkerDied as exc:
        raise CalendarError(f"it could not be read: {exc}", source=job.source_name) from None


def read_upload(job: ReadJob) -> ParsedCalendar:
    """Read one upload where it runs: the job for :func:`parse_upload`'s worker."""
    upload = job.request.source
    if job.request.timezone is not None:
        load_zone(job.request.timezone)
    options = ParseOptions(
        horizon=job.horizon,
        timezone=job.request.timezone,
        default_timezone=job.default_timezone,
        max_occurrences_per_series=job.max_occurrences_per_series,
        max_occurrences=job.max_occurrences,
        mapping=parse_mapping(upload.mapping) if upload.mapping else DEFAULT_RULES,
    )
    return load_calendar(
        upload.data,
        source=job.source_name,
        options=options,
        format=job.request.format,
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
