"""Only the leader refreshes on schedule: a replica that does not lead never starts to."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.api import create_app
from monitor.api.state import app_state
from monitor.db.engine import make_engine
from monitor.leader import Leadership
from monitor.settings import Settings

pytestmark = pytest.mark.wallclock  # the app with its background work, on the real clock


async def _refreshing_after_start(engine: Engine, settings: Settings) -> bool:
    app = create_app(settings, engine=engine, background=True)
    state = app_state(app)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(1)  # the first try to lead runs at once
        assert state.subscriptions is not None
        return state.subscriptions.running


@pytest.mark.postgres
async def test_a_replica_that_does_not_lead_does_not_refresh(
    postgres_url: str, settings: Settings
) -> None:
    leader_engine, replica = make_engine(postgres_url), make_engine(postgres_url)
    leader = Leadership(leader_engine)
    try:
        assert leader.try_lead() is True  # another replica leads
        assert await _refreshing_after_start(replica, settings) is False
    finally:
        leader.release()
        leader_engine.dispose()
        replica.dispose()


async def test_the_only_process_leads_and_refreshes(settings: Settings, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'closewatch.db'}")  # SQLite: one process
    try:
        assert await _refreshing_after_start(engine, settings) is True
    finally:
        engine.dispose()
