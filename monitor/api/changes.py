"""Telling the watcher that calendars or systems changed."""

from __future__ import annotations

from fastapi import FastAPI


def notify_changed(app: FastAPI) -> None:
    """The watcher reschedules now, not at its next poll."""
    watcher = app.state.watcher
    if watcher is not None:
        watcher.changed()
