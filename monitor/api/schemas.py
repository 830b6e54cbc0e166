"""What the API returns. Instants are ISO 8601 in UTC ending in ``Z``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

from calendars import Level, OccurrenceDraft, ParsedCalendar, PeriodDraft
from monitor.imports import Imported
from monitor.store.queries import CalendarRow, OccurrenceRow, PeriodRow
from monitor.timefmt import iso_z

Instant = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]


class CalendarOut(BaseModel):
    id: int
    name: str
    team: str
    timezone: str
    format: str
    filename: str
    content_hash: str
    periods: int
    occurrences: int
    warnings: list[str]
    created_at: Instant
    updated_at: Instant
    expanded_at: Instant

    @classmethod
    def of(cls, row: CalendarRow) -> CalendarOut:
        c = row.calendar
        return cls(
            id=c.id or 0,
            name=c.name,
            team=c.team,
            timezone=c.timezone,
            format=c.format,
            filename=c.filename,
            content_hash=c.content_hash,
            periods=row.periods,
            occurrences=row.occurrences,
            warnings=c.warnings,
            created_at=c.created_at,
            updated_at=c.updated_at,
            expanded_at=c.expanded_at,
        )


class PeriodOut(BaseModel):
    id: int | None = None
    calendar: str | None = None
    key: str
    title: str
    category: str
    level: str
    systems: list[str]
    audiences: list[str]
    description: str
    recurrence: str | None
    timezone: str | None
    origin: str | None
    classified_by: str
    classification_rule: str | None

    @classmethod
    def of(cls, row: PeriodRow) -> PeriodOut:
        p = row.period
        return cls(
            id=p.id,
            calendar=row.calendar,
            key=p.key,
            title=p.title,
            category=p.category,
            level=Level(p.level).label,
            systems=row.systems,
            audiences=row.audiences,
            description=p.description,
            recurrence=p.recurrence,
            timezone=p.timezone,
            origin=p.origin,
            classified_by=p.classified_by,
            classification_rule=p.classification_rule,
        )

    @classmethod
    def draft(cls, period: PeriodDraft) -> PeriodOut:
        c = period.classification
        return cls(
            key=period.key,
            title=period.title,
            category=c.category.value,
            level=c.level.label,
            systems=list(c.systems),
            audiences=list(c.audiences),
            description=period.description,
            recurrence=period.recurrence,
            timezone=period.timezone,
            origin=period.origin,
            classified_by=c.source,
            classification_rule=c.rule,
        )


class OccurrenceOut(BaseModel):
    id: int | None = None
    period_id: int | None = None
    period_key: str
    calendar: str | None = None
    title: str
    category: str
    level: str
    start: Instant
    end: Instant
    systems: list[str]
    audiences: list[str]

    @classmethod
    def of(cls, row: OccurrenceRow) -> OccurrenceOut:
        o = row.occurrence
        return cls(
            id=o.id,
            period_id=o.period_id,
            period_key=row.period_key,
            calendar=row.calendar,
            title=o.title or row.period_title,
            category=o.category,
            level=Level(o.level).label,
            start=o.start,
            end=o.end,
            systems=row.systems,
            audiences=row.audiences,
        )

    @classmethod
    def draft(cls, occurrence: OccurrenceDraft, period: PeriodDraft) -> OccurrenceOut:
        c = period.classification
        return cls(
            period_key=occurrence.period_key,
            title=occurrence.title or period.title,
            category=c.category.value,
            level=c.level.label,
            start=occurrence.start,
            end=occurrence.end,
            systems=list(c.systems),
            audiences=list(c.audiences),
        )


# A preview lists this many occurrences, the earliest first, and counts the rest.
PREVIEW_OCCURRENCES = 1000


class PreviewOut(BaseModel):
    format: str
    timezone: str
    horizon_start: Instant
    horizon_end: Instant
    periods: list[PeriodOut]
    occurrences: list[OccurrenceOut] = Field(
        description=f"The first {PREVIEW_OCCURRENCES:,} occurrences, by start."
    )
    more_occurrences: int = Field(
        0, description="Occurrences found beyond those listed; an import stores them all."
    )
    warnings: list[str]

    @classmethod
    def of(cls, parsed: ParsedCalendar, start: datetime, end: datetime) -> PreviewOut:
        periods = {period.key: period for period in parsed.periods}
        listed = parsed.occurrences[:PREVIEW_OCCURRENCES]
        return cls(
            format=parsed.format,
            timezone=parsed.timezone,
            horizon_start=start,
            horizon_end=end,
            periods=[PeriodOut.draft(p) for p in parsed.periods],
            occurrences=[OccurrenceOut.draft(o, periods[o.period_key]) for o in listed],
            more_occurrences=len(parsed.occurrences) - len(listed),
            warnings=[str(w) for w in parsed.warnings],
        )


class ChangeCounts(BaseModel):
    added: int
    updated: int
    removed: int


class ImportOut(BaseModel):
    calendar: CalendarOut
    created: bool
    periods: ChangeCounts
    occurrences: ChangeCounts
    warnings: list[str]

    @classmethod
    def of(cls, summary: Imported, row: CalendarRow) -> ImportOut:
        return cls(
            calendar=CalendarOut.of(row),
            created=summary.created,
            periods=ChangeCounts(
                added=summary.periods_added,
                updated=summary.periods_updated,
                removed=summary.periods_removed,
            ),
            occurrences=ChangeCounts(
                added=summary.occurrences_added,
                updated=summary.occurrences_updated,
                removed=summary.occurrences_removed,
            ),
            warnings=row.calendar.warnings,
        )
