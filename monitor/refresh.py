"""The rolling horizon: re-expand stored calendars as time moves on.

A recurring period's occurrences are stored over a window (a month back to
about thirteen months ahead). Once a day each calendar's kept source is
expanded again over the current window, updating in place. Each calendar is
read and stored by a worker process (:mod:`monitor.jobs`), as an upload is:
what a user once sent never runs in the server's process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import col

from calendars import CalendarError
from monitor.db.engine import session_scope
from monitor.db.models import Calendar
from monitor.imports import (
    ImportRequest,
    Reading,
    ReadJob,
    UploadedSource,
    database_url,
    horizon_for,
    in_worker,
    read_upload,
    worker_engine,
)
from monitor.jobs import WorkersBusy
from monitor.settings import Settings
from monitor.store.calendars import refresh_occurrences

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One calendar's refresh, as it comes back from the worker: its name, or why not."""

    name: str
    problem: str | None = None


def refresh_stale_calendars(engine: Engine, settings: Settings, *, now: datetime) -> list[str]:
    """Re-expand every calendar last expanded more than a day before ``now``; their names."""
    with session_scope(engine) as session:
        stale = (
            session.execute(
                select(col(Calendar.id)).where(col(Calendar.expanded_at) < now - REFRESH_AFTER)
            )
            .scalars()
            .all()
        )
    reading = Reading.of(settings, horizon_for(settings, now))
    refreshed = []
    for calendar_id in stale:
        try:
            done = in_worker(
                settings, f"calendar {calendar_id}", refresh_calendar,
                calendar_id, reading, database_url(engine), now,
            )  # fmt: skip
        except CalendarError as error:  # its time or memory limit: keep the old occurrences
            log.warning("calendar could not be expanded again: %s", error)
            continue
        except WorkersBusy:
            log.info("calendars wait for the next round to be expanded again: workers are busy")
            break
        if done is None:  # deleted meanwhile
            continue
        if done.problem is not None:
            # The source parsed when it was uploaded; keep its old occurrences and say why.
            log.warning("calendar %r could not be expanded again: %s", done.name, done.problem)
            continue
        refreshed.append(done.name)
    return refreshed


def refresh_calendar(
    calendar_id: int, reading: Reading, url: str, now: datetime
) -> Refreshed | None:
    """Re-expand one stored calendar and store the result: the job for a worker."""
    with session_scope(worker_engine(url)) as session:
        calendar = session.get(Calendar, calendar_id, with_for_update=True)
        if calendar is None:
            return None
        request = ImportRequest(
            UploadedSource(
                name=calendar.name,
                data=calendar.source,
                filename=calendar.filename,
                encoding=calendar.encoding,
                mapping=calendar.mapping,
            ),
            timezone=calendar.timezone,
            format=calendar.format,
        )
        try:
            parsed = read_upload(ReadJob(request, reading))
        except CalendarError as error:
            return Refreshed(calendar.name, str(error))
        refresh_occurrences(session, calendar, parsed, now=now)
        return Refreshed(calendar.name)
