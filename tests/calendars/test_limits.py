"""What one source may make: occurrences in all, aliases, nesting; refused early and clearly."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import yaml

from calendars import CalendarError, Horizon, ParsedCalendar
from calendars.load import load_calendar
from calendars.mapping import parse_mapping
from calendars.options import ParseOptions
from calendars.yamldoc import MAX_DEPTH, DocumentError, load_document
from tests.attacks import ALIAS_BOMB, secondly_series
from tests.monitor.samples import event, ics

HORIZON = Horizon(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))


def parse(data: bytes, source: str, *, total: int | None) -> ParsedCalendar:
    options = ParseOptions(horizon=HORIZON, default_timezone="Europe/Berlin", max_occurrences=total)
    return load_calendar(data, source=source, options=options)


RULES = {
    "periods": [
        {"title": "Month-end closing", "rule": {"last_working_days": 2, "months": [11, 12, 1]}},
        {"title": "Payroll run", "rule": {"nth_working_day": 5, "months": [11, 12, 1]}},
    ]
}
SIX = {
    "closing.ics": ics(
        event("a@x", "Month-end closing", "20261127", "20261201", "RRULE:FREQ=MONTHLY;COUNT=3"),
        event("b@x", "Payroll run", "20261120", "20261121", "RRULE:FREQ=MONTHLY;COUNT=3"),
    ),
    "closing.csv": "title,start\n"
    + "".join(f"Month-end closing,2026-{month}-27\n" for month in (10, 11, 12))
    + "".join(f"Payroll run,2026-{month}-20\n" for month in (10, 11, 12)),
    "closing.yaml": yaml.safe_dump(RULES),
}


@pytest.mark.parametrize("source", sorted(SIX))
def test_a_calendar_past_the_total_is_refused_naming_the_limit(source: str) -> None:
    data = SIX[source]
    data = data if isinstance(data, bytes) else data.encode()

    assert len(parse(data, source, total=6).occurrences) == 6
    with pytest.raises(CalendarError) as refused:
        parse(data, source, total=5)

    assert str(refused.value) == (
        f"{source}: more than 5 occurrences in the horizon, the limit for one calendar; "
        "split it into several calendars or shorten its series"
    )


def test_unbounded_secondly_series_are_refused_once_past_the_total_not_after_all() -> None:
    started = time.perf_counter()
    with pytest.raises(CalendarError, match="more than 2,000 occurrences"):
        # 500 series of a thousand occurrences each (their own cap) would be 500,000.
        parse(secondly_series(500), "ticks.ics", total=2000)
    assert time.perf_counter() - started < 10  # about 1 s; the whole file would take minutes


def test_the_yaml_alias_bomb_is_refused_at_once_naming_a_line() -> None:
    started = time.perf_counter()
    with pytest.raises(CalendarError) as refused:
        parse(ALIAS_BOMB, "bomb.yaml", total=None)

    assert time.perf_counter() - started < 2
    assert refused.value.line is not None
    assert (
        "aliases repeat the value anchored here until the document holds 926,177,117 values"
        in str(refused.value)
    )


def test_the_alias_bomb_in_a_mapping_is_refused_too() -> None:
    with pytest.raises(CalendarError, match=r"^line 10: mapping: aliases repeat"):
        parse_mapping(ALIAS_BOMB.decode())


def test_anchors_that_save_typing_still_work() -> None:
    document = load_document(
        "defaults: &defaults {timeout: 5, verify_tls: false}\n"
        "checks:\n" + "".join(f"  - {{<<: *defaults, name: web{index}}}\n" for index in range(200))
    )

    assert document.data["checks"][199] == {"timeout": 5, "verify_tls": False, "name": "web199"}
    assert document.line_of(("checks", 199)) == 202


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: &a [1, *a]\n", "an alias refers to the value that contains it (anchored here)", 1),
        ("x: " + "[" * 2000 + "]" * 2000, f"nested more than {MAX_DEPTH} levels deep", 1),
        (
            "x:\n" + "".join(" " * i + "-\n" for i in range(1, 300)),
            "nested more than",
            MAX_DEPTH + 1,
        ),
    ],
)
def test_documents_that_would_exhaust_the_reader_are_refused_quickly(
    text: str, message: str, line: int
) -> None:
    started = time.perf_counter()
    with pytest.raises(DocumentError) as refused:
        load_document(text)

    assert time.perf_counter() - started < 2
    assert message in str(refused.value)
    assert refused.value.line == line
