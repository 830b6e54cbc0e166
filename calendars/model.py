"""What a calendar source becomes: period definitions and their occurrences.

These are plain, immutable values. Parsers in this package produce them; the
service (``monitor``) stores them. All datetimes here are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum


class Category(StrEnum):
    MONTH_END_CLOSE = "month_end_close"
    QUARTER_END = "quarter_end"
    YEAR_END = "year_end"
    INVENTORY_COUNT = "inventory_count"
    PAYROLL = "payroll"
    AUDIT = "audit"
    GO_LIVE = "go_live"
    CUSTOM = "custom"


class Level(IntEnum):
    """Monitoring intensity; a higher value means closer watching."""

    NORMAL = 0
    ELEVATED = 1
    HIGH = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(level.label for level in cls)
            raise ValueError(f"unknown level {text!r} (expected one of {names})") from None


def parse_category(text: str) -> Category:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Category(key)
    except ValueError:
        names = ", ".join(category.value for category in Category)
        raise ValueError(f"unknown category {text!r} (expected one of {names})") from None


@dataclass(frozen=True, slots=True)
class Horizon:
    """The span ``[start, end)`` over which recurring periods are expanded."""

    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime, *, past_days: int = 31, future_days: int = 400) -> Horizon:
        now = now.astimezone(UTC)
        return cls(now - timedelta(days=past_days), now + timedelta(days=future_days))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether ``[start, end)`` overlaps the horizon; an instant counts if it lies inside."""
        if end <= start:
            return self.start <= start < self.end
        return start < self.end and end > self.start

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("horizon bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("horizon end must be after its start")


@dataclass(frozen=True, slots=True)
class Classification:
    """Category, level, systems and audiences of a period, and how they were found.

    ``source`` is one of ``"property"`` (X-CLOSEWATCH-* or explicit column/field),
    ``"categories"`` (iCalendar CATEGORIES), ``"mapping"`` (a mapping rule matched,
    ``rule`` names it) or ``"default"`` (nothing matched: custom at elevated).
    """

    category: Category
    level: Level
    systems: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    source: str = "default"
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class PeriodDraft:
    """One critical period definition found in a source.

    ``key`` identifies the period within its calendar across re-uploads (the
    iCalendar UID, the rule's id, a CSV row's title and start).
    ``recurrence`` is a human-readable description of how it repeats (an RRULE,
    a rule), or ``None`` for a one-off span.
    """

    key: str
    title: str
    classification: Classification
    description: str = ""
    recurrence: str | None = None
    timezone: str | None = None
    origin: str | None = None  # e.g. "line 12" or "rule 3", for people reading a preview


@dataclass(frozen=True, slots=True, order=True)
class OccurrenceDraft:
    """A concrete span ``[start, end)`` of a period, in UTC.

    ``instance`` identifies the occurrence within its period across re-uploads
    (the original start as an ISO string for iCalendar RECURRENCE-ID matching).
    """

    start: datetime
    end: datetime
    period_key: str
    instance: str
    title: str | None = None  # set when an instance overrides its period's title


@dataclass(frozen=True, slots=True)
class SourceWarning:
    """Something the uploader should know: the source was read, but not quite as written."""

    message: str
    event: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = [part for part in (f"line {self.line}" if self.line else None, self.event) if part]
        return ": ".join([*where, self.message])


@dataclass(slots=True)
class ParsedCalendar:
    """Everything a source yields: its periods, their occurrences, and warnings."""

    format: str
    timezone: str
    periods: list[PeriodDraft] = field(default_factory=list)
    occurrences: list[OccurrenceDraft] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)

    def period(self, key: str) -> PeriodDraft:
        for period in self.periods:
            if period.key == key:
                return period
        raise KeyError(key)
