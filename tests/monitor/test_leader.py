"""One leader among replicas sharing PostgreSQL; SQLite always leads."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.db.engine import make_engine
from monitor.leader import Leadership


@pytest.mark.postgres
def test_only_one_replica_leads_and_another_takes_over_when_it_goes(postgres_url: str) -> None:
    first, second = make_engine(postgres_url), make_engine(postgres_url)  # two replicas' pools
    one, other = Leadership(first), Leadership(second)
    try:
        assert one.try_lead() is True
        assert other.try_lead() is False
        assert one.try_lead() is True  # still leading: it keeps its lock

        one.release()  # the leader stops (or dies: its connection, and the lock, go)

        assert other.try_lead() is True
        assert one.try_lead() is False
    finally:
        one.release()
        other.release()
        first.dispose()
        second.dispose()


def test_sqlite_serves_one_process_which_always_leads(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'closewatch.db'}")
    assert Leadership(engine).try_lead() is True
    engine.dispose()
