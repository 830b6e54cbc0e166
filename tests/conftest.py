"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), the app, tokens.

PostgreSQL tests run in a database created for this test session and dropped
after it. Outside CI they skip when the server is unreachable; under CI
(``CI=true``) an unreachable server fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from monitor.api import create_app
from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.roles import Role
from monitor.settings import Settings
from monitor.store.tokens import create_token

# The wallclock marks, their guard and the date shares; pytester runs a suite of its own.
pytest_plugins = ["tests.wallclock", "pytester"]

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get(
    "CLOSEWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TABLES = ("period_target", "occurrence", "period", "calendar", "api_token", "browser_session",
          "signin_failure", "system", "audience",
          "system_check", "check_result", "check_summary", "incident", "incident_event",
          "delivery", "feedback", "unsubscribe", "notice_template", "problem_report",
          "external_alert", "subscription", "subscriber", "subscriber_request",
          "maintenance_window")  # fmt: skip

# A fixed "now" for the tests: the API's clock and the expansion horizon hang off it.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class PinnedClock:
    """The app's clock in tests: it says ``now``, which a test may move."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> PinnedClock:
    return PinnedClock()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"closewatch_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(
                f"PostgreSQL is required under CI but unreachable at {POSTGRES_ADMIN_URL}: {exc}"
            )
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once; each test gets a copy, a hundred times cheaper."""
    path = tmp_path_factory.mktemp("migrated") / "closewatch.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection's close folds the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a new SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "closewatch.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    engine = make_engine(request.getfixturevalue("postgres_url"))
    yield engine
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, timezone="Europe/Berlin", max_upload_bytes=256 * 1024)


@pytest.fixture
async def client(engine: Engine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        yield client


def make_token(engine: Engine, role: Role) -> dict[str, str]:
    with session_scope(engine) as session:
        _row, secret = create_token(
            session, name=f"{role.value}-{uuid.uuid4().hex[:6]}", role=role, now=NOW
        )
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def editor(engine: Engine) -> dict[str, str]:
    return make_token(engine, Role.EDITOR)


@pytest.fixture
def viewer(engine: Engine) -> dict[str, str]:
    return make_token(engine, Role.VIEWER)
