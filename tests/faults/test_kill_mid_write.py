"""kill -9 in the middle of a calendar import, an audience change and planning: nothing
is ever half-stored, and the next run completes the work.

Each command runs on PostgreSQL under its own ``application_name``; the test
watches ``pg_stat_activity`` and kills the command's whole process group (the
command and its worker processes) at the moment its transaction has written to
the table in question (it holds a transaction id, and its statement, running or
last run, writes that table) and not yet committed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from monitor.db.models import Audience, Calendar, Delivery, Occurrence, Period
from tests.faults.databases import scratch_database
from tests.served import CLOSEWATCH, free_port

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

TEAMS = 200  # audiences changed together: all old or all new, never some of each
MEMBERS = 1000  # of finance: planning stores a heads-up and a wrap-up for each
REPORTS = 1  # and the critical-period report for the IT contact
PERIODS = 3000  # in the big calendar: all stored or none


def site_file(path: Path, version: str) -> Path:
    teams = "".join(
        f"  - {{name: team{n}, timezone: Europe/Berlin, contact: {{name: Contact {version}, "
        f"email: it@example.com}}, members: [{{name: M{n}, email: m{n}@example.com}}]}}\n"
        for n in range(TEAMS)
    )
    finance = "".join(f"      - {{name: P{n}, email: p{n}@example.com}}\n" for n in range(MEMBERS))
    path.write_text(
        "systems:\n  - {name: sap-fi, plain_name: the invoicing system}\n"
        "audiences:\n  - name: finance\n    timezone: Europe/Berlin\n"
        "    working_days: {weekend: []}\n"  # every day a working day: the heads-up is due now
        f"    contact: {{name: Dana {version}, email: dana@example.com}}\n"
        f"    members:\n{finance}" + teams
    )
    return path


def calendars(directory: Path) -> tuple[Path, Path]:
    start = date.today() + timedelta(days=1)
    big = directory / "big.csv"
    big.write_text("title,start,end\n" + "".join(
        f"Stocktake {n},{start + timedelta(days=n % 300)},{start + timedelta(days=n % 300)}\n"
        for n in range(PERIODS)
    ))  # fmt: skip
    finance = directory / "finance.csv"
    finance.write_text(f"title,start,end,category,systems,audiences\n"
                       f"Month-end closing,{start},{start + timedelta(days=2)},month_end_close,sap-fi,finance\n")  # fmt: skip
    return big, finance


class Commands:
    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")} | env
        self.engine = create_engine(url)

    def run(self, *args: str, site: Path) -> None:
        done = subprocess.run([CLOSEWATCH, *args], env=self.env | {"CLOSEWATCH_SITE_FILE": str(site)},
                              capture_output=True, text=True, timeout=180)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]

    def kill_while_writing(self, *args: str, site: Path, table: str) -> None:
        """Run the command and SIGKILL it (and its workers) while its transaction holds rows
        written to ``table`` and has not committed."""
        name = f"cw-fault-{args[0]}-{args[1]}"
        env = self.env | {"CLOSEWATCH_SITE_FILE": str(site), "PGAPPNAME": name}
        process = subprocess.Popen([CLOSEWATCH, *args], env=env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        writing = text(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"
            " AND backend_xid IS NOT NULL AND query ~* :table"
        )
        try:
            with self.engine.connect() as watch:
                while process.poll() is None:
                    found = watch.execute(
                        writing,
                        {"name": name, "table": f"^(insert into|update|delete from) {table}\\M"},
                    ).scalar()
                    watch.rollback()
                    if found:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait(timeout=30)
                        return
                    time.sleep(0.002)
            raise AssertionError(f"{' '.join(args)} finished before it was seen writing {table}")
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def count(self, statement: object) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar() or 0)  # type: ignore[call-overload]


def test_kill_9_mid_import_audience_change_and_planning_stores_all_or_nothing(
    tmp_path: Path,
) -> None:
    big, finance = calendars(tmp_path)
    old, new = site_file(tmp_path / "old.yaml", "old"), site_file(tmp_path / "new.yaml", "new")
    unreachable_smtp = {"CLOSEWATCH_SMTP_HOST": "127.0.0.1", "CLOSEWATCH_SMTP_PORT": str(free_port()),
                        "CLOSEWATCH_SMTP_SECURITY": "none"}  # fmt: skip
    with scratch_database("kill") as url:
        commands = Commands(
            url,
            {"CLOSEWATCH_DATABASE_URL": url, "CLOSEWATCH_DATA_DIR": str(tmp_path)}
            | unreachable_smtp,
        )
        try:
            commands.run("notices", "plan", site=old)

            commands.kill_while_writing(
                "calendar", "import", str(big), "--name", "big", site=old, table="occurrence"
            )
            stored = commands.count(
                select(func.count()).select_from(Calendar).where(Calendar.name == "big")
            )
            periods = commands.count(select(func.count()).select_from(Period))
            occurrences = commands.count(select(func.count()).select_from(Occurrence))
            assert (stored, periods, occurrences) == (0, 0, 0), "a killed import left rows behind"
            commands.run("calendar", "import", str(finance), "--name", "finance", site=old)

            commands.kill_while_writing("notices", "plan", site=new, table="audience")
            contacts = commands.count(select(func.count(func.distinct(Audience.contact_name))))
            assert contacts == 1 + 1, "some audiences changed and others not"  # Dana and Contact

            commands.kill_while_writing("notices", "send", site=new, table="delivery")
            assert commands.count(select(func.count()).select_from(Delivery)) == 0
            with commands.engine.connect() as connection:
                names = set(connection.execute(select(Audience.contact_name)).scalars())
            assert names in ({"Dana old", "Contact old"}, {"Dana new", "Contact new"})

            commands.run("notices", "send", site=new)
            planned = commands.count(select(func.count(func.distinct(Delivery.dedupe_key))))
            assert (
                planned
                == commands.count(select(func.count()).select_from(Delivery))
                == 2 * MEMBERS + REPORTS
            )
        finally:
            commands.engine.dispose()
