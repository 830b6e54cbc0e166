"""Small calendars written inline, for tests about storage and the API rather than parsing."""

from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(rb"(?<=[:,])(\d{8})(?=T\d{6}Z?\b|\r?\n|,)")


def ics(*events: str, extra: str = "") -> bytes:
    body = "".join(events)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//closewatch tests//EN\r\n"
        f"{extra}{body}END:VCALENDAR\r\n"
    ).encode()


def event(uid: str, summary: str, start: str, end: str, *lines: str) -> str:
    """A VEVENT; ``start``/``end`` are DATE (20261127) or UTC DATE-TIME (20261127T080000Z)."""
    value = ";VALUE=DATE" if len(start) == 8 else ""
    extra = "".join(f"{line}\r\n" for line in lines)
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:{summary}\r\n"
        f"DTSTART{value}:{start}\r\nDTEND{value}:{end}\r\n{extra}END:VEVENT\r\n"
    )


MONTH_END = event(
    "close@acme",
    "Month-end closing",
    "20261127",
    "20261202",
    "RRULE:FREQ=MONTHLY;COUNT=3",
    "X-CLOSEWATCH-SYSTEMS:sap-fi,invoicing",
    "X-CLOSEWATCH-AUDIENCES:finance",
)
INVENTORY = event(
    "inventory@acme",
    "Year-end inventory count",
    "20261230",
    "20261231",
    "CATEGORIES:inventory_count",
    "X-CLOSEWATCH-SYSTEMS:wms",
    "X-CLOSEWATCH-AUDIENCES:warehouse",
)
TEAM_LUNCH = event("lunch@acme", "Team lunch", "20261203T110000Z", "20261203T123000Z")


def moved(calendar: bytes, to: date, *, since: date = date(2026, 11, 27)) -> bytes:
    """``calendar`` with every date moved by whole days, so that ``since`` falls on ``to``.

    For tests that run the CLI as a user does, against the real date: they build
    their calendar around it rather than around the day the test was written.
    """
    shift = to - since

    def move(match: re.Match[bytes]) -> bytes:
        day = date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:])) + shift
        return day.strftime("%Y%m%d").encode()

    return _DATE.sub(move, calendar)


def tampered(signed: str) -> str:
    """``signed`` (a link, or a path, ending in its signature) with one character of the
    signature changed: the tenth from the end, where every bit counts (the last one's low
    bits may be padding, and a fixed replacement may be what was there)."""
    at = len(signed) - 10
    return signed[:at] + ("B" if signed[at] == "A" else "A") + signed[at + 1 :]
