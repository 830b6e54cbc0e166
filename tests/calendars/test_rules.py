"""Rules documents against real public holidays: Easter and bank holidays move the days.

Each expected day was looked up in that year's calendar by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from calendars import CalendarError, Horizon, ParsedCalendar
from calendars.load import load_calendar
from calendars.options import ParseOptions

HORIZON = Horizon(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC))


def parse(document: dict[str, Any] | str, *, horizon: Horizon = HORIZON) -> ParsedCalendar:
    text = document if isinstance(document, str) else yaml.safe_dump(document)
    options = ParseOptions(horizon=horizon, default_timezone="Europe/Berlin")
    return load_calendar(text.encode(), source="rules.yaml", options=options, format="rules")


def one(
    rule: dict[str, Any], *, working_days: dict[str, Any] | None = None, zone: str = "Europe/Berlin"
) -> ParsedCalendar:
    return parse({
        "timezone": zone,
        "working_days": working_days or {},
        "periods": [{"title": "Month-end closing", "rule": rule}],
    })  # fmt: skip


def days(parsed: ParsedCalendar, instance: str) -> tuple[str, str]:
    """The first and last local day of the occurrence standing for ``instance``."""
    zone = ZoneInfo(parsed.timezone)
    (occurrence,) = [o for o in parsed.occurrences if o.instance == instance]
    first = occurrence.start.astimezone(zone)
    last = (occurrence.end - timedelta(seconds=1)).astimezone(zone)
    assert first.hour == 0 and first.minute == 0, "occurrences are whole local days"
    return f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"


BAVARIA = {"country": "DE", "subdivision": "BY"}
ENGLAND = {"country": "GB", "subdivision": "ENG"}


def test_last_three_working_days_in_bavaria() -> None:
    parsed = one({"last_working_days": 3}, working_days=BAVARIA)

    assert days(parsed, "2026-11") == ("2026-11-26", "2026-11-30")
    # December: 24 is a working day, 25 and 26 are holidays; the last three are 29 to 31.
    assert days(parsed, "2026-12") == ("2026-12-29", "2026-12-31")


def test_easter_moves_the_end_of_the_first_quarter() -> None:
    # 2027: Good Friday 26 March, Easter Monday 29 March. The last three working
    # days of the quarter are 25, 30 and 31 March, in Bavaria and in England alike.
    for working_days in (BAVARIA, ENGLAND):
        parsed = one({"around": "quarter_end", "before": 3}, working_days=working_days)
        assert days(parsed, "2027-Q1") == ("2027-03-25", "2027-03-31")


def test_the_span_across_the_spring_dst_change_is_whole_local_days() -> None:
    parsed = one({"around": "quarter_end", "before": 3}, working_days=BAVARIA)

    (march,) = [o for o in parsed.occurrences if o.instance == "2027-Q1"]
    # 25 March 00:00 CET to 1 April 00:00 CEST: 7 days less the hour lost on the 28th.
    assert (f"{march.start:%Y-%m-%dT%H:%M}", f"{march.end:%Y-%m-%dT%H:%M}") == (
        "2027-03-24T23:00",
        "2027-03-31T22:00",
    )


def test_english_bank_holidays_move_the_last_working_day() -> None:
    parsed = one({"nth_working_day": -1}, working_days=ENGLAND, zone="Europe/London")

    assert days(parsed, "2026-08") == ("2026-08-28", "2026-08-28")  # 31 Aug: bank holiday
    assert days(parsed, "2027-05") == ("2027-05-28", "2027-05-28")  # 31 May: bank holiday
    assert days(parsed, "2026-12") == ("2026-12-31", "2026-12-31")


def test_us_thanksgiving_and_memorial_day() -> None:
    us = {"country": "US"}
    last_three = one({"last_working_days": 3}, working_days=us, zone="America/New_York")
    last = one({"nth_working_day": -1}, working_days=us, zone="America/New_York")

    assert days(last_three, "2026-11") == ("2026-11-25", "2026-11-30")  # 26 Nov: Thanksgiving
    (november,) = [o for o in last_three.occurrences if o.instance == "2026-11"]
    assert f"{november.start:%Y-%m-%dT%H:%M}" == "2026-11-25T05:00"
    assert days(last, "2027-05") == ("2027-05-28", "2027-05-28")  # 31 May: Memorial Day


def test_the_stock_exchange_closes_on_good_friday_the_government_does_not() -> None:
    federal = one(
        {"first_working_days": 3}, working_days={"country": "US"}, zone="America/New_York"
    )
    nyse = one({"first_working_days": 3}, working_days={"market": "XNYS"}, zone="America/New_York")

    assert days(federal, "2026-04") == ("2026-04-01", "2026-04-03")
    assert days(nyse, "2026-04") == ("2026-04-01", "2026-04-06")  # Good Friday, 3 April


def test_subdivisions_differ_epiphany_is_a_holiday_in_bavaria_not_in_berlin() -> None:
    bavaria = one({"first_working_days": 4}, working_days=BAVARIA)
    berlin = one({"first_working_days": 4}, working_days={"country": "DE", "subdivision": "BE"})

    assert days(bavaria, "2027-01") == ("2027-01-04", "2027-01-08")
    assert days(berlin, "2027-01") == ("2027-01-04", "2027-01-07")


def test_around_month_end_spans_the_turn_of_the_month() -> None:
    parsed = one({"around": "month_end", "before": 2, "after": 3}, working_days=BAVARIA)

    assert days(parsed, "2026-11") == ("2026-11-27", "2026-12-03")
    # New Year's Day and Epiphany push the third working day of January to the 7th.
    assert days(parsed, "2026-12") == ("2026-12-30", "2027-01-07")


def test_year_end_with_working_days_only_after() -> None:
    parsed = one({"around": "year_end", "after": 2}, working_days=BAVARIA)

    # 2025's falls in January 2026, inside the horizon; 2027's in 2028, after it.
    assert [o.instance for o in parsed.occurrences] == ["2025", "2026"]
    assert days(parsed, "2025") == ("2026-01-02", "2026-01-05")  # 6 Jan: Epiphany
    assert days(parsed, "2026") == ("2027-01-04", "2027-01-05")


def test_nth_working_day_for_several_days() -> None:
    parsed = one({"nth_working_day": 3, "days": 2}, working_days=BAVARIA)

    assert days(parsed, "2026-12") == ("2026-12-03", "2026-12-04")


def test_months_restricts_a_monthly_rule() -> None:
    parsed = one({"last_working_days": 1, "months": [6, 12]})

    assert [o.instance for o in parsed.occurrences] == ["2026-06", "2026-12", "2027-06", "2027-12"]


def test_annual_date_moves_to_the_previous_working_day_on_a_company_day_off() -> None:
    parsed = parse({
        "working_days": {**BAVARIA, "days_off": ["2026-12-30"]},
        "periods": [{"title": "Inventory count", "rule": {"annual": "12-30", "days": 2,
                                                          "if_not_working_day": "previous"}}],
    })  # fmt: skip

    assert days(parsed, "2026") == ("2026-12-29", "2026-12-30")
    assert days(parsed, "2027") == ("2027-12-30", "2027-12-31")  # a Thursday: kept


def test_annual_date_on_a_saturday_moves_past_new_year_to_the_next_working_day() -> None:
    horizon = Horizon(datetime(2028, 12, 1, tzinfo=UTC), datetime(2029, 2, 1, tzinfo=UTC))
    parsed = parse({
        "working_days": BAVARIA,
        "periods": [{"title": "Inventory count", "rule": {"annual": "12-30", "if_not_working_day": "next"}}],
    }, horizon=horizon)  # fmt: skip

    assert days(parsed, "2028") == ("2029-01-02", "2029-01-02")


def test_a_friday_saturday_weekend() -> None:
    parsed = one({"nth_working_day": -1}, working_days={"weekend": ["friday", "sat"]})

    assert days(parsed, "2027-01") == ("2027-01-31", "2027-01-31")  # a Sunday, a working day here
    assert days(one({"nth_working_day": -1}), "2027-01") == ("2027-01-29", "2027-01-29")


def test_classification_and_instances() -> None:
    parsed = parse({
        "periods": [
            {"id": "close", "title": "Monatsabschluss", "systems": ["sap-fi"], "rule": {"last_working_days": 2}},
            {"title": "Lohnlauf", "level": "critical", "rule": {"nth_working_day": -3}},
            {"title": "Offsite", "rule": {"annual": "06-15"}},
        ],
    })  # fmt: skip

    close, payroll, offsite = parsed.periods
    assert (close.key, close.classification.category.value, close.classification.systems) == (
        "close", "month_end_close", ("sap-fi",),
    )  # fmt: skip
    assert (payroll.key, payroll.classification.level.label) == ("lohnlauf", "critical")
    assert close.recurrence == "last 2 working days of each month"
    assert payroll.recurrence == "3rd last working day of each month"
    assert offsite.classification.category.value == "custom"
    assert any("Offsite" in str(w) and "custom" in str(w) for w in parsed.warnings)


def test_json_documents_work_too() -> None:
    document = {"periods": [{"title": "Payroll run", "rule": {"nth_working_day": -4}}]}

    assert len(parse(json.dumps(document, indent=2)).occurrences) == 24


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("periods:\n  - title: Close\n    rule: {last_working_days: 0}\n", 3,
         "periods[0].rule.last_working_days: Input should be greater than or equal to 1"),
        ("periods:\n  - title: Close\n    rulez: {last_working_days: 2}\n", 3, "periods[0].rulez: unknown key"),
        ("periods:\n  - title: Close\n", 2, "periods[0].rule: is required"),
        ("periods:\n  - title: Close\n    rule: {}\n", 3, "exactly one of"),
        ("periods:\n  - title: Close\n    rule: {last_working_days: 2, annual: 12-30}\n", 3, "found: last_working_days, annual"),
        ("periods:\n  - title: Close\n    rule: {last_working_days: 2, before: 1}\n", 3, "before does not apply"),
        ("periods:\n  - title: Close\n    rule: {nth_working_day: 0}\n", 3, "never 0"),
        ("periods:\n  - title: Close\n    rule: {around: month_end}\n", 3, "needs before or after"),
        ("periods:\n  - title: Close\n    rule: {annual: 02-30}\n", 3, "'02-30' is not a day of the year"),
        ("periods:\n  - title: Close\n    rule: {last_working_days: 1, months: [13]}\n", 3, "1 to 12"),
        ("working_days: {country: XX}\nperiods: []\n", 1, "Country XX not available"),
        ("working_days:\n  country: DE\n  subdivision: ZZ\nperiods: []\n", 1, "does not have subdivision ZZ"),
        ("working_days: {country: DE, market: XNYS}\nperiods: []\n", 1, "not both"),
        ("working_days: {weekend: [mo, tu, we, th, fr, sa, su]}\nperiods: []\n", 1, "at least one day"),
        ("working_days: {weekend: [caturday]}\nperiods: []\n", 1, "unknown weekday 'caturday'"),
        ("timezone: Europe/Munich\nperiods: []\n", 1, "unknown time zone 'Europe/Munich'"),
        ("periods:\n  - {title: A, rule: {nth_working_day: 1}}\n  - {title: A, rule: {nth_working_day: 2}}\n",
         3, "the same id 'a' as period 1"),
        ("periods:\n  - title: Close\n    category: closing\n    rule: {nth_working_day: 1}\n", 2,
         "unknown category 'closing'"),
        ("- just a list\n", 1, "a rules document is a mapping"),
        ("periods: [\n", 2, "not valid YAML or JSON"),
    ],
)  # fmt: skip
def test_bad_documents_name_the_line_and_the_field(text: str, line: int, fragment: str) -> None:
    with pytest.raises(CalendarError) as raised:
        parse(text)

    assert fragment in str(raised.value)
    assert raised.value.line == line


@pytest.mark.parametrize(
    "text",
    [
        "[" * 2000 + "]" * 2000,
        "{a: " * 2000 + "1" + "}" * 2000,
        '{"periods": ' + "[" * 900 + "]" * 900 + "}",
    ],
    ids=["yaml-lists", "yaml-mappings", "json"],
)
def test_a_document_nested_thousands_of_levels_is_refused_quickly(text: str) -> None:
    with pytest.raises(CalendarError, match="nested more than 64 levels deep") as raised:
        load_calendar(text.encode(), source="deep.yaml", options=ParseOptions(horizon=HORIZON))

    assert raised.value.line == 1
