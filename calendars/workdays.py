"""Working days: not a weekend day, not a public holiday, not a company day off.

Public holidays come from the ``holidays`` package, by country and
subdivision (``DE`` / ``BY``) or by financial market (``XNYS``, ``XETR``).
Holidays are computed once for the years asked for and kept as a set, so the
day arithmetic that rules do thousands of times is a set lookup.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday_number(name: str) -> int:
    """``"saturday"`` or ``"sat"`` → 5."""
    key = name.strip().lower()
    for number, day in enumerate(WEEKDAYS):
        if key == day or (len(key) >= 2 and day.startswith(key)):
            return number
    raise ValueError(f"unknown weekday {name!r} (expected monday ... sunday)")


def public_holidays(
    years: Iterable[int],
    *,
    country: str | None = None,
    subdivision: str | None = None,
    market: str | None = None,
) -> dict[date, str]:
    """Public holidays of a country (and subdivision) or a financial market; ValueError if unknown."""
    years = list(years)
    try:
        if market:
            found = holidays.financial_holidays(market.upper(), years=years)
        elif country:
            found = holidays.country_holidays(country.upper(), subdiv=subdivision, years=years)
        else:
            return {}
    except NotImplementedError as exc:
        raise ValueError(str(exc).replace("`", "'")) from None
    return dict(found.items())


@dataclass(frozen=True, slots=True)
class WorkingDays:
    """Which days are working days. ``days_off`` holds public holidays and company closures."""

    weekend: frozenset[int] = frozenset({5, 6})
    days_off: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.days_off

    def in_month(self, year: int, month: int) -> list[date]:
        """The working days of a month, in order."""
        last = gregorian.monthrange(year, month)[1]
        days = (date(year, month, number) for number in range(1, last + 1))
        return [day for day in days if self.is_working_day(day)]

    def step(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (before it when negative)."""
        direction = 1 if count > 0 else -1
        remaining = abs(count)
        for _ in range(remaining * 7 + 366):  # a year of holidays is more than any calendar has
            day += timedelta(days=direction)
            if self.is_working_day(day):
                remaining -= 1
                if remaining == 0:
                    return day
        raise ValueError("no working day within a year: check the weekend and holidays")

    def nearest(self, day: date, direction: str) -> date:
        """``day`` if it is a working day, else the previous or next one."""
        if direction == "keep" or self.is_working_day(day):
            return day
        return self.step(day, -1 if direction == "previous" else 1)
