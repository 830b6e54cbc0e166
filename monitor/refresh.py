"""The rolling horizon: re-expand stored calendars as time moves on.

A recurring period's occurrences are stored over a window (a month back to
about thirteen months ahead). Once a day each calendar's kept source is
expanded again over the current window, updating in place.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from calendars import CalendarError
from monitor.db.engine import session_scope
from monitor.db.models import Calendar
from monitor.imports import ImportRequest, UploadedSource, horizon_for, parse_upload
from monitor.jobs import WorkersBusy
from monitor.settings import Settings
from monitor.store.calendars import refresh_occurrences

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)


def refresh_stale_calendars(engine: Engine, settings: Settings, *, now: datetime) -> list[str]:
    """Re-expand every calendar last expanded more than a day before ``now``; their names."""
    with session_scope(engine) as session:
        stale = (
            session.execute(select(Calendar.id).where(Calendar.expanded_at < now - REFRESH_AFTER))
            .scalars()
            .all()
        )
    refreshed = []
    for calendar_id in stale:
        name = _refresh_one(engine, settings, calendar_id, now=now)
        if name:
            refreshed.append(name)
    return refreshed


def _refresh_one(
    engine: Engine, settings: Settings, calendar_id: int, *, now: datetime
) -> str | None:
    with session_scope(engine) as session:
        calendar = session.get(Calendar, calendar_id, with_for_update=True)
        if calendar is None:  # deleted meanwhile
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
            parsed = parse_upload(settings, request, horizon=horizon_for(settings, now))
        except CalendarError as error:
            # The source parsed when it was uploaded; keep its old occurrences and say why.
            log.warning("calendar %r could not be expanded again: %s", calendar.name, error)
            return None
        except WorkersBusy:
            log.info("calendar %r waits for the next round: the workers are busy", calendar.name)
            return None
        refresh_occurrences(session, calendar, parsed, now=now)
        return calendar.name
