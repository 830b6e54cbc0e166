"""Storing a parsed calendar: in place, by name, in one transaction.

Re-uploading a calendar with the same name updates its periods (matched by
key) and occurrences (matched by period and instance) so their ids survive, as
later notices refer to them; what the new file no longer has disappears.
Writes are batched: one statement per kind of change, not one per row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, col

from calendars import OccurrenceDraft, ParsedCalendar, PeriodDraft
from monitor.db.models import Calendar, Occurrence, Period, PeriodTarget, Subscription
from monitor.imports import UploadedSource


@dataclass(frozen=True, slots=True)
class SaveSummary:
    calendar: Calendar
    created: bool
    periods_added: int
    periods_updated: int
    periods_removed: int
    occurrences_added: int
    occurrences_updated: int
    occurrences_removed: int


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_calendar(session: Session, name: str) -> Calendar | None:
    return session.execute(select(Calendar).where(col(Calendar.name) == name)).scalar_one_or_none()


def save_calendar(
    session: Session, upload: UploadedSource, parsed: ParsedCalendar, *, now: datetime
) -> SaveSummary:
    """Create or update the calendar ``upload.name`` with ``parsed``'s periods."""
    calendar = session.execute(
        select(Calendar).where(col(Calendar.name) == upload.name).with_for_update()
    ).scalar_one_or_none()
    created = calendar is None
    if calendar is None:
        calendar = Calendar(
            name=upload.name, created_at=now, source=b"", timezone="", format="", content_hash=""
        )
    calendar.team = upload.team
    calendar.timezone = parsed.timezone
    calendar.format = parsed.format
    calendar.filename = upload.filename
    calendar.encoding = upload.encoding
    calendar.source = upload.data
    calendar.content_hash = content_hash(upload.data)
    calendar.mapping = upload.mapping
    calendar.warnings = [str(warning) for warning in parsed.warnings]
    calendar.updated_at = now
    calendar.expanded_at = now
    session.add(calendar)
    session.flush()
    assert calendar.id is not None
    counts = _sync_periods(session, calendar.id, parsed)
    return SaveSummary(calendar, created, *counts)


def refresh_occurrences(
    session: Session, calendar: Calendar, parsed: ParsedCalendar, *, now: datetime
) -> SaveSummary:
    """Store a re-expansion of an unchanged source over a newer horizon."""
    calendar.expanded_at = now
    calendar.warnings = [str(warning) for warning in parsed.warnings]
    session.add(calendar)
    session.flush()
    assert calendar.id is not None
    return SaveSummary(calendar, False, *_sync_periods(session, calendar.id, parsed))


def delete_calendar(session: Session, calendar: Calendar) -> None:
    """Remove a calendar with its periods and occurrences (the foreign keys cascade), and its
    subscription, which would otherwise bring it back at the next refresh."""
    session.execute(delete(Calendar).where(col(Calendar.id) == calendar.id))
    session.execute(delete(Subscription).where(col(Subscription.name) == calendar.name))


def _sync_periods(session: Session, calendar_id: int, parsed: ParsedCalendar) -> tuple[int, ...]:
    existing = {
        key: period_id
        for period_id, key in session.execute(
            select(col(Period.id), col(Period.key)).where(col(Period.calendar_id) == calendar_id)
        )
    }
    wanted = {period.key: period for period in parsed.periods}

    kept = [(existing[key], draft) for key, draft in wanted.items() if key in existing]
    if kept:
        session.execute(update(Period), [{"id": pid, **_period_row(d)} for pid, d in kept])

    added = [draft for key, draft in wanted.items() if key not in existing]
    ids = dict(existing)
    if added:
        rows = [{"calendar_id": calendar_id, "key": d.key, **_period_row(d)} for d in added]
        # One plain executemany, then one select for the new ids: the ORM's bulk
        # INSERT ... RETURNING stitches its batches together in quadratic time.
        session.execute(insert(Period), rows)
        new_keys = {d.key for d in added}
        for period_id, key in session.execute(
            select(col(Period.id), col(Period.key)).where(col(Period.calendar_id) == calendar_id)
        ):
            if key in new_keys:
                ids[key] = period_id

    period_ids = [ids[key] for key in wanted]
    _replace_targets(session, [(ids[key], draft) for key, draft in wanted.items()], period_ids)
    occurrence_counts = _sync_occurrences(session, calendar_id, parsed, ids)
    # Removed after the occurrences, so theirs are counted rather than cascaded away unseen.
    removed = [period_id for key, period_id in existing.items() if key not in wanted]
    for chunk in _chunks(removed, 5000):
        session.execute(delete(Period).where(col(Period.id).in_(chunk)))
    return (len(added), len(kept), len(removed), *occurrence_counts)


def _period_row(draft: PeriodDraft) -> dict[str, Any]:
    c = draft.classification
    return {
        "title": draft.title,
        "category": c.category.value,
        "level": int(c.level),
        "description": draft.description,
        "recurrence": draft.recurrence,
        "timezone": draft.timezone,
        "origin": draft.origin,
        "classified_by": c.source,
        "classification_rule": c.rule,
    }


def _replace_targets(
    session: Session, periods: Sequence[tuple[int, PeriodDraft]], period_ids: Sequence[int]
) -> None:
    # Targets carry no identity of their own, so rewriting them is simplest and cheap.
    for chunk in _chunks(period_ids, 5000):
        session.execute(delete(PeriodTarget).where(col(PeriodTarget.period_id).in_(chunk)))
    rows = [
        {"period_id": period_id, "kind": kind, "name": name}
        for period_id, draft in periods
        for kind, names in (
            ("system", draft.classification.systems),
            ("audience", draft.classification.audiences),
        )
        for name in dict.fromkeys(names)
    ]
    if rows:
        session.execute(insert(PeriodTarget), rows)


def _sync_occurrences(
    session: Session, calendar_id: int, parsed: ParsedCalendar, period_ids: dict[str, int]
) -> tuple[int, int, int]:
    existing: dict[tuple[int, str], tuple[int, datetime, datetime, str | None, str, int]] = {
        (row.period_id, row.instance): (
            row.id,
            row.start,
            row.end,
            row.title,
            row.category,
            row.level,
        )
        for row in session.execute(
            select(
                col(Occurrence.id),
                col(Occurrence.period_id),
                col(Occurrence.instance),
                col(Occurrence.start),
                col(Occurrence.end),
                col(Occurrence.title),
                col(Occurrence.category),
                col(Occurrence.level),
            ).where(col(Occurrence.calendar_id) == calendar_id)
        )
    }
    classification = {p.key: p.classification for p in parsed.periods}
    to_insert: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for draft in _unique(parsed.occurrences):
        period_id = period_ids[draft.period_key]
        identity = (period_id, draft.instance)
        seen.add(identity)
        c = classification[draft.period_key]
        values = (draft.start, draft.end, draft.title, c.category.value, int(c.level))
        row = {"start": draft.start, "end": draft.end, "title": draft.title,
               "category": c.category.value, "level": int(c.level)}  # fmt: skip
        if identity not in existing:
            to_insert.append({"period_id": period_id, "calendar_id": calendar_id,
                              "instance": draft.instance, **row})  # fmt: skip
        elif existing[identity][1:] != values:
            to_update.append({"id": existing[identity][0], **row})
    removed = [entry[0] for identity, entry in existing.items() if identity not in seen]
    for chunk in _chunks(removed, 5000):
        session.execute(delete(Occurrence).where(col(Occurrence.id).in_(chunk)))
    if to_update:
        session.execute(update(Occurrence), to_update)
    if to_insert:
        session.execute(insert(Occurrence), to_insert)
    return len(to_insert), len(to_update), len(removed)


def _unique(occurrences: Iterable[OccurrenceDraft]) -> Iterable[OccurrenceDraft]:
    """Drop repeated instances of a period (a source listing one twice), keeping the first."""
    seen: set[tuple[str, str]] = set()
    for draft in occurrences:
        identity = (draft.period_key, draft.instance)
        if identity not in seen:
            seen.add(identity)
            yield draft


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]
