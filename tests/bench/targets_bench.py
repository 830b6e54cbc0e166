"""How long Prometheus waits for its targets: ``GET /api/v1/prometheus/targets`` at scale.

Fills a fresh SQLite database with ``--systems`` systems of one HTTP, one TCP and one
TLS check each (a tenth of the systems with their own policy), and one critical period
over a tenth of them, then asks for the targets ``--rounds`` times through the app
in-process. Prints the document's size, the time of the first answer (which builds the
document) and of the later ones (p50, max; kept until a level boundary passes or the data
changes): with the shipped refresh of 15 s, each Prometheus asks once per refresh.
Nothing is asserted.
Run: ``python tests/bench/targets_bench.py [--systems 10000] [--rounds 10]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from calendars import Category, Level
from monitor.api import create_app
from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.db.models import Calendar, Check, Occurrence, Period, PeriodTarget, System
from monitor.roles import Role
from monitor.settings import Settings
from monitor.store.tokens import create_token


def fill(url: str, systems: int, now: datetime) -> str:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        session.execute(insert(System), [
            {"name": f"sys-{n:05d}", "plain_name": f"system {n}", "managed_by": "api",
             "policy": {"critical": {"interval": 10.0}} if n % 10 == 0 else {}, "alerts": [],
             "updated_at": now} for n in range(systems)])  # fmt: skip
        ids = dict(session.execute(select(System.name, System.id)).all())
        checks = []
        for name, system_id in ids.items():
            checks += [
                {"system_id": system_id, "name": "web", "kind": "http",
                 "spec": {"kind": "http", "name": "web", "url": f"https://{name}.example.com/health"}},
                {"system_id": system_id, "name": "db", "kind": "tcp",
                 "spec": {"kind": "tcp", "name": "db", "host": f"{name}-db.example.com", "port": 5432}},
                {"system_id": system_id, "name": "cert", "kind": "tls",
                 "spec": {"kind": "tls", "name": "cert", "host": f"{name}.example.com"}},
            ]  # fmt: skip
        session.execute(insert(Check), checks)
        calendar = Calendar(name="closing", timezone="UTC", format="ics", source=b"",
                            content_hash="0", created_at=now, updated_at=now, expanded_at=now)  # fmt: skip
        session.add(calendar)
        session.flush()
        period = Period(calendar_id=calendar.id or 0, key="close", title="Closing",
                        category=Category.CUSTOM.value, level=int(Level.CRITICAL), classified_by="explicit")  # fmt: skip
        session.add(period)
        session.flush()
        session.execute(insert(PeriodTarget), [
            {"period_id": period.id, "kind": "system", "name": f"sys-{n:05d}"} for n in range(0, systems, 10)
        ])  # fmt: skip
        session.add(Occurrence(period_id=period.id or 0, calendar_id=calendar.id or 0, instance="1",
                               start=now - timedelta(days=1), end=now + timedelta(days=1),
                               category=Category.CUSTOM.value, level=int(Level.CRITICAL)))  # fmt: skip
        _row, secret = create_token(session, name="bench", role=Role.VIEWER, now=now)
    engine.dispose()
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'closewatch.db'}"
        secret = fill(url, args.systems, now)
        app = create_app(Settings(data_dir=Path(folder), database_url=url), clock=lambda: now)
        with TestClient(app) as client:
            times, size, groups = [], 0, 0
            for _ in range(args.rounds):
                started = time.perf_counter()
                answer = client.get("/api/v1/prometheus/targets",
                                    headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
                times.append(time.perf_counter() - started)
                size, groups = len(answer.content), len(answer.json())
    later = times[1:] or times
    print(f"{args.systems:,} systems, {groups:,} target groups, {size / 1e6:.1f} MB: "
          f"first answer {times[0] * 1000:.0f} ms; then p50 {statistics.median(later) * 1000:.0f} ms, "
          f"max {max(later) * 1000:.0f} ms over {len(later)} answers")  # fmt: skip


if __name__ == "__main__":
    main()
