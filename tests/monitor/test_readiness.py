"""``/readyz`` answers within its limit when the database hangs, and holds one thread for it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from monitor.api import create_app
from monitor.api.routes_health import READY_TIMEOUT_SECONDS
from monitor.db.engine import make_engine
from monitor.settings import Settings
from tests.conftest import NOW
from tests.faults.proxy import StallingProxy, stalling_proxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[StallingProxy]:
    url = make_url(postgres_url)
    with stalling_proxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        yield proxy


async def test_a_hanging_database_is_not_ready_within_the_limit_with_one_query_in_flight(
    postgres_url: str, proxy: StallingProxy, tmp_path: Path
) -> None:
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    engine = make_engine(through_proxy.render_as_string(hide_password=False))
    app = create_app(Settings(data_dir=tmp_path), engine=engine, clock=lambda: NOW, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        assert (await client.get("/readyz")).status_code == 200
        proxy.stall()
        threads_before = threading.active_count()
        started = time.monotonic()

        # Three rounds of five probes at once, as impatient orchestrators poll.
        answers = []
        for _round in range(3):
            answers += await asyncio.gather(*(client.get("/readyz") for _ in range(5)))
        took = time.monotonic() - started

        assert {answer.status_code for answer in answers} == {503}
        assert "did not answer within 2 s" in answers[0].json()["detail"]
        assert took < 3 * (READY_TIMEOUT_SECONDS + 1)
        assert threading.active_count() - threads_before <= 1  # the one query still waiting

        proxy.flow()
        deadline = time.monotonic() + 30
        while (await client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, (
                "/readyz stayed not ready after the database came back"
            )
            await asyncio.sleep(0.2)
    engine.dispose()
