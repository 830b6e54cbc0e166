"""Leader failover between real replicas on PostgreSQL: quick, and never two leaders at once.

Three ``closewatch serve`` processes share one database and watch one local
target; the target records which process each check came from. The first
leader is killed with SIGKILL; then the database connection of the standby
that took over (each standby reaches PostgreSQL through a proxy of its own)
hangs silently. Figures (``-s``)::

    .venv/bin/pytest -s -q -p no:cacheprovider tests/faults/test_leader_failover.py
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.faults.databases import scratch_database
from tests.faults.proxy import StallingProxy, stalling_proxy
from tests.faults.replicas import Replica, replica, replicas
from tests.faults.target import CheckTarget, check_target

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

CHECKS = 10  # each once a second: the target hears from the leader every tenth of a second
KILLED_TAKEOVER_LIMIT = 5.0
HUNG_STEP_DOWN_LIMIT = 30.0


def site_file(path: Path, target: CheckTarget) -> Path:
    checks = "\n".join(
        f'      - {{name: web{n}, kind: http, url: "{target.url}?n={n}", timeout: 2}}'
        for n in range(CHECKS)
    )
    path.write_text(
        "policy:\n  normal: {interval: 1s}\n"
        "systems:\n  - name: target\n    plain_name: the test target\n    checks:\n" + checks + "\n"
    )
    return path


def assert_standby(target: CheckTarget, *standbys: Replica) -> None:
    time.sleep(2)  # long enough for a leader to have probed twenty times
    for standby in standbys:
        assert target.from_pid(standby.pid) == [], "a standby ran checks"
        assert standby.metric("closewatch_leader") == 0


def leader_among(
    target: CheckTarget, candidates: list[Replica], *, after: float
) -> tuple[Replica, float]:
    """The replica whose checks reach the target first after ``after``, and when."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        firsts = [
            (hits[0], each)
            for each in candidates
            if (hits := target.from_pid(each.pid, after=after))
        ]
        if firsts:
            at, leader = min(firsts, key=lambda first: first[0])
            return leader, at
        time.sleep(0.05)
    raise AssertionError("no standby took over within 20 s")


def test_a_standby_takes_over_quickly_and_two_replicas_never_check_at_once(
    tmp_path: Path,
) -> None:
    with scratch_database("faults") as url, check_target() as target, ExitStack() as stack:
        parsed = make_url(url)
        upstream = (parsed.host or "127.0.0.1", parsed.port or 5432)
        site = site_file(tmp_path / "site.yaml", target)
        env = {"CLOSEWATCH_DATABASE_URL": url, "CLOSEWATCH_SITE_FILE": str(site)}
        proxies: list[StallingProxy] = [stack.enter_context(stalling_proxy(upstream)) for _ in "bc"]
        through = [
            env | {"CLOSEWATCH_DATABASE_URL": parsed.set(host="127.0.0.1", port=proxy.port)
                   .render_as_string(hide_password=False)}
            for proxy in proxies
        ]  # fmt: skip

        first = stack.enter_context(replica(tmp_path / "a", env))
        target.pids.add(first.pid)
        target.wait_for(first.pid, after=0, within=30)
        standbys = stack.enter_context(
            replicas((tmp_path / "b", through[0]), (tmp_path / "c", through[1]))
        )
        target.pids.update(each.pid for each in standbys)
        assert_standby(target, *standbys)

        killed = time.monotonic()
        first.kill()
        second, took_over = leader_among(target, standbys, after=killed)
        killed_takeover = took_over - killed
        third = standbys[1 - standbys.index(second)]
        assert target.from_pid(third.pid) == [], "both standbys took over"

        stalled = time.monotonic()
        proxies[standbys.index(second)].stall()
        third_leads = target.wait_for(third.pid, after=stalled, within=40)
        time.sleep(2)
        last_of_second = max(target.from_pid(second.pid))
        proxies[standbys.index(second)].flow()  # its connection comes back: it must stay a standby
        time.sleep(3)

        assert second.process.poll() is None, "the hung replica crashed"
        assert target.from_pid(second.pid, after=third_leads) == []
        assert target.from_pid(third.pid, after=time.monotonic() - 1), "the new leader stopped"
        assert second.metric("closewatch_leader") == 0

    hung_step_down = last_of_second - stalled
    hung_takeover = third_leads - stalled
    overlap = max(0.0, last_of_second - third_leads)
    print(
        f"\nleader killed (SIGKILL): the standby's first check {killed_takeover:.2f} s later"
        f"\nleader's database hung: its last check {hung_step_down:.2f} s later, "
        f"the standby's first {hung_takeover:.2f} s later; overlap {overlap:.2f} s"
    )
    assert killed_takeover < KILLED_TAKEOVER_LIMIT
    assert hung_step_down < HUNG_STEP_DOWN_LIMIT
    assert last_of_second < third_leads, f"two replicas checked at once for {overlap:.2f} s"
