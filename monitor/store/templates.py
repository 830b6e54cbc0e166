"""Uploaded notice template overrides, keyed like the renderer's: (audience, category, kind, lang).

``None`` for audience or category means "any". SQL treats nulls as distinct in
a unique constraint, so saving looks the row up (``IS NULL``) before replacing it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, select
from sqlmodel import Session, col

from monitor.db.models import NoticeTemplate
from notifiers.render import OverrideKey, TemplateSet


def load_overrides(session: Session) -> dict[OverrideKey, TemplateSet]:
    """Every stored override, ready for :class:`notifiers.render.NoticeRenderer`."""
    return {
        key_of(row): TemplateSet(subject=row.subject, text=row.text, html=row.html)
        for row in list_overrides(session)
    }


def list_overrides(session: Session) -> list[NoticeTemplate]:
    query = select(NoticeTemplate).order_by(
        NoticeTemplate.kind,
        NoticeTemplate.lang,
        col(NoticeTemplate.audience),
        col(NoticeTemplate.category),
    )
    return list(session.execute(query).scalars())


def find_override(session: Session, key: OverrideKey) -> NoticeTemplate | None:
    return session.execute(select(NoticeTemplate).where(*_matching(key))).scalars().first()


def save_override(
    session: Session, key: OverrideKey, templates: TemplateSet, *, now: datetime
) -> tuple[NoticeTemplate, bool]:
    """Store ``templates`` under ``key``, replacing what was there; True when it is new."""
    row = find_override(session, key)
    created = row is None
    if row is None:
        audience, category, kind, lang = key
        row = NoticeTemplate(
            audience=audience, category=category, kind=kind, lang=lang, subject="", text="", html=""
        )
    row.subject, row.text, row.html = templates.subject, templates.text, templates.html
    row.updated_at = now
    session.add(row)
    session.flush()
    return row, created


def delete_override(session: Session, key: OverrideKey) -> bool:
    """Remove the override under ``key``; False when there was none."""
    # A DELETE's result is a CursorResult; SQLModel's Session.execute types every result as Result.
    result = cast(CursorResult[Any], session.execute(delete(NoticeTemplate).where(*_matching(key))))
    return bool(result.rowcount)


def key_of(row: NoticeTemplate) -> OverrideKey:
    return (row.audience, row.category, row.kind, row.lang)


def _matching(key: OverrideKey) -> list[ColumnElement[bool]]:
    audience, category, kind, lang = key
    return [
        col(NoticeTemplate.audience).is_(None)
        if audience is None
        else col(NoticeTemplate.audience) == audience,
        col(NoticeTemplate.category).is_(None)
        if category is None
        else col(NoticeTemplate.category) == category,
        col(NoticeTemplate.kind) == kind,
        col(NoticeTemplate.lang) == lang,
    ]
