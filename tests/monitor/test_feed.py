"""The calendar feed: valid iCalendar, round-trips through the importer, signed audience links."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import icalendar
from sqlalchemy import Engine, update

from calendars import Horizon
from calendars.load import load_calendar
from calendars.options import ParseOptions
from monitor.db.engine import session_scope
from monitor.db.models import Occurrence, Period, System
from monitor.feed import event_uid
from monitor.store.queries import OccurrenceFilter, list_occurrences
from tests.conftest import NOW
from tests.monitor.samples import INVENTORY, MONTH_END, TEAM_LUNCH, ics, tampered
from tests.monitor.test_api_calendars import upload

HORIZON = Horizon(NOW - timedelta(days=60), NOW + timedelta(days=500))


async def _stored(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    for name, data in (("finance", ics(MONTH_END)), ("warehouse", ics(INVENTORY, TEAM_LUNCH))):
        response = await upload(client, editor, data, name=name, timezone="Europe/Berlin")
        assert response.status_code == 201, response.text


def _source(engine: Engine) -> set[tuple[object, ...]]:
    with session_scope(engine) as session:
        rows = list_occurrences(session, OccurrenceFilter(limit=10_000))
        return {
            (r.occurrence.start, r.occurrence.end, r.occurrence.title or r.period_title,
             r.occurrence.category, r.occurrence.level, tuple(r.systems))
            for r in rows
        }  # fmt: skip


async def test_feed_is_valid_icalendar_with_one_event_per_occurrence(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], engine: Engine
) -> None:
    await _stored(client, editor)
    with session_scope(engine) as session:
        session.add(System(name="sap-fi", plain_name="the invoicing system"))

    response = await client.get("/calendar.ics", headers=viewer)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert "PRODID" in calendar
    assert str(calendar["X-WR-CALNAME"]) == "closewatch critical periods"
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(_source(engine)) == 5
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)
        assert not event.errors
    assert len({str(event["UID"]) for event in events}) == len(events)
    closing = next(e for e in events if str(e["SUMMARY"]) == "Month-end closing")
    assert str(closing["X-CLOSEWATCH-CATEGORY"]) == "month_end_close"
    assert "the invoicing system" in str(closing["DESCRIPTION"])
    assert closing["CATEGORIES"].cats == ["month_end_close"]


async def test_all_day_periods_are_dates_and_others_utc(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    await _stored(client, editor)

    text = (await client.get("/calendar.ics", headers=viewer)).text

    assert (
        "DTSTART;VALUE=DATE:20261127" in text
    )  # month-end closing, midnight to midnight in Berlin
    assert "DTSTART:20261203T110000Z" in text  # the team lunch keeps its time, in UTC
    assert "X-WR-TIMEZONE:Europe/Berlin" in text


async def test_feed_round_trips_through_the_importer(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], engine: Engine
) -> None:
    await _stored(client, editor)
    feed = (await client.get("/calendar.ics", headers=viewer)).content

    parsed = load_calendar(feed, source="closewatch.ics", options=ParseOptions(horizon=HORIZON))

    again = set()
    for occurrence in parsed.occurrences:
        period = parsed.period(occurrence.period_key)
        again.add((occurrence.start, occurrence.end, occurrence.title or period.title,
                   period.classification.category.value, int(period.classification.level),
                   tuple(sorted(period.classification.systems))))  # fmt: skip
    assert again == _source(engine)
    assert all(period.classification.source == "property" for period in parsed.periods)
    assert not [w for w in parsed.warnings if "category" in w.message]


async def test_uids_stay_the_same_across_requests(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    await _stored(client, editor)
    first = icalendar.Calendar.from_ical(
        (await client.get("/calendar.ics", headers=viewer)).content
    )
    await _stored_again(client, editor)
    second = icalendar.Calendar.from_ical(
        (await client.get("/calendar.ics", headers=viewer)).content
    )

    uids = [sorted(str(e["UID"]) for e in c.walk("VEVENT")) for c in (first, second)]
    assert uids[0] == uids[1]
    assert event_uid("finance", "close@acme", "2026-11-26T23:00:00Z") != event_uid(
        "warehouse", "close@acme", "2026-11-26T23:00:00Z"
    )


async def _stored_again(client: httpx.AsyncClient, editor: dict[str, str]) -> None:
    response = await upload(
        client, editor, ics(MONTH_END), name="finance", timezone="Europe/Berlin"
    )
    assert response.status_code == 200, response.text


async def _feed_link(client: httpx.AsyncClient, editor: dict[str, str], audience: str) -> str:
    response = await client.get(f"/api/v1/audiences/{audience}/feed-link", headers=editor)
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert url.startswith("http://127.0.0.1:8080/calendar.ics?") or "/calendar.ics?" in url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_signed_link_gives_the_audiences_periods_only(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await _stored(client, editor)
    link = await _feed_link(client, editor, "finance")

    response = await client.get(link)

    assert response.status_code == 200, response.text
    events = list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))
    assert {str(e["SUMMARY"]) for e in events} == {"Month-end closing"}
    assert len(events) == 3


async def test_an_audiences_concerns_add_periods(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await _stored(client, editor)
    audience = {
        "name": "stores", "timezone": "Europe/Berlin",
        "contact": {"name": "Sam", "email": "sam@example.com"},
        "concerns": {"systems": ["wms"]},
    }  # fmt: skip
    created = await client.post("/api/v1/audiences", headers=editor, json=audience)
    assert created.status_code in (200, 201), created.text
    link = await _feed_link(client, editor, "stores")

    events = list(icalendar.Calendar.from_ical((await client.get(link)).content).walk("VEVENT"))

    assert {str(e["SUMMARY"]) for e in events} == {"Year-end inventory count"}


async def test_a_bad_signature_is_refused(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    await _stored(client, editor)
    link = await _feed_link(client, editor, "finance")
    sig = parse_qs(urlsplit(link).query)["sig"][0]

    other_audience = await client.get(f"/calendar.ics?audience=warehouse&sig={sig}")
    edited = await client.get(tampered(f"/calendar.ics?audience=finance&sig={sig}"))

    for response in (other_audience, edited):
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 403


async def test_no_token_and_no_link_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.get("/calendar.ics")

    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
    bad_token = await client.get("/calendar.ics", headers={"Authorization": "Bearer cw_nope"})
    assert bad_token.status_code == 401


async def test_feed_links_are_for_editors_and_known_audiences(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    await _stored(client, editor)

    as_viewer = await client.get("/api/v1/audiences/finance/feed-link", headers=viewer)
    unknown = await client.get("/api/v1/audiences/nobody/feed-link", headers=editor)

    assert as_viewer.status_code == 403
    assert unknown.status_code == 404


async def test_the_feed_has_an_etag_that_answers_if_none_match_and_changes_with_the_periods(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    await _stored(client, editor)

    first = await client.get("/calendar.ics", headers=viewer)
    again = await client.get("/calendar.ics", headers=viewer)
    unchanged = await client.get(
        "/calendar.ics", headers={**viewer, "If-None-Match": first.headers["etag"]}
    )
    response = await upload(client, editor, ics(TEAM_LUNCH), name="lunch", timezone="UTC")
    assert response.status_code == 201
    changed = await client.get(
        "/calendar.ics", headers={**viewer, "If-None-Match": first.headers["etag"]}
    )

    assert first.headers["etag"] == again.headers["etag"]
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == first.headers["etag"]
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]


async def test_head_on_the_feed_gives_the_headers_and_checks_the_link(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    await _stored(client, editor)

    head = await client.head("/calendar.ics", headers=viewer)
    get = await client.get("/calendar.ics", headers=viewer)
    anonymous = await client.head("/calendar.ics")
    forged = await client.head("/calendar.ics?audience=finance&sig=forged")

    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"
    assert (anonymous.status_code, forged.status_code) == (401, 403)


async def test_a_title_stored_with_control_characters_reaches_the_feed_without_them(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], engine: Engine
) -> None:
    await _stored(client, editor)
    with session_scope(engine) as session:  # as an older closewatch stored it
        session.execute(update(Period).values(title="Stock take\x07\x1b[2J"))
        session.execute(update(Occurrence).values(title=None))

    response = await client.get("/calendar.ics", headers=viewer)

    assert b"Stock take[2J" in response.content
    assert b"\x07" not in response.content and b"\x1b" not in response.content
