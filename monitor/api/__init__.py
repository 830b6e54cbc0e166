"""The HTTP API: ``create_app`` wires settings, storage and routes."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from monitor.api import (
    routes_alerts,
    routes_audiences,
    routes_calendars,
    routes_deliveries,
    routes_feed,
    routes_health,
    routes_incidents,
    routes_intensity,
    routes_maintenance,
    routes_period_reports,
    routes_periods,
    routes_previews,
    routes_prometheus,
    routes_public,
    routes_report,
    routes_status,
    routes_subscriptions,
    routes_systems,
    routes_templates,
    routes_tokens,
)
from monitor.api.background import background_work
from monitor.api.headers import SecurityHeaders
from monitor.api.limits import BodySizeLimit
from monitor.api.nul import NoNulInUrl
from monitor.api.openapi import install_openapi
from monitor.api.pages import calendars as calendars_page
from monitor.api.pages import (
    dashboard,
    home,
    incidents,
    live,
    maintenance,
    manage_audiences,
    manage_systems,
    notice_preview,
    period_report,
    signin,
    subscribe,
    subscribe_confirm,
    systems,
)
from monitor.api.pages import (
    subscriptions as subscriptions_page,
)
from monitor.api.problems import install_problem_handlers
from monitor.api.state import AppState, attach
from monitor.clock import Clock, system_clock
from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.notices.service import NoticeService
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import EMPTY_SITE, Site, SiteFile, read_site_file
from monitor.store.audiences import sync_site_audiences
from monitor.store.subscriptions import subscription_states
from monitor.store.systems import sync_site
from monitor.subscribers.audiences import sync_subscriber_audiences
from monitor.subscriptions.schedule import SubscriptionRefresher
from monitor.watch.watcher import Watcher

# Every route the service has, API and pages, in the order they are matched.
ROUTERS = tuple(
    module.router
    for module in (
        routes_calendars,
        routes_subscriptions,
        routes_periods,
        routes_alerts,
        routes_systems,
        routes_intensity,
        routes_prometheus,
        routes_audiences,
        routes_templates,
        routes_previews,
        routes_deliveries,
        routes_incidents,
        routes_period_reports,
        routes_maintenance,
        routes_tokens,
        routes_health,
        routes_public,
        routes_report,
        routes_status,
        routes_feed,
        home,
        signin,
        dashboard,
        calendars_page,
        subscriptions_page,
        notice_preview,
        manage_systems,
        manage_audiences,
        systems,
        incidents,
        live,
        subscribe,
        subscribe_confirm,
        period_report,
        maintenance,
    )
)

# Multipart framing and the small form fields ride on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock = system_clock,
    migrate: bool = True,
    background: bool = False,
    site: SiteFile | None = None,
) -> FastAPI:
    """The service. ``background`` starts the watcher (checks, levels, incidents) with the app."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.effective_database_url)
    if migrate:
        upgrade(engine)
    if site is None and settings.site_file is not None:
        site = read_site_file(settings.site_file)
    if site is not None:
        with session_scope(engine) as session:
            sync_site(session, site, now=clock())
            sync_site_audiences(session, site, now=clock())
            sync_subscriber_audiences(session, Site(site, settings.timezone), now=clock())

    app = FastAPI(
        title="closewatch",
        version=version("closewatch"),
        description="Critical business periods in, closer watching and plain-language notices out.",
    )
    site_view = Site(site or EMPTY_SITE, default_timezone=settings.timezone)
    metrics = Metrics()
    intensity = IntensityService(engine, site_view, clock)
    metrics.read_intensity_from(intensity.state)
    metrics.read_subscriptions_from(lambda: subscription_states(engine))
    state = AppState(
        settings=settings,
        engine=engine,
        clock=clock,
        site=site_view,
        metrics=metrics,
        intensity=intensity,
        pages=Environment(
            loader=FileSystemLoader(templates_dir()), autoescape=select_autoescape(default=True)
        ),
    )
    if background:
        state.watcher = Watcher(engine, settings, intensity, metrics, clock)
        state.notices = NoticeService(
            engine, settings, site_view, metrics, intensity=intensity, clock=clock
        )
        # Incidents are told to the people they concern as soon as they open.
        state.watcher.on_incident = state.notices.incident_changed
        state.subscriptions = SubscriptionRefresher(
            engine, settings, metrics, on_change=state.changed, clock=clock
        )
        app.router.lifespan_context = background_work(state)
    attach(app, state)
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(BodySizeLimit, limit=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    app.add_middleware(NoNulInUrl)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, the 413s included
    for router in ROUTERS:
        app.include_router(router)
    return app
