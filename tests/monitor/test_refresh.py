"""The rolling horizon: stored calendars are expanded again as time moves on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from monitor.db.engine import session_scope
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.refresh import refresh_stale_calendars
from monitor.settings import Settings
from monitor.store.queries import OccurrenceFilter, list_occurrences
from tests.monitor.samples import event, ics

WEEKLY = event("weekly@acme", "Inventur", "20261202", "20261203", "RRULE:FREQ=WEEKLY")


def occurrence_starts(engine: Engine) -> list[datetime]:
    with session_scope(engine) as session:
        rows = list_occurrences(session, OccurrenceFilter(limit=5000))
    return [row.occurrence.start for row in rows]


def test_refresh_extends_the_horizon_and_drops_the_distant_past(
    engine: Engine, settings: Settings
) -> None:
    settings = settings.model_copy(update={"horizon_past_days": 7, "horizon_future_days": 28})
    upload = ImportRequest(UploadedSource(name="warehouse", data=ics(WEEKLY)))
    imported_at = datetime(2026, 12, 1, tzinfo=UTC)
    import_calendar(engine, settings, upload, now=imported_at)
    before = occurrence_starts(engine)

    later = imported_at + timedelta(days=60)
    refreshed = refresh_stale_calendars(engine, settings, now=later)

    after = occurrence_starts(engine)
    assert refreshed == ["warehouse"]
    assert max(before) < imported_at + timedelta(days=28)
    assert min(after) >= later - timedelta(days=8)
    assert max(after) >= later + timedelta(days=20)


def test_fresh_calendars_are_left_alone(engine: Engine, settings: Settings) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    import_calendar(
        engine, settings, ImportRequest(UploadedSource(name="w", data=ics(WEEKLY))), now=now
    )

    assert refresh_stale_calendars(engine, settings, now=now + timedelta(hours=12)) == []
