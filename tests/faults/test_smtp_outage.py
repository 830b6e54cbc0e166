"""The mail server goes away in the middle of a 2,000-recipient fan-out, and comes back.

A real ``closewatch serve`` sends a heads-up to 2,000 people through aiosmtpd;
once a third have arrived the server stops (every session closed) and, after
the outage, listens again on the same port. Afterwards every person has the
message, at most one per SMTP connection twice (the documented window: a
message the server took just as it went away), nothing became a dead letter,
and the retries backed off rather than knocking once per queued message.
Figures (``-s``)::

    .venv/bin/pytest -s -q -p no:cacheprovider tests/faults/test_smtp_outage.py

``FAULTS_OUTAGE_SECONDS`` sets the outage (default 15 s, so the test stays short).
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.db.engine import make_engine, session_scope
from monitor.db.models import Delivery
from tests.faults.mail import mail_server
from tests.faults.replicas import replica
from tests.served import CLOSEWATCH

pytestmark = pytest.mark.faults

RECIPIENTS = 2000
CONNECTIONS = 4  # CLOSEWATCH_SMTP_CONNECTIONS: the most that can arrive twice
OUTAGE_SECONDS = float(os.environ.get("FAULTS_OUTAGE_SECONDS", "15"))
DRAIN_LIMIT_SECONDS = 60
RETRIES = 'closewatch_outbox_retries_total{channel="email"}'


def site_file(path: Path) -> Path:
    members = "\n".join(
        f"      - {{name: Person {n}, email: person{n}@example.com}}" for n in range(RECIPIENTS)
    )
    path.write_text(
        "systems:\n  - {name: sap-fi, plain_name: the invoicing system}\n"
        "audiences:\n  - name: finance\n    timezone: Europe/Berlin\n"
        "    working_days: {weekend: []}\n"  # every day a working day: the heads-up is due now
        "    contact: {name: Dana Weber, email: dana@example.com}\n"
        f"    members:\n{members}\n"
    )
    return path


def import_calendar(tmp_path: Path, env: dict[str, str]) -> None:
    sheet = tmp_path / "close.csv"
    start = date.today() + timedelta(days=1)  # the real date: the server plans at the real time
    sheet.write_text(f"title,start,end,category,systems,audiences\n"
                     f"Month-end closing,{start},{start + timedelta(days=2)},month_end_close,sap-fi,finance\n")  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")} | env
    subprocess.run([CLOSEWATCH, "calendar", "import", str(sheet), "--name", "finance"],
                   env=environment, check=True, capture_output=True, timeout=120)  # fmt: skip


def test_smtp_outage_mid_fan_out_loses_nothing_and_backs_off(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with mail_server() as smtp:
        env = {
            "CLOSEWATCH_DATA_DIR": str(data),
            "CLOSEWATCH_SITE_FILE": str(site_file(tmp_path / "site.yaml")),
            "CLOSEWATCH_SMTP_HOST": "127.0.0.1",
            "CLOSEWATCH_SMTP_PORT": str(smtp.port),
            "CLOSEWATCH_SMTP_SECURITY": "none",
            "CLOSEWATCH_SMTP_CONNECTIONS": str(CONNECTIONS),
        }
        import_calendar(tmp_path, env)
        with replica(data, env) as served:
            deadline = time.monotonic() + 60
            while len(smtp.received) < RECIPIENTS // 3:
                assert time.monotonic() < deadline, f"only {len(smtp.received)} arrived in 60 s"
                time.sleep(0.01)
            smtp.stop()
            down = time.monotonic()
            arrived_before = len(smtp.received)
            retries_at_start = served.metric(RETRIES) or 0.0
            pending_during = []
            while time.monotonic() - down < OUTAGE_SECONDS:
                time.sleep(1)
                pending_during.append(served.metric("closewatch_outbox_pending"))
            retries_during = (served.metric(RETRIES) or 0.0) - retries_at_start
            smtp.start()
            up = time.monotonic()
            outage = up - down

            while len(smtp.by_recipient()) < RECIPIENTS:
                assert time.monotonic() - up < DRAIN_LIMIT_SECONDS, (
                    f"{RECIPIENTS - len(smtp.by_recipient())} not delivered "
                    f"{DRAIN_LIMIT_SECONDS} s after the server came back"
                )
                time.sleep(0.05)
            drained = time.monotonic() - up
            time.sleep(1)  # anything still on its way twice would arrive now

    counts = smtp.by_recipient()
    lost = RECIPIENTS - len(counts)
    doubled = sum(count - 1 for count in counts.values())
    engine = make_engine(f"sqlite:///{data / 'closewatch.db'}")
    with session_scope(engine) as session:
        heads_up = select(Delivery.status, func.count(), func.max(Delivery.attempts)).where(
            Delivery.kind == "heads_up"
        )
        rows = session.execute(heads_up.group_by(Delivery.status)).all()
    engine.dispose()
    statuses = {status: count for status, count, _most in rows}
    most_attempts = max(most for _status, _count, most in rows)
    print(
        f"\nSMTP outage {outage:.1f} s after {arrived_before} of {RECIPIENTS}: lost {lost}, "
        f"doubled {doubled}, drained {drained:.1f} s after the server came back; "
        f"{retries_during:.0f} retries during the outage, most attempts of one delivery "
        f"{most_attempts}; pending during the outage {sorted({p for p in pending_during if p is not None})}"
    )
    assert lost == 0
    assert doubled <= CONNECTIONS
    assert statuses == {"sent": RECIPIENTS}, "nothing is dead or left behind"
    # Backing off: a pause doubling from 1 s to 30 s knocks a handful of times, not 1,300.
    assert retries_during <= CONNECTIONS * 10
