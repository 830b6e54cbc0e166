"""Errors raised by the calendars package.

Every problem with a calendar source is a :class:`CalendarError`. It carries
where the problem is (the source's name, a line number, an event) and a plain
reason, so the CLI can print it as one line and the API can turn it into a
problem detail without knowing anything about iCalendar or CSV.
"""

from __future__ import annotations


class CalendarError(ValueError):
    """A calendar source that cannot be turned into periods.

    ``source`` names the file or upload, ``line`` is 1-based, ``event`` names
    the event (its summary and UID) or the rule concerned.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        event: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.line = line
        self.event = event

    def located(self, source: str) -> CalendarError:
        """The same error, naming ``source`` if it did not name one yet."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        where = [part for part in (self.source, self._line_text(), self._event_text()) if part]
        return ": ".join([*where, self.reason])

    def _line_text(self) -> str | None:
        return f"line {self.line}" if self.line is not None else None

    def _event_text(self) -> str | None:
        return f"event {self.event}" if self.event else None
