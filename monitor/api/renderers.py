"""The notice renderer the API and the running service use: defaults with the stored overrides."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from monitor.api.state import AppState
from monitor.db.engine import session_scope
from monitor.notices.overrides import IsolatedRenderer
from monitor.settings import Settings
from monitor.store.templates import (
    load_overrides,
)
from notifiers.render import NoticeRenderer, OverrideKey, TemplateSet


def current_renderer(
    engine: Engine, settings: Settings, *, language: str | None = None
) -> NoticeRenderer:
    """The shipped defaults with every stored override; ``language`` renders every notice in it."""
    with session_scope(engine) as session:
        overrides = load_overrides(session)
    if language is not None:
        return _InLanguage(settings, overrides, language)
    return IsolatedRenderer(settings, overrides)


def reload_renderer(app: AppState) -> None:
    """Make the running notice service render with the overrides as stored now."""
    notices = app.notices
    if notices is not None:
        renderer = current_renderer(app.engine, app.settings)
        notices.renderer = renderer
        notices.composer.renderer = renderer


class _InLanguage(IsolatedRenderer):
    """Renders in ``language`` whatever the audience reads, for a preview in another language."""

    def __init__(
        self, settings: Settings, overrides: dict[OverrideKey, TemplateSet], language: str
    ) -> None:
        super().__init__(settings, overrides)
        self.language = language

    def render(self, kind: str, context: Any, *, lang: str, **where: Any) -> Any:
        period = {k: v for k, v in context["period"].items() if k != "category_label"}
        reader = {**context["reader"], "language": self.language}
        ctx = {**context, "reader": reader, "period": period}
        return super().render(kind, ctx, lang=self.language, **where)
