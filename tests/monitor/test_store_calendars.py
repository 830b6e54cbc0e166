"""Storing calendars: in place by name, nothing duplicated, UTC in and out; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from calendars import Horizon
from calendars.load import load_calendar
from calendars.options import ParseOptions
from monitor.db.engine import session_scope
from monitor.db.models import Calendar, Occurrence, Period, PeriodTarget
from monitor.imports import UploadedSource
from monitor.store.calendars import delete_calendar, find_calendar, save_calendar
from monitor.store.queries import OccurrenceFilter, list_occurrences, list_periods
from tests.conftest import NOW
from tests.monitor.samples import INVENTORY, MONTH_END, TEAM_LUNCH, event, ics

CALENDAR_FIXTURES = Path(__file__).parents[1] / "calendars" / "fixtures"
HORIZON = Horizon(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC))


def store(engine: Engine, name: str, data: bytes, *, now: datetime = NOW):  # type: ignore[no-untyped-def]
    parsed = load_calendar(
        data, source=f"{name}.ics", options=ParseOptions(horizon=HORIZON, timezone="Europe/Berlin")
    )
    with session_scope(engine) as session:
        return save_calendar(session, UploadedSource(name=name, data=data), parsed, now=now)


def count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def occurrence_ids(engine: Engine) -> dict[tuple[str, datetime], int]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(Period.key, Occurrence.start, Occurrence.id).join(Period)
        ).all()
    return {(key, start): occurrence_id for key, start, occurrence_id in rows}


def test_first_save_stores_periods_occurrences_and_targets(engine: Engine) -> None:
    summary = store(engine, "finance", ics(MONTH_END, INVENTORY))

    assert summary.created
    assert (summary.periods_added, summary.occurrences_added) == (2, 4)
    assert count(engine, PeriodTarget) == 5
    with session_scope(engine) as session:
        stored = find_calendar(session, "finance")
    assert stored is not None
    assert stored.timezone == "Europe/Berlin"
    assert stored.source == ics(MONTH_END, INVENTORY)  # kept verbatim
    assert len(stored.content_hash) == 64


def test_reupload_with_same_name_updates_in_place_without_duplicates(engine: Engine) -> None:
    store(engine, "finance", ics(MONTH_END, INVENTORY))
    before = occurrence_ids(engine)

    summary = store(engine, "finance", ics(MONTH_END, INVENTORY))

    assert not summary.created
    assert (summary.periods_added, summary.periods_removed) == (0, 0)
    assert (summary.occurrences_added, summary.occurrences_updated) == (0, 0)
    assert count(engine, Calendar) == 1
    assert count(engine, Period) == 2
    assert occurrence_ids(engine) == before  # ids survive, so later notices keep their link


def test_reupload_of_events_without_uids_updates_in_place(engine: Engine) -> None:
    bare = (CALENDAR_FIXTURES / "spreadsheet_macro_bare_vevents_no_uid_no_dtstamp.ics").read_bytes()
    store(engine, "closing", bare)
    before = occurrence_ids(engine)

    summary = store(engine, "closing", bare)

    assert (summary.periods_added, summary.periods_removed) == (0, 0)
    assert (summary.occurrences_added, summary.occurrences_removed) == (0, 0)
    assert count(engine, Period) == 3
    assert occurrence_ids(engine) == before


def test_events_removed_from_the_file_disappear(engine: Engine) -> None:
    store(engine, "finance", ics(MONTH_END, INVENTORY, TEAM_LUNCH))

    summary = store(engine, "finance", ics(MONTH_END))

    assert summary.periods_removed == 2
    assert summary.occurrences_removed == 2
    with session_scope(engine) as session:
        assert [row.period.key for row in list_periods(session)] == ["close@acme"]
    assert count(engine, PeriodTarget) == 3  # sap-fi, invoicing, finance


def test_moved_one_off_event_keeps_its_occurrence_id(engine: Engine) -> None:
    store(engine, "finance", ics(INVENTORY))
    (original_id,) = occurrence_ids(engine).values()
    moved = INVENTORY.replace("20261230", "20261229").replace("20261231", "20261230")

    summary = store(engine, "finance", ics(moved))

    assert (summary.occurrences_added, summary.occurrences_updated) == (0, 1)
    assert occurrence_ids(engine) == {
        ("inventory@acme", datetime(2026, 12, 28, 23, 0, tzinfo=UTC)): original_id
    }


def test_changed_classification_updates_stored_occurrences(engine: Engine) -> None:
    store(engine, "finance", ics(INVENTORY))
    critical = INVENTORY.replace(
        "CATEGORIES:inventory_count", "CATEGORIES:inventory_count\r\nX-CLOSEWATCH-LEVEL:critical"
    )

    summary = store(engine, "finance", ics(critical))

    assert summary.occurrences_updated == 1
    with session_scope(engine) as session:
        (row,) = list_occurrences(session, OccurrenceFilter())
    assert row.occurrence.level == 3


def test_delete_removes_periods_and_occurrences(engine: Engine) -> None:
    store(engine, "finance", ics(MONTH_END, INVENTORY))
    store(engine, "warehouse", ics(TEAM_LUNCH))

    with session_scope(engine) as session:
        calendar = find_calendar(session, "finance")
        assert calendar is not None
        delete_calendar(session, calendar)

    assert count(engine, Calendar) == 1
    assert count(engine, Period) == 1
    assert count(engine, Occurrence) == 1
    assert count(engine, PeriodTarget) == 0


def test_instants_come_back_as_the_same_utc_instant(engine: Engine) -> None:
    store(engine, "finance", ics(INVENTORY))

    with session_scope(engine) as session:
        (row,) = list_occurrences(session, OccurrenceFilter())

    # 30 December in Berlin (UTC+1) starts at 23:00 UTC the day before.
    assert row.occurrence.start == datetime(2026, 12, 29, 23, 0, tzinfo=UTC)
    assert row.occurrence.start.tzinfo is not None
    assert row.occurrence.end - row.occurrence.start == timedelta(days=1)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    store(engine, "finance", ics(INVENTORY))
    with pytest.raises(Exception, match="naive datetime"), session_scope(engine) as session:
        session.execute(select(Occurrence).where(Occurrence.start > datetime(2026, 1, 1)))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (OccurrenceFilter(), 5),
        (OccurrenceFilter(category="inventory_count"), 1),
        (OccurrenceFilter(system="sap-fi"), 3),
        (OccurrenceFilter(system="wms"), 1),
        (OccurrenceFilter(audience="warehouse"), 1),
        (OccurrenceFilter(system="sap-fi", audience="warehouse"), 0),
        (OccurrenceFilter(calendar="finance"), 4),
        # Overlap, not containment: the November close runs 27 Nov to 2 Dec.
        (
            OccurrenceFilter(
                start=datetime(2026, 12, 1, tzinfo=UTC), end=datetime(2026, 12, 4, tzinfo=UTC)
            ),
            2,
        ),
        (OccurrenceFilter(start=datetime(2027, 1, 1, tzinfo=timezone(timedelta(hours=1)))), 1),
        (OccurrenceFilter(limit=2), 2),
    ],
)
def test_occurrence_filters(engine: Engine, where: OccurrenceFilter, expected: int) -> None:
    store(engine, "finance", ics(MONTH_END, INVENTORY))
    store(engine, "office", ics(TEAM_LUNCH))

    with session_scope(engine) as session:
        rows = list_occurrences(session, where)

    assert len(rows) == expected
    assert [row.occurrence.start for row in rows] == sorted(row.occurrence.start for row in rows)


def test_occurrences_carry_their_systems_and_audiences(engine: Engine) -> None:
    store(engine, "finance", ics(MONTH_END))

    with session_scope(engine) as session:
        first = list_occurrences(session, OccurrenceFilter(limit=1))[0]

    assert first.systems == ["invoicing", "sap-fi"]
    assert first.audiences == ["finance"]
    assert first.period_title == "Month-end closing"


def test_a_failed_save_stores_nothing(engine: Engine) -> None:
    duplicate_uid = ics(INVENTORY, event("x", "Other", "20261201", "20261202"))
    store(engine, "finance", duplicate_uid)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        save_calendar(
            session,
            UploadedSource(name="other", data=b"x"),
            load_calendar(duplicate_uid, source="x.ics", options=ParseOptions(horizon=HORIZON)),
            now=NOW,
        )
        raise RuntimeError("the request failed after saving")
    assert count(engine, Calendar) == 1
