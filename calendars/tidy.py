"""What every parsed calendar must be before anyone stores or shows it.

Run once on the result of every format (iCalendar, CSV, rules), so each parser
need not remember it:

- Unwanted characters (control characters, bidirectional overrides, lone
  surrogates: see :mod:`calendars.text`) are removed from titles, keys,
  descriptions, system and audience names and the warnings that quote them
  (a NUL, for one, no PostgreSQL column holds), with one warning that says how
  many were cleaned and where the first was. Exports carry such characters by
  accident (a vertical tab from a spreadsheet cell); refusing a year of
  periods for one would help nobody, and storing them would ring terminals and
  break feeds.
- A title, key or name longer than the column that holds it is refused,
  naming the period and its line: a 100,000-character title is a broken
  export or an attack, and cutting it would store something nobody wrote.
"""

from __future__ import annotations

from dataclasses import replace

from calendars.errors import CalendarError
from calendars.model import OccurrenceDraft, ParsedCalendar, PeriodDraft, SourceWarning
from calendars.text import unwanted_in, without_unwanted

TITLE_LENGTH = 500  # the title columns of periods and occurrences
KEY_LENGTH = 500  # a period's key: a UID, an id, a title
NAME_LENGTH = 200  # a system's or an audience's name
UNTITLED = "(untitled)"


def tidy(parsed: ParsedCalendar) -> ParsedCalendar:
    """``parsed`` cleaned in place of unwanted characters; CalendarError for what is too long."""
    cleaned: list[PeriodDraft] = []
    keys: dict[str, str] = {}  # as parsed -> as stored
    stored: set[str] = set()
    first: PeriodDraft | None = None
    for period in parsed.periods:
        tidied = _period(period)
        if tidied != period and first is None:
            first = period
        if tidied.key in stored:
            raise _error(period, "has the same identity (UID or id) as another period once its control characters are removed")  # fmt: skip
        keys[period.key] = tidied.key
        stored.add(tidied.key)
        cleaned.append(tidied)
    titles = {period.key: period for period in parsed.periods}
    occurrences: list[OccurrenceDraft] = []
    for occurrence in parsed.occurrences:
        tidied_occurrence = _occurrence(occurrence, keys, titles)
        if tidied_occurrence != occurrence and first is None:
            first = titles.get(occurrence.period_key)
        occurrences.append(tidied_occurrence)
    # Warnings quote titles and UIDs as the parsers read them.
    parsed.warnings = [_warning(warning) for warning in parsed.warnings]
    if first is not None:
        parsed.warnings.append(SourceWarning(
            "control characters removed from titles, identities or names",
            event=f"period {_label(first)}", line=_line(first),
        ))  # fmt: skip
    parsed.periods, parsed.occurrences = cleaned, occurrences
    return parsed


def _warning(warning: SourceWarning) -> SourceWarning:
    if unwanted_in(warning.message) is None and unwanted_in(warning.event or "") is None:
        return warning
    event = without_unwanted(warning.event) if warning.event else warning.event
    return replace(warning, message=without_unwanted(warning.message), event=event)


def _period(period: PeriodDraft) -> PeriodDraft:
    title = _fitting(period, "title", without_unwanted(period.title).strip(), TITLE_LENGTH)
    key = _fitting(period, "identity (UID or id)", without_unwanted(period.key), KEY_LENGTH)
    c = period.classification
    systems = tuple(_name(period, "system", name) for name in c.systems)
    audiences = tuple(_name(period, "audience", name) for name in c.audiences)
    rule = without_unwanted(c.rule) if c.rule else c.rule
    description = period.description
    if unwanted_in(description, lines=True):
        description = without_unwanted(description, lines=True)
    if (key, title, systems, audiences, rule, description) == (
        period.key, period.title, c.systems, c.audiences, c.rule, period.description,
    ):  # fmt: skip
        return period
    return replace(
        period,
        key=key or UNTITLED,
        title=title or UNTITLED,
        description=description,
        classification=replace(
            c,
            systems=tuple(name for name in systems if name),
            audiences=tuple(name for name in audiences if name),
            rule=rule,
        ),
    )


def _occurrence(
    occurrence: OccurrenceDraft, keys: dict[str, str], periods: dict[str, PeriodDraft]
) -> OccurrenceDraft:
    key = keys.get(occurrence.period_key, occurrence.period_key)
    title = occurrence.title
    if title is not None:
        title = _fitting(periods[occurrence.period_key], "title", without_unwanted(title).strip(), TITLE_LENGTH) or None  # fmt: skip
    if key == occurrence.period_key and title == occurrence.title:
        return occurrence
    return replace(occurrence, period_key=key, title=title)


def _name(period: PeriodDraft, kind: str, name: str) -> str:
    return _fitting(period, f"{kind} name", without_unwanted(name).strip(), NAME_LENGTH)


def _fitting(period: PeriodDraft, what: str, text: str, limit: int) -> str:
    if len(text) > limit:
        raise _error(period, f"{what} is {len(text):,} characters long; at most {limit} fit")
    return text


def _error(period: PeriodDraft, reason: str) -> CalendarError:
    return CalendarError(reason, line=_line(period), event=_label(period))


def _label(period: PeriodDraft) -> str:
    title = without_unwanted(period.title)
    return f"'{title[:60]}…'" if len(title) > 60 else f"'{title}'"


def _line(period: PeriodDraft) -> int | None:
    """The line the parsers wrote into ``origin`` ("line 12"), if any."""
    where = (period.origin or "").removeprefix("line ")
    return int(where) if where.isdecimal() and where.isascii() else None
