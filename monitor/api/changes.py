"""Telling the watcher and the notice planner that calendars, systems or audiences changed."""

from __future__ import annotations

from fastapi import FastAPI


def notify_changed(app: FastAPI) -> None:
    """The watcher reschedules now, not at its next poll."""
    # Two edits within one clock tick look alike to the data version: drop the index outright.
    app.state.intensity.invalidate()
    for worker in (app.state.watcher, app.state.notices):
        if worker is not None:
            worker.changed()
