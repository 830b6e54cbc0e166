"""Subscribing and refreshing through the upload's import, with the Outlook, Google and
Apple exports served by a real local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select

from monitor.db.engine import session_scope
from monitor.db.models import Occurrence, Subscription
from monitor.settings import Settings
from monitor.store.calendars import delete_calendar, find_calendar
from monitor.store.subscriptions import claim
from monitor.subscriptions.refresh import (
    RefreshBusy,
    SubscribeRequest,
    SubscriptionProblem,
    refresh_subscription,
    subscribe,
)
from monitor.subscriptions.secrets import unseal
from tests.conftest import NOW
from tests.monitor.samples import INVENTORY, MONTH_END, ics
from tests.monitor.subscriptions.calendar_server import CalendarHost, calendar_host

EXPORTS = Path(__file__).resolve().parents[2] / "calendars" / "fixtures"


@pytest.fixture
def local(settings: Settings) -> Settings:
    return settings.model_copy(update={"subscription_networks": "127.0.0.0/8"})


@pytest.fixture
def host() -> Iterator[CalendarHost]:
    with calendar_host() as running:
        for export in ("outlook_last_weekday_monthly.ics", "google_weekly_payroll_x_wr_timezone.ics",
                       "apple_inventory_all_day_multi_day.ics"):  # fmt: skip
            running.files[f"/{export}"] = (EXPORTS / export).read_bytes()
        running.files["/closing.ics"] = ics(MONTH_END)
        yield running


def _occurrences(engine: Engine, name: str) -> list[tuple[str, object]]:
    with session_scope(engine) as session:
        calendar = find_calendar(session, name)
        assert calendar is not None
        rows = session.execute(
            select(Occurrence.instance, Occurrence.start).where(
                Occurrence.calendar_id == calendar.id
            )
        )
        return sorted((str(instance), start) for instance, start in rows)


def _row(engine: Engine, name: str) -> Subscription:
    with session_scope(engine) as session:
        row = session.execute(select(Subscription).where(Subscription.name == name)).scalar_one()
        session.expunge(row)
        return row


@pytest.mark.parametrize(
    "export",
    ["outlook_last_weekday_monthly.ics", "google_weekly_payroll_x_wr_timezone.ics",
     "apple_inventory_all_day_multi_day.ics"],
)  # fmt: skip
def test_an_export_subscribed_to_is_imported_and_an_unchanged_one_costs_one_304(
    engine: Engine, local: Settings, host: CalendarHost, export: str
) -> None:
    made = subscribe(engine, local, SubscribeRequest("shared", host.url(f"/{export}")), now=NOW)
    again = refresh_subscription(engine, local, "shared", now=NOW + timedelta(hours=1))

    assert made.imported is not None and made.imported.occurrences > 0
    assert again is not None and again.error is None and not again.changed
    assert host.statuses(f"/{export}") == [200, 304]
    row = _row(engine, "shared")
    assert row.last_success_at == NOW + timedelta(hours=1) and row.etag
    assert row.next_refresh_at == NOW + timedelta(hours=2)


def test_a_change_at_the_source_updates_the_calendar_in_place(
    engine: Engine, local: Settings, host: CalendarHost
) -> None:
    host.files["/count.ics"] = ics(INVENTORY)
    subscribe(engine, local, SubscribeRequest("finance", host.url("/count.ics")), now=NOW)
    before = _occurrences(engine, "finance")
    host.files["/count.ics"] = ics(INVENTORY.replace("20261230", "20261229"))

    done = refresh_subscription(engine, local, "finance", now=NOW + timedelta(hours=1))

    assert done is not None and done.imported is not None
    assert done.imported.occurrences_updated == 1 and done.imported.occurrences_added == 0
    after = _occurrences(engine, "finance")
    assert [i for i, _ in after] == [i for i, _ in before]  # the same instances, moved
    assert after[0][1] != before[0][1]
    assert _row(engine, "finance").last_changed_at == NOW + timedelta(hours=1)


def test_a_failing_source_keeps_its_last_good_version_and_says_why(
    engine: Engine, local: Settings, host: CalendarHost
) -> None:
    subscribe(engine, local, SubscribeRequest("finance", host.url("/closing.ics")), now=NOW)
    kept = _occurrences(engine, "finance")
    del host.files["/closing.ics"]

    failed = refresh_subscription(engine, local, "finance", now=NOW + timedelta(hours=1))
    failed_again = refresh_subscription(engine, local, "finance", now=NOW + timedelta(hours=2))

    assert failed is not None and failed.error == f"{host.base}/… answered HTTP 404 Not Found"
    assert failed_again is not None and failed_again.error == failed.error
    assert _occurrences(engine, "finance") == kept
    row = _row(engine, "finance")
    assert (row.failures, row.last_error, row.last_success_at) == (2, failed.error, NOW)
    host.files["/closing.ics"] = ics(MONTH_END)
    healed = refresh_subscription(engine, local, "finance", now=NOW + timedelta(hours=3))
    assert healed is not None and healed.error is None
    assert (_row(engine, "finance").failures, _row(engine, "finance").last_error) == (0, None)


def test_a_version_that_does_not_read_is_kept_out_and_fetched_again(
    engine: Engine, local: Settings, host: CalendarHost
) -> None:
    subscribe(engine, local, SubscribeRequest("finance", host.url("/closing.ics")), now=NOW)
    kept = _occurrences(engine, "finance")
    host.files["/closing.ics"] = ics(
        MONTH_END.replace("DTEND;VALUE=DATE:20261202", "DTEND;VALUE=DATE:20261101")
    )

    first = refresh_subscription(engine, local, "finance", now=NOW + timedelta(hours=1))
    second = refresh_subscription(engine, local, "finance", now=NOW + timedelta(hours=2))

    assert first is not None and first.error is not None and "end before" in first.error
    assert second is not None and second.error == first.error
    assert host.statuses("/closing.ics") == [200, 200, 200]  # no 304 for a version never stored
    assert _occurrences(engine, "finance") == kept


def test_an_address_that_gives_no_calendar_is_refused_and_nothing_is_kept(
    engine: Engine, local: Settings, host: CalendarHost
) -> None:
    host.files["/page.html"] = b"<html><body>Sign in</body></html>"

    with pytest.raises(SubscriptionProblem) as refused:
        subscribe(engine, local, SubscribeRequest("finance", host.url("/page.html")), now=NOW)

    assert refused.value.field == "url"
    with session_scope(engine) as session:
        assert session.execute(select(Subscription)).first() is None
        assert find_calendar(session, "finance") is None


def test_the_address_and_credentials_are_stored_encrypted(
    engine: Engine, local: Settings, host: CalendarHost
) -> None:
    secret_path = "/private-5f3a9c/basic.ics"
    host.files[secret_path] = ics(MONTH_END)
    request = SubscribeRequest(
        "finance", host.url(secret_path), headers=(("Authorization", "Bearer t0ken"),)
    )

    subscribe(engine, local, request, now=NOW)

    row = _row(engine, "finance")
    assert b"private-5f3a9c" not in row.secret and b"t0ken" not in row.secret
    assert row.address_hint == f"{host.base}/…"
    assert unseal(row.secret, local.signing_key()).headers == (("Authorization", "Bearer t0ken"),)
    other_key = local.model_copy(update={"secret_key": SecretStr("another key")})
    failed = refresh_subscription(engine, other_key, "finance", now=NOW + timedelta(hours=1))
    assert failed is not None and failed.error is not None and "secret key changed" in failed.error


def test_a_refresh_already_under_way_is_not_started_twice(
    engine: Engine, local: Settings, host: CalendarHost
) -> None:
    subscribe(engine, local, SubscribeRequest("finance", host.url("/closing.ics")), now=NOW)
    with session_scope(engine) as session:
        assert claim(session, "finance", now=NOW, hold=timedelta(minutes=5))

    with pytest.raises(RefreshBusy):
        refresh_subscription(engine, local, "finance", now=NOW + timedelta(minutes=1))
    lapsed = refresh_subscription(engine, local, "finance", now=NOW + timedelta(minutes=6))
    assert lapsed is not None and lapsed.error is None


@pytest.mark.parametrize(
    ("change", "field"),
    [({"name": "a/../b"}, "name"), ({"url": "ftp://x/y.ics"}, "url"), ({"every_seconds": 5}, "every"),
     ({"timezone": "Mars/Olympus"}, "timezone"), ({"headers": (("X-A", "b\r\nX-B: c"),)}, "header"),
     ({"password": "pw"}, "username"), ({"kind": "imap"}, "kind")],
)  # fmt: skip
def test_a_subscription_that_cannot_be_made_names_its_field(
    engine: Engine, local: Settings, host: CalendarHost, change: dict[str, object], field: str
) -> None:
    request = SubscribeRequest("finance", host.url("/closing.ics"))
    with pytest.raises(SubscriptionProblem) as refused:
        subscribe(engine, local, _with(request, change), now=NOW)

    assert refused.value.field == field
    assert host.requests == []


def _with(request: SubscribeRequest, change: dict[str, object]) -> SubscribeRequest:
    from dataclasses import replace

    return replace(request, **change)  # type: ignore[arg-type]


def test_deleting_the_calendar_ends_its_subscription(
    engine: Engine, local: Settings, host: CalendarHost
) -> None:
    subscribe(engine, local, SubscribeRequest("finance", host.url("/closing.ics")), now=NOW)

    with session_scope(engine) as session:
        calendar = find_calendar(session, "finance")
        assert calendar is not None
        delete_calendar(session, calendar)

    assert refresh_subscription(engine, local, "finance", now=NOW + timedelta(hours=1)) is None
    with session_scope(engine) as session:
        assert find_calendar(session, "finance") is None
