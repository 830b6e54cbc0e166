"""What the application carries, in one typed object.

:func:`monitor.api.create_app` builds one :class:`AppState` and keeps it on the
app. Handlers reach it through the :data:`App` dependency; helpers that have
only the request use :func:`state_of`. Nothing else lives on ``app.state``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import jinja2
from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine

from monitor.alerts.targets import TargetsCache
from monitor.api.readiness import DatabasePing
from monitor.clock import Clock
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.settings import Settings
from monitor.site import Site

if TYPE_CHECKING:
    from monitor.api.routes_status import StatusCache
    from monitor.notices.service import NoticeService
    from monitor.subscriptions.schedule import SubscriptionRefresher
    from monitor.watch.watcher import Watcher


@dataclass(eq=False, slots=True)
class AppState:
    settings: Settings
    engine: Engine
    clock: Clock
    site: Site
    metrics: Metrics
    intensity: IntensityService
    pages: jinja2.Environment  # the page templates (sign-in, dashboard, status ...)
    # The background work, when the app runs it (``closewatch serve``); None in a bare app.
    watcher: Watcher | None = None
    notices: NoticeService | None = None
    subscriptions: SubscriptionRefresher | None = None  # runs on the leader
    leading: bool = True  # whether this replica leads: watches, plans, keeps promises
    status_cache: StatusCache | None = field(default=None)
    targets_cache: TargetsCache = field(default_factory=TargetsCache)  # Prometheus's SD answer
    readiness: DatabasePing = field(default_factory=DatabasePing)  # /readyz's one query in flight

    def changed(self) -> None:
        """Calendars, systems or audiences changed: levels, checks and plans follow now.

        Safe from any thread: sync handlers run in a worker thread."""
        # Two edits within one clock tick look alike to the data version: drop the index outright.
        self.intensity.invalidate()
        for worker in (self.watcher, self.notices):
            if worker is not None:
                worker.changed()


def attach(app: FastAPI, state: AppState) -> None:
    app.state.closewatch = state


def app_state(app: FastAPI) -> AppState:
    state = app.state.closewatch
    assert isinstance(state, AppState), "create_app attaches the AppState"
    return state


def state_of(request: Request) -> AppState:
    """The AppState of the app serving ``request``."""
    return app_state(request.app)


App = Annotated[AppState, Depends(state_of)]
