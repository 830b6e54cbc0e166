"""Every format comes out clean: no control characters, nothing longer than its column."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from calendars import CalendarError, Horizon, ParsedCalendar
from calendars.load import load_calendar
from calendars.options import ParseOptions
from calendars.text import unwanted_in
from tests.monitor.samples import event, ics

HORIZON = Horizon(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))


def parse(data: bytes, filename: str) -> ParsedCalendar:
    options = ParseOptions(horizon=HORIZON, default_timezone="Europe/Berlin")
    return load_calendar(data, source=filename, options=options)


def rules(title: str, systems: str = "[sap-fi]") -> bytes:
    return (
        f'periods:\n  - {{title: "{title}", systems: {systems}, rule: {{annual: "12-30"}}}}\n'
    ).encode()


BELL_ICS = ics(
    event("inv\x07@acme", "Inventur\x07 \x1b[31mM\u00fcnchen", "20261230", "20261231",
          "X-CLOSEWATCH-SYSTEMS:wms\x07,sap-fi", "DESCRIPTION:Zwei\\nZeilen\x07")
)  # fmt: skip
BELL_CSV = "title,start,systems\nInventur\x07 M\u00fcnchen,2026-12-30,wms\x1b\n".encode()
BELL_RULES = rules("Inventur\\a M\u00fcnchen", '["wms\\e"]')


@pytest.mark.parametrize(
    ("data", "filename", "title", "line"),
    [
        (BELL_ICS, "bell.ics", "Inventur [31mMünchen", 4),
        (BELL_CSV, "bell.csv", "Inventur München", 2),
        (BELL_RULES, "bell.yaml", "Inventur München", 2),
    ],
    ids=["ics", "csv", "rules"],
)
def test_control_characters_are_removed_with_a_warning_naming_the_line(
    data: bytes, filename: str, title: str, line: int
) -> None:
    parsed = parse(data, filename)

    (period,) = parsed.periods
    assert period.title == title
    assert "\x07" not in period.key
    assert period.classification.systems[0] == "wms"
    assert "\x07" not in period.description
    assert parsed.occurrences and all(o.period_key == period.key for o in parsed.occurrences)
    (warning,) = [w for w in parsed.warnings if "control characters" in w.message]
    assert warning.line == line
    assert all(unwanted_in(str(w)) is None for w in parsed.warnings)  # they quote titles


def test_a_clean_calendar_gets_no_warning_and_the_same_values() -> None:
    parsed = parse(ics(event("inv@acme", "Inventur München", "20261230", "20261231")), "x.ics")

    assert parsed.periods[0].title == "Inventur München"
    assert not [w for w in parsed.warnings if "control characters" in w.message]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (ics(event("long@acme", "x" * 100_000, "20261230", "20261231")), "long.ics"),
        (f"title,start\n{'x' * 100_000},2026-12-30\n".encode(), "long.csv"),
        (f"title,start,id\n{'x' * 501},2026-12-30,short\n".encode(), "long-title.csv"),
    ],
    ids=["ics", "csv", "csv-with-id"],
)
def test_a_title_longer_than_its_column_is_refused_naming_the_period(
    data: bytes, filename: str
) -> None:
    with pytest.raises(CalendarError) as raised:
        parse(data, filename)

    error = raised.value
    assert "title is" in str(error) and "at most 500" in str(error)
    assert error.line is not None and error.event is not None and error.event.startswith("'xxx")
    assert len(str(error)) < 300  # the message names the title, it does not repeat it


def test_a_title_of_exactly_500_characters_is_kept_whole() -> None:
    parsed = parse(ics(event("edge@acme", "x" * 500, "20261230", "20261231")), "edge.ics")

    assert parsed.periods[0].title == "x" * 500


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (ics(event("u" * 501, "Close", "20261230", "20261231")), "identity (UID or id)"),
        (ics(event("n@acme", "Close", "20261230", "20261231", f"X-CLOSEWATCH-SYSTEMS:{'s' * 201}")),
         "system name"),
        (ics(event("n@acme", "Close", "20261230", "20261231",
                   f"X-CLOSEWATCH-AUDIENCES:{'a' * 201}")), "audience name"),
    ],
    ids=["uid", "system", "audience"],
)  # fmt: skip
def test_keys_and_names_longer_than_their_columns_are_refused(data: bytes, what: str) -> None:
    with pytest.raises(CalendarError, match=re.escape(f"{what} is")):
        parse(data, "long.ics")


def test_two_uids_that_differ_only_by_a_control_character_are_refused() -> None:
    data = ics(
        event("same@acme", "One", "20261230", "20261231"),
        event("same\x07@acme", "Two", "20261228", "20261229"),
    )

    with pytest.raises(CalendarError, match="same identity"):
        parse(data, "twins.ics")


def test_a_mapping_rule_name_longer_than_its_column_is_refused() -> None:
    from calendars.mapping import parse_mapping

    with pytest.raises(CalendarError, match="at most 200"):
        parse_mapping(f"- {{name: {'n' * 201}, pattern: x, category: audit}}\n")
    (rule, *_builtin) = parse_mapping(f"- {{pattern: {'p' * 300}, category: audit}}\n")
    assert rule.name == "p" * 200  # a name taken from the pattern is ours to shorten
