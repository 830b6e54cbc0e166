"""PostgreSQL restarts while closewatch sends a 2,000-recipient fan-out and runs its checks.

A throwaway cluster of the test's own (see :mod:`tests.faults.cluster`) is
stopped (fast shutdown: every session ends) and started again under a running
``closewatch serve``. While it is away ``/readyz`` says so; afterwards the
service carries on without a restart: it leads (and checks) again, every
person has the message once, none of the outbox rows is left behind, and the
process never fell over. Figures (``-s``)::

    .venv/bin/pytest -s -q -p no:cacheprovider tests/faults/test_postgres_restart.py
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from monitor.db.engine import make_engine, session_scope
from monitor.db.models import Delivery
from tests.faults.cluster import throwaway_cluster
from tests.faults.mail import mail_server
from tests.faults.replicas import Replica, replica
from tests.faults.target import check_target
from tests.faults.test_smtp_outage import RECIPIENTS, import_calendar, site_file

pytestmark = pytest.mark.faults

DOWN_SECONDS = 5.0
CONNECTIONS = 4
DRAIN_LIMIT_SECONDS = 60


class Readiness:
    """``/readyz`` asked ten times a second in a thread: when it said not ready."""

    def __init__(self, served: Replica) -> None:
        self.served = served
        self.answers: list[tuple[float, bool]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._ask, daemon=True)
        self._thread.start()

    def _ask(self) -> None:
        # time.sleep, not Event.wait(0.1): a timed wait never returns under `faketime DATE`.
        with httpx.Client(timeout=2) as client:
            while not self._stop.is_set():
                time.sleep(0.1)
                at = time.monotonic()
                try:
                    ready = client.get(f"{self.served.base}/readyz").status_code == 200
                except httpx.HTTPError:
                    ready = False
                self.answers.append((at, ready))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def unready_seconds(self) -> float:
        """From the first "not ready" to the first "ready" after it."""
        first_unready = next((at for at, ready in self.answers if not ready), None)
        if first_unready is None:
            return 0.0
        back = next(at for at, ready in self.answers if ready and at > first_unready)
        return back - first_unready


def with_checks(site: Path, url: str) -> Path:
    checks = "".join(
        f'      - {{name: web{n}, kind: http, url: "{url}?n={n}", timeout: 2}}\n' for n in range(5)
    )
    text = site.read_text().replace(
        "systems:\n",
        "policy:\n  normal: {interval: 1s}\n"
        "systems:\n  - name: target\n    plain_name: the test target\n    checks:\n" + checks,
    )
    site.write_text(text)
    return site


def test_postgres_restart_mid_fan_out_and_checks_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    with throwaway_cluster() as cluster, mail_server() as smtp, check_target() as target:
        env = {
            "CLOSEWATCH_DATA_DIR": str(tmp_path / "data"),
            "CLOSEWATCH_DATABASE_URL": cluster.url,
            "CLOSEWATCH_SITE_FILE": str(with_checks(site_file(tmp_path / "site.yaml"), target.url)),
            "CLOSEWATCH_SMTP_HOST": "127.0.0.1",
            "CLOSEWATCH_SMTP_PORT": str(smtp.port),
            "CLOSEWATCH_SMTP_SECURITY": "none",
            "CLOSEWATCH_SMTP_CONNECTIONS": str(CONNECTIONS),
        }
        import_calendar(tmp_path, env)
        with replica(tmp_path / "data", env) as served:
            target.pids.add(served.pid)
            target.wait_for(served.pid, after=0, within=30)
            deadline = time.monotonic() + 60
            while len(smtp.received) < RECIPIENTS // 3:
                assert time.monotonic() < deadline, f"only {len(smtp.received)} arrived in 60 s"
                time.sleep(0.01)
            readiness = Readiness(served)
            time.sleep(0.5)

            down = time.monotonic()
            cluster.stop()
            arrived_before = len(smtp.received)
            time.sleep(DOWN_SECONDS)
            cluster.start()
            up = time.monotonic()

            checks_again = target.wait_for(served.pid, after=up, within=30)
            while len(smtp.by_recipient()) < RECIPIENTS:
                assert time.monotonic() - up < DRAIN_LIMIT_SECONDS, (
                    f"{RECIPIENTS - len(smtp.by_recipient())} not delivered "
                    f"{DRAIN_LIMIT_SECONDS} s after the database came back"
                )
                time.sleep(0.05)
            drained = time.monotonic() - up
            time.sleep(2)  # anything still on its way twice would arrive now
            readiness.stop()
            assert served.process.poll() is None, "the service fell over"
            assert served.metric("closewatch_leader") == 1
            assert httpx.get(f"{served.base}/readyz", timeout=5).status_code == 200
            checks_before = [at for at in target.from_pid(served.pid) if at < up]
            last_check_before = max(checks_before)

        engine = make_engine(cluster.url)
        with session_scope(engine) as session:
            heads_up = select(Delivery.status, func.count()).where(Delivery.kind == "heads_up")
            statuses = dict(session.execute(heads_up.group_by(Delivery.status)).all())
        engine.dispose()

    counts = smtp.by_recipient()
    lost = RECIPIENTS - len(counts)
    doubled = sum(count - 1 for count in counts.values())
    unready = readiness.unready_seconds()
    print(
        f"\nPostgreSQL down {up - down:.1f} s after {arrived_before} of {RECIPIENTS} messages: "
        f"/readyz not ready for {unready:.1f} s; lost {lost}, doubled {doubled}; "
        f"all delivered {drained:.1f} s after it was back; no checks for "
        f"{checks_again - last_check_before:.1f} s (checks again {checks_again - up:.1f} s after)"
    )
    assert unready >= DOWN_SECONDS * 0.8, "/readyz said ready while the database was away"
    assert lost == 0
    assert doubled == 0
    assert statuses == {"sent": RECIPIENTS}
