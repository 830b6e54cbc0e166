"""How long the watching pages take with many systems: the dashboard, its live numbers, and
one system's page.

Fills a fresh SQLite database with ``--systems`` systems of one HTTP check each, a result
every ``--every`` seconds for the last 24 hours of each check, and a critical period raising
them all; signs in and times ``GET /dashboard``, ``GET /dashboard/live.json`` and
``GET /systems/sys-0`` in-process (no network), ``--rounds`` times each. Prints the median
and the slowest; nothing is asserted.
Run: ``python tests/bench/pages_bench.py [--systems 300] [--every 60] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from monitor.api import create_app
from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.db.models import Check, CheckResult, System
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.roles import Role
from monitor.settings import Settings
from monitor.store.tokens import create_token
from monitor.watch.results import roll_up

NOW = datetime.now(UTC).replace(microsecond=0)


def fill(engine: object, settings: Settings, systems: int, every: int) -> str:
    with session_scope(engine) as session:  # type: ignore[arg-type]
        session.add_all(System(name=f"sys-{n}", plain_name=f"system {n}") for n in range(systems))
        session.flush()
        ids = dict(session.execute(select(System.name, System.id)).all())
        session.add_all(Check(system_id=ids[f"sys-{n}"], name="web", kind="http", spec={"url": f"http://sys-{n}.example/"})
                        for n in range(systems))  # fmt: skip
        session.flush()
        checks = list(session.execute(select(Check.id)).scalars())
        per_check = 24 * 3600 // every
        for check_id in checks:
            session.execute(insert(CheckResult), [
                {"check_id": check_id, "at": NOW - timedelta(seconds=every * i), "status": "down" if i % 97 == 0 else "up",
                 "duration_ms": 40.0 + i % 13, "level": 2, "message": ""} for i in range(per_check)
            ])  # fmt: skip
        _row, secret = create_token(session, name="bench", role=Role.EDITOR, now=NOW)
    names = ";".join(f"sys-{n}" for n in range(systems))
    day = NOW.date()
    sheet = f'title,start,end,level,systems\nMonth-end closing,{day - timedelta(days=2)},{day + timedelta(days=2)},high,"{names}"\n'
    upload = UploadedSource(name="bench", data=sheet.encode(), filename="bench.csv")
    import_calendar(engine, settings, ImportRequest(upload, format="csv"), now=NOW)  # type: ignore[arg-type]
    roll_up(engine, now=NOW)  # as the service does every hour  # type: ignore[arg-type]
    return secret


async def timed(client: httpx.AsyncClient, path: str, rounds: int) -> tuple[float, float, int]:
    took = []
    size = 0
    for _ in range(rounds):
        began = time.perf_counter()
        answer = await client.get(path)
        took.append(time.perf_counter() - began)
        assert answer.status_code == 200, (path, answer.status_code)
        size = len(answer.content)
    return statistics.median(took), max(took), size


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=300)
    parser.add_argument(
        "--every", type=int, default=60, help="seconds between results (default 60)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="closewatch-pages-"))
    settings = Settings(data_dir=data)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    began = time.perf_counter()
    secret = fill(engine, settings, args.systems, args.every)
    print(
        f"{args.systems} systems, {24 * 3600 // args.every:,} results each, filled in {time.perf_counter() - began:.1f} s"
    )
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        form = await client.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        await client.post("/signin", data={"csrf": csrf.group(1), "token": secret})
        for path in ("/dashboard", "/dashboard/live.json", "/systems/sys-0"):
            median, slowest, size = await timed(client, path, args.rounds)
            print(
                f"GET {path:22} median {median * 1000:7.0f} ms  slowest {slowest * 1000:7.0f} ms  {size / 1024:6.0f} KiB"
            )


if __name__ == "__main__":
    asyncio.run(main())
