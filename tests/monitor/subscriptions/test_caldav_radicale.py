"""A CalDAV collection on a real Radicale: what changes there shows after one refresh,
and the notice plan follows as it does after an upload."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Occurrence
from monitor.notices.sync import plan_and_sync
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.subscriptions.refresh import (
    SubscribeRequest,
    SubscriptionProblem,
    refresh_subscription,
    subscribe,
)
from tests.monitor.samples import event, ics
from tests.monitor.subscriptions.radicale_server import PASSWORD, USER, Radicale, radicale

pytestmark = pytest.mark.wallclock  # a Radicale server, on the real date

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
AHEAD = datetime(2027, 1, 31, tzinfo=UTC) - NOW
SITE = load_site("""
working_days: {country: DE, subdivision: BY}
audiences:
  - name: finance
    timezone: Europe/Berlin
    contact: {name: Dana Weber, email: dana@example.com}
    members:
      - {name: Anna, email: anna@example.com}
""")


def closing(start: str, end: str, *extra: str) -> str:
    return ics(event("close@acme", "Month-end closing", start, end, "X-CLOSEWATCH-AUDIENCES:finance", *extra)).decode()  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Radicale]:
    with radicale(tmp_path / "radicale") as running:
        yield running


@pytest.fixture
def local(settings: Settings) -> Settings:
    return settings.model_copy(update={"subscription_networks": "127.0.0.1/32"})


def _subscribe(
    engine: Engine, settings: Settings, server: Radicale, password: str = PASSWORD
) -> None:
    request = SubscribeRequest("closing", server.collection, kind="caldav", username=USER, password=password)  # fmt: skip
    subscribe(engine, settings, request, now=NOW)


def _plan(engine: Engine) -> list[tuple[str, str, str]]:
    plan_and_sync(engine, Site(SITE, default_timezone="Europe/Berlin"), now=NOW, ahead=AHEAD)
    with session_scope(engine) as session:
        found = session.execute(select(Delivery.kind, Delivery.status, Delivery.due_at))
        return sorted((kind, status, f"{due:%m-%dT%H:%M}") for kind, status, due in found)


def _requests(server: Radicale) -> list[str]:
    """The methods of the requests Radicale received, in order, from its log."""
    return re.findall(r"\] ([A-Z]+) request for ", server.log.read_text())


def _spans(engine: Engine) -> list[tuple[datetime, datetime]]:
    with session_scope(engine) as session:
        return sorted(
            (start, end) for start, end in session.execute(select(Occurrence.start, Occurrence.end))
        )


def test_an_event_added_moved_and_cancelled_there_shows_after_one_refresh_each(
    engine: Engine, local: Settings, server: Radicale
) -> None:
    with session_scope(engine) as session:
        sync_site_audiences(session, SITE, now=NOW)
    _subscribe(engine, local, server)
    assert _spans(engine) == []

    server.calendar.save_event(closing("20261127", "20261203"))
    added = refresh_subscription(engine, local, "closing", now=NOW + timedelta(minutes=1))
    assert (
        added is not None and added.imported is not None and added.imported.occurrences_added == 1
    )
    assert _plan(engine) == [
        ("heads_up", "pending", "11-25T08:00"),
        ("period_report", "pending", "12-03T08:00"),  # the IT contact's, with the wrap-up
        ("wrap_up", "pending", "12-03T08:00"),
    ]
    seen = len(_requests(server))
    unchanged = refresh_subscription(engine, local, "closing", now=NOW + timedelta(minutes=2))
    assert unchanged is not None and (unchanged.error, unchanged.changed) == (None, False)
    assert _requests(server)[seen:] == ["PROPFIND"]  # the ctag only: one request

    server.calendar.save_event(closing("20261130", "20261205"))
    moved = refresh_subscription(engine, local, "closing", now=NOW + timedelta(minutes=3))
    assert (
        moved is not None and moved.imported is not None and moved.imported.occurrences_updated == 1
    )
    assert _spans(engine) == [
        (datetime(2026, 11, 29, 23, tzinfo=UTC), datetime(2026, 12, 4, 23, tzinfo=UTC))
    ]
    assert _plan(engine) == [
        ("heads_up", "pending", "11-26T08:00"),
        ("period_report", "pending", "12-07T08:00"),  # the IT contact's, with the wrap-up
        ("wrap_up", "pending", "12-07T08:00"),
    ]

    server.calendar.save_event(closing("20261130", "20261205", "STATUS:CANCELLED"))
    cancelled = refresh_subscription(engine, local, "closing", now=NOW + timedelta(minutes=4))
    assert cancelled is not None and cancelled.imported is not None
    assert _spans(engine) == []
    assert _plan(engine) == [
        ("heads_up", "withdrawn", "11-26T08:00"),
        ("period_report", "withdrawn", "12-07T08:00"),  # the IT contact's, with the wrap-up
        ("wrap_up", "withdrawn", "12-07T08:00"),
    ]


def test_a_wrong_password_is_refused_naming_only_the_host(
    engine: Engine, local: Settings, server: Radicale
) -> None:
    with pytest.raises(SubscriptionProblem) as refused:
        _subscribe(engine, local, server, password="wrong")

    assert str(refused.value) == f"{server.base}/… refused the user name and password"


def test_a_server_that_went_away_keeps_the_last_good_version(
    engine: Engine, local: Settings, tmp_path: Path
) -> None:
    with radicale(tmp_path / "gone") as server:
        server.calendar.save_event(closing("20261127", "20261203"))
        _subscribe(engine, local, server)
    kept = _spans(engine)

    failed = refresh_subscription(engine, local, "closing", now=NOW + timedelta(hours=1))

    assert (
        failed is not None and failed.error is not None and "could not be reached" in failed.error
    )
    assert _spans(engine) == kept and len(kept) == 1


def test_the_collections_address_stays_out_of_the_logs(
    engine: Engine, local: Settings, server: Radicale, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    _subscribe(engine, local, server)
    refresh_subscription(engine, local, "closing", now=NOW + timedelta(minutes=1))

    assert "/closing" not in caplog.text and PASSWORD not in caplog.text
