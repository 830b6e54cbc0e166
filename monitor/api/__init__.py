"""The HTTP API: ``create_app`` wires settings, storage and routes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version

from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from monitor.api import routes_calendars, routes_pages, routes_periods
from monitor.api.background import background_work
from monitor.api.limits import BodySizeLimit
from monitor.api.problems import install_problem_handlers
from monitor.db.engine import make_engine
from monitor.db.migrate import upgrade
from monitor.paths import templates_dir
from monitor.settings import Settings

# Multipart framing and the small form fields ride on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    migrate: bool = True,
    background: bool = False,
) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings.effective_database_url)
    if migrate:
        upgrade(engine)

    app = FastAPI(
        lifespan=background_work(engine, settings, clock) if background else None,
        title="closewatch",
        version=version("closewatch"),
        description="Critical business periods in, closer watching and plain-language notices out.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock
    app.state.pages = Environment(
        loader=FileSystemLoader(templates_dir()), autoescape=select_autoescape(default=True)
    )
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, limit=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    for module in (routes_calendars, routes_periods, routes_pages):
        app.include_router(module.router)
    return app
