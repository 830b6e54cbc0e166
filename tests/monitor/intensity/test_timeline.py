"""Levels over time: ramps in working days, holidays, DST, overlaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendars import Level
from calendars.workdays import WorkingDays, public_holidays
from monitor.intensity.ramps import Ramp
from monitor.intensity.timeline import IntensityIndex, OccurrenceInput, RampRules

BERLIN = ZoneInfo("Europe/Berlin")
BAVARIA = RampRules(
    zone=BERLIN,
    workdays=WorkingDays(
        days_off=frozenset(public_holidays(range(2026, 2029), country="DE", subdivision="BY"))
    ),
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


def occurrence(start: datetime, end: datetime, level: Level = Level.HIGH, *, id: int = 1,
               category: str = "month_end_close", systems: tuple[str, ...] = ("sap-fi",)) -> OccurrenceInput:  # fmt: skip
    return OccurrenceInput(id, f"period {id}", category, level, start, end, systems)


def levels(index: IntensityIndex, system: str, *moments: datetime) -> list[str]:
    return [index.at(system, moment).level.label for moment in moments]


def test_month_end_close_with_its_ramp() -> None:
    # Friday 27 Nov to Thursday 3 Dec (whole days, Berlin). Two working days
    # before is Wednesday 25 Nov; one day after the end is Friday 4 Dec, 00:00.
    index = IntensityIndex.build([occurrence(local("2026-11-27"), local("2026-12-03"))], BAVARIA)

    assert levels(index, "sap-fi", local("2026-11-24T23:59"), local("2026-11-25"), local("2026-11-27"),
                  local("2026-12-02T23:59"), local("2026-12-03"), local("2026-12-03T23:59"),
                  local("2026-12-04")) == [
        "normal", "elevated", "high", "high", "elevated", "elevated", "normal"
    ]  # fmt: skip
    assert index.at("sap-fi", local("2026-11-26")).causes[0].phase == "before"
    assert index.at("other", local("2026-11-27")).level == Level.NORMAL


def test_christmas_holidays_stretch_the_ramp_back() -> None:
    # Starts Monday 28 Dec: 25 and 26 Dec are holidays, so two working days back is Wednesday 23 Dec.
    index = IntensityIndex.build([occurrence(local("2026-12-28"), local("2026-12-31"))], BAVARIA)

    assert levels(index, "sap-fi", local("2026-12-22T23:59"), local("2026-12-23")) == [
        "normal",
        "elevated",
    ]


def test_easter_and_spring_dst() -> None:
    # Starts Tuesday 30 March 2027 after Easter Monday and Good Friday: the ramp
    # begins Wednesday 24 March, still winter time (UTC+1), at 23:00 UTC the day before.
    index = IntensityIndex.build([occurrence(local("2027-03-30"), local("2027-04-01"))], BAVARIA)

    (segments) = index.between("sap-fi", utc("2027-03-01T00:00"), utc("2027-05-01T00:00"))
    assert [(f"{s.start:%m-%dT%H:%M}", s.level.label) for s in segments] == [
        ("03-01T00:00", "normal"),
        ("03-23T23:00", "elevated"),
        ("03-29T22:00", "high"),  # 30 March 00:00 summer time (UTC+2)
        ("03-31T22:00", "elevated"),
        ("04-01T22:00", "normal"),  # a day after the end, wall-clock
    ]


def test_a_day_after_the_end_across_autumn_dst_is_25_hours() -> None:
    end = local("2027-10-31")  # 00:00 CEST; clocks go back at 03:00
    index = IntensityIndex.build([occurrence(local("2027-10-29"), end)], BAVARIA)

    segment = index.at("sap-fi", end)
    assert segment.level == Level.ELEVATED
    assert segment.end - segment.start == timedelta(hours=25)


def test_the_highest_level_wins_and_both_causes_are_named_when_equal() -> None:
    index = IntensityIndex.build([
        occurrence(local("2026-12-01"), local("2026-12-10"), Level.HIGH, id=1),
        occurrence(local("2026-12-05"), local("2026-12-06"), Level.CRITICAL, id=2, category="go_live"),
        occurrence(local("2026-12-08"), local("2026-12-09"), Level.HIGH, id=3),
    ], BAVARIA)  # fmt: skip

    assert index.at("sap-fi", local("2026-12-05T12:00")).level == Level.CRITICAL
    assert [c.occurrence_id for c in index.at("sap-fi", local("2026-12-08T12:00")).causes] == [1, 3]


def test_ramp_never_exceeds_the_occurrence_and_can_be_configured() -> None:
    rules = RampRules(zone=BERLIN, ramps={"default": Ramp(before_working_days=0, after_days=0),
                                          "payroll": Ramp(before_working_days=1, after_days=0, level=Level.CRITICAL)})  # fmt: skip
    index = IntensityIndex.build([
        occurrence(local("2026-12-01"), local("2026-12-02"), Level.ELEVATED, id=1, category="payroll"),
        occurrence(local("2026-12-10"), local("2026-12-11"), Level.HIGH, id=2),
    ], rules)  # fmt: skip

    assert levels(index, "sap-fi", local("2026-11-30T12:00"), local("2026-12-09T12:00")) == [
        "elevated",
        "normal",
    ]


def test_next_change_is_the_next_level_boundary_of_any_system() -> None:
    index = IntensityIndex.build([
        occurrence(local("2026-12-01"), local("2026-12-02"), systems=("a",), id=1),
        occurrence(local("2026-11-20"), local("2026-11-21"), systems=("b",), id=2),
    ], RampRules(zone=BERLIN, ramps={"default": Ramp(0, 0)}))  # fmt: skip

    assert index.next_change(local("2026-11-01")) == local("2026-11-20")
    assert index.next_change(local("2026-11-20")) == local("2026-11-21")
    assert index.next_change(local("2026-12-02")) is None


def test_ten_thousand_systems_are_all_found_at_a_moment() -> None:
    # Speed is the bench's to report (tests/bench/probe_bench.py); this checks the answer.
    start = local("2026-11-01")
    occurrences = [
        occurrence(start + timedelta(days=n % 300), start + timedelta(days=n % 300 + 2),
                   Level(1 + n % 3), id=n, systems=(f"system-{n % 10_000}",))
        for n in range(20_000)
    ]  # fmt: skip
    index = IntensityIndex.build(occurrences, BAVARIA)

    found = index.all_at(local("2027-01-15T12:00"))

    # 15 January is day 75: the periods that began on day 74 or 75 are running. System 150's
    # periods begin on days 150 and 250 (n = 150 and 10,150): far off, ramps and all.
    running = {f"system-{n % 10_000}" for n in range(20_000) if n % 300 in (74, 75)}
    assert len(found) == 10_000
    assert running <= {name for name, segment in found.items() if segment.level != Level.NORMAL}
    assert found["system-150"].level == Level.NORMAL


@pytest.mark.parametrize("hour", [0, 5, 23])
def test_lookup_at_any_moment_inside_a_segment(hour: int) -> None:
    index = IntensityIndex.build([occurrence(local("2026-12-01"), local("2026-12-03"))], BAVARIA)

    assert index.at("sap-fi", local(f"2026-12-02T{hour:02d}:00")).level == Level.HIGH
