"""Time to build the critical-period report for 500 systems and a month of results.

Fills a fresh database with a generated month (``tests/monitor/report/month.py``:
500 systems, one check each, hourly summaries for 30 days, a 5-day month-end
closing at the end naming every system) plus 500 incidents with their events,
20,000 deliveries and 2,000 feedback answers, then times, each ``--rounds``
times: building the figures (the SQL), the JSON answer, the CSV, the page's
charts, and the one-page PDF. Prints the median and the worst of each.
SQLite always; PostgreSQL too when ``--postgres URL`` names a server's admin
database (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres): the bench
creates a database of its own there and drops it after.
Nothing is asserted.
Run: ``python tests/bench/report_bench.py [--systems 500] [--days 30] [--rounds 5] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine, create_engine, func, insert, select, text

from monitor.api.schemas_report import PeriodReportOut
from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.db.models import CheckSummary, Delivery, Feedback, Incident, IncidentEvent, System
from monitor.paths import templates_dir
from monitor.report.export import to_csv
from monitor.report.service import charts_of, load_report, pdf_of
from monitor.settings import Settings
from tests.monitor.report.month import END, generate_month

ZONE = ZoneInfo("Europe/Berlin")


def fill(engine: Engine, systems: int, days: int) -> int:
    occurrence_id = generate_month(engine, systems=systems, days=days)
    start = END - timedelta(days=5)
    with session_scope(engine) as session:
        ids = list(session.execute(select(System.id).order_by(System.id)).scalars())
        incidents = [{"system_id": ids[n % len(ids)], "status": "closed", "level": 2, "title": f"web {n}: refused",
                      "public_line": "", "handler": "", "summary": "", "what_you_can_do": "", "priority": "p2",
                      "opened_at": start + timedelta(minutes=13 * n), "closed_at": start + timedelta(minutes=13 * n + 40)}
                     for n in range(500)]  # fmt: skip
        session.execute(insert(Incident), incidents)
        incident_ids = list(session.execute(select(Incident.id)).scalars())
        session.execute(insert(IncidentEvent), [
            {"incident_id": i, "at": start, "kind": kind, "message": "", "data": {}}
            for i in incident_ids for kind in ("opened", "announced", "auto_update")
        ])  # fmt: skip
        deliveries = [{"dedupe_key": f"d/{n}", "kind": "incident" if n % 2 else "heads_up", "channel": "email",
                       "audience": "finance", "recipient_name": "", "recipient_address": f"r{n}@example.com",
                       "occurrence_id": None if n % 2 else occurrence_id,
                       "incident_id": incident_ids[n % len(incident_ids)] if n % 2 else None,
                       "due_at": start, "first_due_at": start, "status": "sent" if n % 50 else "dead",
                       "attempts": 1, "last_error": "", "subject": "", "created_at": start, "updated_at": start,
                       "sent_at": start + timedelta(minutes=1)} for n in range(20_000)]  # fmt: skip
        session.execute(insert(Delivery), deliveries)
        session.execute(insert(Feedback), [
            {"dedupe_key": f"d/{n}", "audience": "finance", "recipient_address": f"r{n}@example.com",
             "occurrence_id": occurrence_id, "answer": "rating", "rating": 1 + n % 5,
             "comment": "fine" if n % 10 == 0 else "", "at": END}
            for n in range(0, 4000, 2)
        ])  # fmt: skip
        summaries = session.execute(select(func.count()).select_from(CheckSummary)).scalar_one()
    print(f"  filled: {systems} systems, {days} days, {summaries:,} hourly summaries, 500 incidents, "
          "20,000 deliveries, 2,000 feedback answers")  # fmt: skip
    return occurrence_id


def timed(rounds: int, work: Callable[[], object]) -> tuple[float, float, object]:
    seconds, result = [], None
    for _ in range(rounds):
        began = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), max(seconds), result


def run(name: str, engine: Engine, args: argparse.Namespace) -> None:
    print(f"{name}:")
    occurrence_id = fill(engine, args.systems, args.days)
    now = END + timedelta(days=1)
    settings = Settings(data_dir=Path(tempfile.gettempdir()))
    pages = Environment(
        loader=FileSystemLoader(templates_dir()), autoescape=select_autoescape(default=True)
    )
    median, worst, report = timed(args.rounds, lambda: load_report(engine, occurrence_id, now=now))
    print(
        f"  build the figures (SQL):         median {median * 1000:8.1f} ms, worst {worst * 1000:8.1f} ms"
    )
    steps: dict[str, Callable[[], object]] = {
        "JSON answer": lambda: PeriodReportOut.model_validate(report).model_dump_json(),
        "CSV": lambda: to_csv(report),  # type: ignore[arg-type]
        "charts (every system)": lambda: charts_of(report, report.systems, ZONE),  # type: ignore[union-attr,arg-type]
        "one-page PDF (in a job worker)": lambda: pdf_of(settings, pages, report, ZONE),  # type: ignore[arg-type]
    }
    for label, step in steps.items():
        median, worst, _ = timed(args.rounds, step)
        print(f"  {label + ':':32} median {median * 1000:8.1f} ms, worst {worst * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", type=int, default=500)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to fill as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/closewatch.db")
        upgrade(engine)
        run("SQLite", engine, args)
        engine.dispose()
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"closewatch_report_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
            upgrade(engine)
            run("PostgreSQL", engine, args)
            engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
