"""Planning into the outbox on a real database: idempotent, following moves and cancellations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy import event as sql_event

from monitor.db.engine import session_scope
from monitor.db.models import Delivery
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.notices.sync import plan_and_sync
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from tests.monitor.samples import event, ics

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
AHEAD = datetime(2027, 1, 31, tzinfo=UTC) - NOW
SITE_YAML = """
working_days: {country: DE, subdivision: BY}
audiences:
  - name: finance
    timezone: Europe/Berlin
    contact: {name: Dana Weber, email: dana@example.com}
    members:
      - {name: Anna, email: anna@example.com}
      - {name: Ben, email: ben@example.com}
"""
SITE = load_site(SITE_YAML)


def setup(
    engine: Engine, settings: Settings, start: str = "20261127", end: str = "20261203"
) -> Site:
    with session_scope(engine) as session:
        sync_site_audiences(session, SITE, now=NOW)
    upload(engine, settings, start, end)
    return Site(SITE, default_timezone="Europe/Berlin")


def upload(
    engine: Engine, settings: Settings, start: str, end: str, *, name: str = "finance"
) -> None:
    close = event("close@x", "Month-end closing", start, end, "X-CLOSEWATCH-AUDIENCES:finance")
    import_calendar(
        engine, settings, ImportRequest(UploadedSource(name=name, data=ics(close))), now=NOW
    )


def rows(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        found = session.execute(
            select(Delivery.kind, Delivery.status, Delivery.due_at, Delivery.recipient_name)
        )
        return sorted(
            (kind, status, f"{due:%m-%dT%H:%M} {who}") for kind, status, due, who in found
        )


def test_planning_twice_stores_each_delivery_once(engine: Engine, settings: Settings) -> None:
    site = setup(engine, settings)

    first = plan_and_sync(engine, site, now=NOW, ahead=AHEAD)
    second = plan_and_sync(engine, site, now=NOW, ahead=AHEAD)

    assert (first.added, second.added, second.moved, second.withdrawn) == (5, 0, 0, 0)
    assert rows(engine) == [
        ("heads_up", "pending", "11-25T08:00 Anna"), ("heads_up", "pending", "11-25T08:00 Ben"),
        ("period_report", "pending", "12-03T08:00 Dana Weber"),  # the report, for the IT contact
        ("wrap_up", "pending", "12-03T08:00 Anna"), ("wrap_up", "pending", "12-03T08:00 Ben"),
    ]  # fmt: skip


def test_a_moved_occurrence_moves_its_unsent_notices_and_leaves_sent_ones(
    engine: Engine, settings: Settings
) -> None:
    site = setup(engine, settings)
    plan_and_sync(engine, site, now=NOW, ahead=AHEAD)
    with session_scope(engine) as session:  # Anna's heads-up already went out
        session.execute(update(Delivery).where(Delivery.kind == "heads_up", Delivery.recipient_name == "Anna")
                        .values(status="sent"))  # fmt: skip

    upload(engine, settings, "20261130", "20261204")  # the close moves to Monday 30 November
    summary = plan_and_sync(engine, site, now=NOW, ahead=AHEAD)

    assert (summary.added, summary.moved) == (0, 4)
    assert rows(engine) == [
        ("heads_up", "pending", "11-26T08:00 Ben"), ("heads_up", "sent", "11-25T08:00 Anna"),
        ("period_report", "pending", "12-04T08:00 Dana Weber"),
        ("wrap_up", "pending", "12-04T08:00 Anna"), ("wrap_up", "pending", "12-04T08:00 Ben"),
    ]  # fmt: skip


def test_a_cancelled_occurrence_withdraws_its_unsent_notices(
    engine: Engine, settings: Settings
) -> None:
    site = setup(engine, settings)
    plan_and_sync(engine, site, now=NOW, ahead=AHEAD)
    cancelled = event("close@x", "Month-end closing", "20261127", "20261203", "STATUS:CANCELLED")
    import_calendar(
        engine,
        settings,
        ImportRequest(UploadedSource(name="finance", data=ics(cancelled))),
        now=NOW,
    )

    summary = plan_and_sync(engine, site, now=NOW, ahead=AHEAD)

    assert summary.withdrawn == 5  # the contact's report with the readers' notices
    assert {status for _kind, status, _due in rows(engine)} == {"withdrawn"}


def test_a_member_who_leaves_gets_nothing_more(engine: Engine, settings: Settings) -> None:
    site = setup(engine, settings)
    plan_and_sync(engine, site, now=NOW, ahead=AHEAD)
    smaller = load_site(SITE_YAML.replace("      - {name: Ben, email: ben@example.com}\n", ""))
    with session_scope(engine) as session:
        sync_site_audiences(session, smaller, now=NOW)

    plan_and_sync(engine, Site(smaller, default_timezone="Europe/Berlin"), now=NOW, ahead=AHEAD)

    assert [(kind, status) for kind, status, due in rows(engine) if due.endswith("Ben")] == [
        ("heads_up", "withdrawn"), ("wrap_up", "withdrawn"),
    ]  # fmt: skip


def test_a_notice_sent_while_planning_runs_is_not_set_back_to_pending(
    engine: Engine, settings: Settings
) -> None:
    """The outbox sends (and records) a notice between planning's read and its update."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: the outbox cannot record a send mid-planning")
    site = setup(engine, settings)
    plan_and_sync(engine, site, now=NOW, ahead=AHEAD)
    upload(engine, settings, "20261130", "20261204")  # the period moves: so do its notices
    sender = create_engine(engine.url)

    sent: list[bool] = []

    def send_anna_first(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("UPDATE delivery SET due_at") and not sent:
            sent.append(True)
            with sender.begin() as connection:  # another replica's outbox, committed
                connection.execute(update(Delivery).where(Delivery.kind == "heads_up",
                                   Delivery.recipient_name == "Anna").values(status="sent"))  # fmt: skip

    sql_event.listen(engine, "before_cursor_execute", send_anna_first)
    try:
        plan_and_sync(engine, site, now=NOW, ahead=AHEAD)
    finally:
        sql_event.remove(engine, "before_cursor_execute", send_anna_first)
        sender.dispose()
    assert sent, "planning moved nothing: the test did not race"
    heads_up = [(status, who) for kind, status, who in rows(engine) if kind == "heads_up"]
    assert heads_up == [("pending", "11-26T08:00 Ben"), ("sent", "11-25T08:00 Anna")]
