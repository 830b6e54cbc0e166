"""A VEVENT with its place in the file, and the file's lines for naming them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from icalendar import Component


def when(component: Component, name: str) -> date:
    """The value of DTSTART, DTEND or RECURRENCE-ID: a date or a datetime (a date too)."""
    # icalendar types a property as any of its thirty value classes; these three hold a date.
    prop: Any = component[name]
    return cast(date, prop.dt)


@dataclass(slots=True)
class IcsEvent:
    """A VEVENT and where it is in the file."""

    component: Component
    line: int
    end_line: int
    uid: str

    @property
    def summary(self) -> str:
        return str(self.component.get("SUMMARY") or "").strip()

    @property
    def label(self) -> str:
        return f"'{self.summary or '(untitled)'}' (UID {self.uid})"

    @property
    def is_override(self) -> bool:
        return "RECURRENCE-ID" in self.component


class IcsSource:
    """The raw lines, for naming the line of an event or one of its properties."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.spans = list(self._event_spans())

    def _event_spans(self) -> Iterator[tuple[int, int]]:
        begin = None
        for number, line in enumerate(self.lines, 1):
            upper = line.strip().upper()
            if upper == "BEGIN:VEVENT":
                begin = number
            elif upper == "END:VEVENT" and begin is not None:
                yield begin, number
                begin = None

    def line_of(self, text: str, nth: int = 1) -> int | None:
        """The line that reads ``text`` (case aside) for the ``nth`` time."""
        seen = 0
        for number, line in enumerate(self.lines, 1):
            seen += line.strip().upper() == text
            if seen == nth:
                return number
        return None

    def property_line(self, event: IcsEvent, name: str) -> int:
        for number in range(event.line, event.end_line + 1):
            upper = self.lines[number - 1].upper()
            if upper.startswith((f"{name}:", f"{name};")):
                return number
        return event.line
