"""What a batch of notices shares is kept for the newest occurrences only."""

from __future__ import annotations

from sqlalchemy import Engine

from monitor.notices.compose import SHARED_KEPT, Composer
from monitor.paths import templates_dir
from monitor.settings import Settings
from notifiers.render import NoticeRenderer
from tests.conftest import NOW


def test_shared_parts_are_kept_for_the_newest_occurrences_only(
    engine: Engine, settings: Settings
) -> None:
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )
    asked = range(1, SHARED_KEPT + 11)

    for occurrence_id in asked:
        composer.shared_for("heads_up", occurrence_id)

    kept = list(composer._shared)
    assert len(kept) == SHARED_KEPT
    assert kept == [("heads_up", occurrence_id) for occurrence_id in asked[-SHARED_KEPT:]]
