"""One leader among replicas sharing PostgreSQL; SQLite always leads."""

from __future__ import annotations

import time
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


@pytest.mark.postgres
def test_a_silent_leader_stops_leading_before_its_lock_passes_on(postgres_url: str) -> None:
    first, second = make_engine(postgres_url), make_engine(postgres_url)
    one = Leadership(first, step_down=0.5, lease=1.5)
    other = Leadership(second, step_down=0.5, lease=1.5)
    try:
        assert one.try_lead() is True
        silent_since = time.monotonic()  # no heartbeat from here on: as if its connection hung
        assert other.try_lead() is False
        while not other.try_lead():  # the standby tries, as its thread does, until the lease ends
            if time.monotonic() - silent_since >= 0.5:
                assert one.leads() is False, "past its step-down time it must not count as leader"
            assert time.monotonic() - silent_since < 10, "the server never ended the silent session"
            time.sleep(0.1)
        assert time.monotonic() - silent_since >= 1.5, "the lock passed on before the lease ran out"
        assert one.leads() is False
        with pytest.raises(Exception, match="idle-session timeout"):
            one.try_lead()  # the first replica finds its session gone ...
        assert one.try_lead() is False  # ... and, on a new one, that another leads
    finally:
        one.release()
        other.release()
        first.dispose()
        second.dispose()
