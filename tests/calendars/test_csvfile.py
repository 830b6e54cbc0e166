"""CSV sheets: the documented columns, dates or date-times, errors that name the line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calendars import CalendarError, Category, Horizon, Level, ParsedCalendar
from calendars.load import load_calendar
from calendars.options import ParseOptions

HORIZON = Horizon(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))


def parse(text: str, *, zone: str = "Europe/Berlin") -> ParsedCalendar:
    options = ParseOptions(horizon=HORIZON, timezone=zone)
    return load_calendar(text.encode(), source="closing.csv", options=options)


def spans(parsed: ParsedCalendar) -> list[tuple[str, str]]:
    return [(f"{o.start:%Y-%m-%dT%H:%M}", f"{o.end:%Y-%m-%dT%H:%M}") for o in parsed.occurrences]


def test_finance_sheet_with_every_column() -> None:
    parsed = parse(
        "title,start,end,category,level,systems,audiences,timezone,description\n"
        "Month-end closing,2026-11-26,2026-12-02,month_end_close,critical,sap-fi;invoicing,finance,,\n"
        'Go-live billing,2027-03-01 06:00,2027-03-01 18:00,,,billing,"finance, sales",America/New_York,Cutover\n'
    )

    closing, go_live = parsed.periods
    assert (closing.classification.category, closing.classification.level) == (
        Category.MONTH_END_CLOSE,
        Level.CRITICAL,
    )
    assert closing.classification.systems == ("sap-fi", "invoicing")
    assert go_live.classification.category == Category.GO_LIVE  # from the title
    assert go_live.classification.audiences == ("finance", "sales")
    assert go_live.timezone == "America/New_York"
    # A date end is the last day, inclusive; a date-time end is the instant it ends.
    assert spans(parsed) == [
        ("2026-11-25T23:00", "2026-12-02T23:00"),
        ("2027-03-01T11:00", "2027-03-01T23:00"),
    ]


def test_german_headers_from_a_german_finance_sheet() -> None:
    parsed = parse(
        "\ufeffTitel;Beginn;Ende;Kategorie;Stufe;Systeme;Zielgruppen;Zeitzone;Beschreibung\n"
        "Monatsabschluss;26.11.2026;02.12.2026;month_end_close;high;sap-fi;finanz;;Abschluss\n"
    )

    (closing,) = parsed.periods
    assert closing.title == "Monatsabschluss"
    assert closing.classification.category == Category.MONTH_END_CLOSE
    assert closing.classification.systems == ("sap-fi",)
    assert closing.classification.audiences == ("finanz",)
    assert spans(parsed) == [("2026-11-25T23:00", "2026-12-02T23:00")]


def test_german_categories_and_levels_from_a_german_sheet() -> None:
    parsed = parse(
        "Titel;Beginn;Ende;Kategorie;Stufe\n"
        "Abschluss November;26.11.2026;02.12.2026;Monatsabschluss;kritisch\n"
        "Inventur Lager Nord;30.12.2026;;Inventur;Erhöht\n"
        "Lohnlauf;25.11.2026;;Lohnabrechnung;hoch\n"
    )

    assert [(p.classification.category, p.classification.level) for p in parsed.periods] == [
        (Category.MONTH_END_CLOSE, Level.CRITICAL),
        (Category.INVENTORY_COUNT, Level.ELEVATED),
        (Category.PAYROLL, Level.HIGH),
    ]


def test_an_unknown_german_level_is_refused_naming_the_german_words_too() -> None:
    with pytest.raises(CalendarError) as raised:
        parse("Titel;Beginn;Stufe\nAbschluss;26.11.2026;mittel\n")

    assert str(raised.value) == (
        "closing.csv: line 2: unknown level 'mittel' (expected one of normal, elevated, "
        "high, critical; in German erhöht, hoch, kritisch)"
    )


def test_german_excel_sheet_with_semicolons_and_dotted_dates() -> None:
    parsed = parse(
        "Title;Start;End;Systems\n"
        "Inventur Lager Süd;30.12.2026;31.12.2026;wms,sap-mm\n"
        "Lohnlauf;25.11.2026 08:00;25.11.2026 12:00;payroll\n"
    )

    assert [p.classification.category for p in parsed.periods] == [
        Category.INVENTORY_COUNT,
        Category.PAYROLL,
    ]
    assert spans(parsed) == [
        ("2026-11-25T07:00", "2026-11-25T11:00"),
        ("2026-12-29T23:00", "2026-12-31T23:00"),
    ]


def test_rows_with_the_same_title_are_one_period_with_several_occurrences() -> None:
    parsed = parse(
        "title,start\nPayroll run,2026-11-25\nPayroll run,2026-12-22\nAudit,2027-02-10\n"
    )

    payroll = parsed.period("Payroll run")
    assert payroll.recurrence == "2 dates"
    assert [o.instance for o in parsed.occurrences if o.period_key == "Payroll run"] == [
        "2026-11-25",
        "2026-12-22",
    ]
    assert [o.instance for o in parsed.occurrences if o.period_key == "Audit"] == ["once"]


def test_a_utc_offset_in_a_cell_wins_over_the_zone() -> None:
    parsed = parse("title,start,end\nGo-live,2026-12-03T09:00:00+00:00,2026-12-03T17:00:00Z\n")

    assert spans(parsed) == [("2026-12-03T09:00", "2026-12-03T17:00")]


def test_unclassified_rows_are_custom_and_the_preview_says_so() -> None:
    parsed = parse("title,start\nTeam offsite,2026-12-10\n")

    assert parsed.periods[0].classification.category == Category.CUSTOM
    assert [str(w) for w in parsed.warnings] == [
        "line 2: period 'Team offsite': no category found; treated as custom at elevated"
    ]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            "title,start,end\nClose,2026-11-31,2026-12-01\n",
            2,
            "start '2026-11-31' is not a real date",
        ),
        ("title,start,end\nClose,2026-12-02,2026-11-30\n", 2, "end before start"),
        ("title,start,end\nClose,11/30/2026,\n", 2, "is not a date (2026-11-27 or 27.11.2026)"),
        ("title,start\nClose,2026-11-30 08:00\n", 2, "end is required"),
        ("title,start,end\nClose,2026-11-30,2026-12-01 08:00\n", 2, "both be dates"),
        ("title,begin\nClose,2026-11-30\n", 1, "unknown column 'begin'"),
        ("title,end\nClose,2026-11-30\n", 1, "lacks the column(s) start"),
        ("title,start,start\nClose,2026-11-30,2026-11-30\n", 1, "appears twice"),
        ("title,start\nClose,2026-11-30,extra\n", 2, "3 cells but the header has 2"),
        ("title,start\n,2026-11-30\n", 2, "title is empty"),
        ("title,start,level\nClose,2026-11-30,extreme\n", 2, "unknown level 'extreme'"),
        ("title,start,timezone\nClose,2026-11-30 08:00,Europe/Munich\n", 2, "Europe/Munich"),
        (
            "title,start,level\nClose,2026-11-30,high\nClose,2026-12-30,low\n",
            3,
            "differs from line 2",
        ),
        ("title,start\nClose,2026-11-30\nClose,2026-11-30\n", 3, "same time as on line 2"),
        ('title,start\n"Close,2026-11-30\n', 2, "not valid CSV"),
    ],
)
def test_bad_rows_name_their_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(CalendarError) as raised:
        parse(text)

    assert raised.value.line == line
    assert fragment in str(raised.value)
    assert str(raised.value).startswith(f"closing.csv: line {line}: ")


def test_a_quoted_cell_over_two_lines_keeps_later_line_numbers_right() -> None:
    with pytest.raises(CalendarError) as raised:
        parse('title,start,description\nClose,2026-11-30,"two\nlines"\nAudit,2026-13-01,\n')

    assert raised.value.line == 4


def test_header_only_is_an_empty_calendar_with_a_warning() -> None:
    parsed = parse("title,start\n")

    assert parsed.periods == []
    assert "no rows" in str(parsed.warnings[0])


@pytest.mark.parametrize(
    "row",
    ["Close,9999-12-31,9999-12-31", "Close,31.12.9999,", "Close,0001-01-01,",
     "Close,2026-12-30 08:00,9999-12-31 23:00"],
)  # fmt: skip
def test_a_date_outside_the_years_1900_to_2199_is_refused_naming_the_line(row: str) -> None:
    with pytest.raises(CalendarError, match="out of range: years 1900 to 2199") as raised:
        parse(f"title,start,end\n{row}\n")

    assert raised.value.line == 2
