"""Rules documents: critical periods defined by working-day arithmetic.

```yaml
timezone: Europe/Berlin
working_days:
  country: DE            # public holidays by country ...
  subdivision: BY        # ... and subdivision, or
  # market: XNYS         # a financial market's holidays instead
  weekend: [saturday, sunday]
  days_off: [2026-12-24, 2026-12-31]
periods:
  - title: Month-end closing
    category: month_end_close
    systems: [sap-fi]
    audiences: [finance]
    rule: {around: month_end, before: 2, after: 3}
```

Each period has one rule; every occurrence is a span of whole days in the
calendar's zone. The instance of an occurrence is its month (``2026-11``),
quarter (``2026-Q4``) or year (``2026``), so when a holiday moves a day, the
occurrence moves rather than being replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from calendars.classify import classify
from calendars.errors import CalendarError
from calendars.model import OccurrenceDraft, ParsedCalendar, PeriodDraft, SourceWarning
from calendars.options import ParseOptions, load_zone
from calendars.timeutil import local_midnight
from calendars.workdays import WorkingDays, public_holidays, weekday_number
from calendars.yamldoc import Document, DocumentError, first_problem, load_document

KINDS = ("last_working_days", "first_working_days", "nth_working_day", "around", "annual")
QUARTER_END_MONTHS = (3, 6, 9, 12)
# Options that only make sense with some kinds of rule; elsewhere they are a mistake.
APPLIES_TO = {
    "before": ("around",),
    "after": ("around",),
    "days": ("annual", "nth_working_day"),
    "if_not_working_day": ("annual",),
    "months": ("last_working_days", "first_working_days", "nth_working_day", "around"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkingDaysSpec(_Strict):
    country: str | None = None
    subdivision: str | None = None
    market: str | None = None
    weekend: tuple[str, ...] = ("saturday", "sunday")
    days_off: tuple[date, ...] = ()

    @field_validator("weekend")
    @classmethod
    def _known_weekdays(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        numbers = {weekday_number(name) for name in names}
        if len(numbers) == 7:
            raise ValueError("at least one day of the week must be a working day")
        return names

    def working_days(self, years: Iterable[int]) -> WorkingDays:
        """The working days this spec describes, with holidays for ``years``; ValueError for an
        unknown country, subdivision or market."""
        holidays = public_holidays(
            years, country=self.country, subdivision=self.subdivision, market=self.market
        )
        return WorkingDays(
            weekend=frozenset(weekday_number(name) for name in self.weekend),
            days_off=frozenset(holidays) | frozenset(self.days_off),
        )

    @model_validator(mode="after")
    def _one_holiday_source(self) -> WorkingDaysSpec:
        if self.market and self.country:
            raise ValueError(
                "give country (public holidays) or market (exchange holidays), not both"
            )
        if self.subdivision and not self.country:
            raise ValueError("subdivision needs a country")
        return self


class RuleSpec(_Strict):
    last_working_days: int | None = Field(None, ge=1, le=23)
    first_working_days: int | None = Field(None, ge=1, le=23)
    nth_working_day: int | None = Field(None, ge=-23, le=23)
    around: Literal["month_end", "quarter_end", "year_end"] | None = None
    before: int = Field(0, ge=0, le=23)
    after: int = Field(0, ge=0, le=23)
    annual: str | None = Field(None, pattern=r"^\d{2}-\d{2}$", description="MM-DD")
    days: int = Field(1, ge=1, le=31)
    if_not_working_day: Literal["keep", "previous", "next"] = "keep"
    months: tuple[int, ...] | None = None

    @field_validator("months")
    @classmethod
    def _real_months(cls, months: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if months is not None and (not months or any(not 1 <= m <= 12 for m in months)):
            raise ValueError("months are numbers from 1 to 12")
        return months

    @field_validator("annual")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is not None:
            month, day = (int(part) for part in value.split("-"))
            try:
                date(2024, month, day)  # a leap year, so 02-29 is allowed
            except ValueError:
                raise ValueError(f"{value!r} is not a day of the year (MM-DD)") from None
        return value

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> RuleSpec:
        given = [kind for kind in KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            found = ", ".join(given) or "none"
            raise ValueError(f"a rule has exactly one of {', '.join(KINDS)} (found: {found})")
        kind = given[0]
        for option, kinds in APPLIES_TO.items():
            if option in self.model_fields_set and kind not in kinds:
                raise ValueError(
                    f"{option} does not apply to {kind} (only to {' or '.join(kinds)})"
                )
        if self.nth_working_day == 0:
            raise ValueError("nth_working_day counts from 1 (first) or -1 (last), never 0")
        if self.around and self.before == 0 and self.after == 0:
            raise ValueError("around needs before or after (working days on each side)")
        if self.around and self.around != "month_end" and self.months is not None:
            raise ValueError("months applies to monthly rules, not to quarter or year ends")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in KINDS if getattr(self, kind) is not None)


class PeriodSpec(_Strict):
    id: str | None = Field(None, min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    category: str | None = None
    level: str | None = None
    systems: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    description: str = ""
    rule: RuleSpec

    @property
    def key(self) -> str:
        return self.id or re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "period"


class RulesDocument(_Strict):
    timezone: str | None = None
    working_days: WorkingDaysSpec = WorkingDaysSpec()
    periods: tuple[PeriodSpec, ...]


def parse_rules(text: str, options: ParseOptions) -> ParsedCalendar:
    document = _load(text)
    spec = _validate(document)
    zone_name = options.zone_name(spec.timezone)
    try:
        zone = load_zone(zone_name)
    except CalendarError as error:
        error.line = document.line_of(("timezone",))
        raise
    horizon = options.horizon
    first_day = horizon.start.astimezone(zone).date() - timedelta(days=45)
    last_day = horizon.end.astimezone(zone).date() + timedelta(days=45)
    workdays = _working_days(
        spec.working_days, range(first_day.year - 1, last_day.year + 2), document
    )

    parsed = ParsedCalendar(format="rules", timezone=zone_name)
    seen: dict[str, int] = {}
    for index, period in enumerate(spec.periods):
        where = ("periods", index)
        label = f"'{period.title}' (period {index + 1})"
        if period.key in seen:
            raise CalendarError(
                f"the same id {period.key!r} as period {seen[period.key] + 1}; give each period its own id",
                line=document.line_of(where),
                event=label,
            )
        seen[period.key] = index
        draft = _period(period, options, zone_name, document.line_of(where), label)
        parsed.periods.append(draft)
        if draft.classification.source == "default":
            parsed.warnings.append(SourceWarning(
                "no category found; treated as custom at elevated",
                event=f"period {label}", line=document.line_of(where),
            ))  # fmt: skip
        for span in _spans(period.rule, workdays, first_day, last_day):
            start, end = (
                local_midnight(span.first, zone),
                local_midnight(span.last + timedelta(days=1), zone),
            )
            if horizon.overlaps(start, end):
                parsed.occurrences.append(OccurrenceDraft(start, end, period.key, span.instance))
        options.check_total(len(parsed.occurrences))
    parsed.occurrences.sort()
    return parsed


def _load(text: str) -> Document:
    try:
        document = load_document(text)
    except DocumentError as exc:
        raise CalendarError(str(exc), line=exc.line) from None
    if not isinstance(document.data, dict):
        raise CalendarError("a rules document is a mapping with a periods list", line=1)
    return document


def _validate(document: Document) -> RulesDocument:
    try:
        return RulesDocument.model_validate(document.data)
    except ValidationError as error:
        problem = first_problem(error, document)
        raise CalendarError(f"{problem.where}: {problem.message}", line=problem.line) from None


def _working_days(spec: WorkingDaysSpec, years: range, document: Document) -> WorkingDays:
    try:
        return spec.working_days(years)
    except ValueError as exc:
        raise CalendarError(
            f"working_days: {exc}", line=document.line_of(("working_days",))
        ) from None


def _period(
    period: PeriodSpec, options: ParseOptions, zone: str, line: int | None, label: str
) -> PeriodDraft:
    try:
        classification = classify(
            {"summary": period.title, "description": period.description},
            category=period.category,
            level=period.level,
            systems=period.systems,
            audiences=period.audiences,
            rules=options.mapping,
        )
    except ValueError as exc:
        raise CalendarError(str(exc), line=line, event=label) from None
    return PeriodDraft(
        key=period.key,
        title=period.title,
        classification=classification,
        description=period.description,
        recurrence=describe(period.rule),
        timezone=zone,
        origin=f"line {line}" if line else None,
    )


@dataclass(frozen=True, slots=True)
class Span:
    """Whole days ``first`` to ``last`` (inclusive) and the instance they stand for."""

    first: date
    last: date
    instance: str


def _spans(
    rule: RuleSpec, workdays: WorkingDays, first_day: date, last_day: date
) -> Iterator[Span]:
    if rule.annual is not None:
        yield from _annual(rule, workdays, first_day.year, last_day.year)
        return
    for year, month in _months(first_day, last_day):
        if rule.kind == "around":
            span = _around_end(rule, workdays, year, month)
        elif rule.months is not None and month not in rule.months:
            continue
        else:
            span = _within_month(rule, workdays, year, month)
        if span is not None:
            yield span


def _within_month(rule: RuleSpec, workdays: WorkingDays, year: int, month: int) -> Span | None:
    days = workdays.in_month(year, month)
    if not days:
        return None
    if rule.last_working_days is not None:
        chosen = days[-rule.last_working_days :]
    elif rule.first_working_days is not None:
        chosen = days[: rule.first_working_days]
    else:
        n = rule.nth_working_day or 0
        if abs(n) > len(days):
            return None
        start = days[n - 1] if n > 0 else days[n]
        chosen = [start, workdays.step(start, rule.days - 1)] if rule.days > 1 else [start]
    return Span(chosen[0], chosen[-1], f"{year:04d}-{month:02d}")


def _around_end(rule: RuleSpec, workdays: WorkingDays, year: int, month: int) -> Span | None:
    """The last ``before`` working days of the month, quarter or year and the first ``after`` after it."""
    if rule.around == "quarter_end" and month not in QUARTER_END_MONTHS:
        return None
    if rule.around == "year_end" and month != 12:
        return None
    if rule.around == "month_end" and rule.months is not None and month not in rule.months:
        return None
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_of_month = next_month - timedelta(days=1)
    first = (
        workdays.step(next_month, -rule.before) if rule.before else workdays.step(last_of_month, 1)
    )
    last = workdays.step(last_of_month, rule.after) if rule.after else workdays.step(next_month, -1)
    instance = {
        "month_end": f"{year:04d}-{month:02d}",
        "quarter_end": f"{year:04d}-Q{(month - 1) // 3 + 1}",
        "year_end": f"{year:04d}",
    }[rule.around or "month_end"]
    return Span(first, last, instance)


def _annual(
    rule: RuleSpec, workdays: WorkingDays, first_year: int, last_year: int
) -> Iterator[Span]:
    month, day = (int(part) for part in (rule.annual or "").split("-"))
    for year in range(first_year, last_year + 1):
        try:
            anchor = date(year, month, day)
        except ValueError:  # 29 February outside a leap year
            continue
        start = workdays.nearest(anchor, rule.if_not_working_day)
        yield Span(start, start + timedelta(days=rule.days - 1), f"{year:04d}")


def _months(first_day: date, last_day: date) -> Iterator[tuple[int, int]]:
    year, month = first_day.year, first_day.month
    while (year, month) <= (last_day.year, last_day.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def describe(rule: RuleSpec) -> str:
    """How a rule repeats, in words, for people reading a period list."""
    months = f" of {_month_names(rule.months)}" if rule.months else " of each month"
    if rule.last_working_days is not None:
        return f"last {_days(rule.last_working_days)}{months}"
    if rule.first_working_days is not None:
        return f"first {_days(rule.first_working_days)}{months}"
    if rule.nth_working_day is not None:
        n = rule.nth_working_day
        which = f"{_ordinal(n)} working day" if n > 0 else f"{_ordinal(-n)} last working day"
        which = "last working day" if n == -1 else which
        extra = f", for {rule.days} working days" if rule.days > 1 else ""
        return f"{which}{months}{extra}"
    if rule.around is not None:
        end = rule.around.replace("_", " ")
        return f"{_days(rule.before)} before to {_days(rule.after)} after each {end}"
    moved = {
        "keep": "",
        "previous": ", or the working day before",
        "next": ", or the next working day",
    }
    length = f" for {rule.days} days" if rule.days > 1 else ""
    return f"every year on {rule.annual}{moved[rule.if_not_working_day]}{length}"


def _days(count: int) -> str:
    return f"{count} working day{'s' if count != 1 else ''}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month_names(months: tuple[int, ...]) -> str:
    return ", ".join(date(2000, month, 1).strftime("%B") for month in sorted(months))
