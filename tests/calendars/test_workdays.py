"""Working-day arithmetic: weekends, public holidays, company days off."""

from __future__ import annotations

from datetime import date

import pytest

from calendars.workdays import WorkingDays, public_holidays, weekday_number

BAVARIA = WorkingDays(
    days_off=frozenset(public_holidays(range(2026, 2028), country="DE", subdivision="BY"))
)


def test_stepping_skips_weekends_and_holidays() -> None:
    # Thursday 24 Dec 2026; then Christmas (25, 26), the weekend, and Monday 28 Dec.
    assert BAVARIA.step(date(2026, 12, 24), 1) == date(2026, 12, 28)
    # Back from Thursday 7 Jan 2027 over Epiphany (6 Jan) to Tuesday 5 Jan.
    assert BAVARIA.step(date(2027, 1, 7), -1) == date(2027, 1, 5)


def test_working_days_of_a_month() -> None:
    assert (
        len(BAVARIA.in_month(2026, 12)) == 22
    )  # 23 weekdays less Christmas Day; the 26th is a Saturday
    assert BAVARIA.in_month(2027, 1)[:3] == [date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 7)]


@pytest.mark.parametrize(("direction", "expected"), [("keep", date(2026, 12, 26)),
                         ("previous", date(2026, 12, 24)), ("next", date(2026, 12, 28))])  # fmt: skip
def test_nearest_working_day(direction: str, expected: date) -> None:
    assert BAVARIA.nearest(date(2026, 12, 26), direction) == expected


def test_weekday_names() -> None:
    assert [weekday_number(name) for name in ("Saturday", "sun", "FR")] == [5, 6, 4]
    with pytest.raises(ValueError, match="unknown weekday"):
        weekday_number("s")


def test_no_working_day_at_all_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="no working day"):
        WorkingDays(weekend=frozenset(range(7))).step(date(2026, 1, 1), 1)
