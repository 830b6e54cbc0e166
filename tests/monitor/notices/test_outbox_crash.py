"""kill -9 in the middle of a batch: nothing is lost, and nothing is sent twice that
was not in flight at the instant of the kill (one per SMTP connection), and what
is sent again carries the same Message-ID.

The sender is the real ``closewatch notices send`` in its own process; the SMTP
server is aiosmtpd in this one. The test kills the sender once a third of the
messages have arrived, waits for its leases to run out, starts it again, and
counts what arrived.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.db.engine import make_engine, session_scope
from monitor.db.models import Delivery
from tests.notifiers.smtp import SMTPServer

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")
MEMBERS = 600
LEASE_SECONDS = 2


def site_file(path: Path) -> Path:
    members = "\n".join(
        f"      - {{name: Person {n}, email: person{n}@example.com}}" for n in range(MEMBERS)
    )
    path.write_text(
        "systems:\n  - {name: sap-fi, plain_name: the invoicing system}\n"
        "audiences:\n  - name: finance\n    timezone: Europe/Berlin\n"
        "    working_days: {weekend: []}\n"  # every day a working day: the heads-up is due now
        "    contact: {name: Dana Weber, email: dana@example.com}\n"
        f"    members:\n{members}\n"
    )
    return path


async def closewatch(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        CLOSEWATCH, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def test_kill_9_mid_batch_loses_nothing_and_repeats_only_the_message_in_flight(
    tmp_path: Path,
) -> None:
    async with SMTPServer() as smtp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")},
            "CLOSEWATCH_DATA_DIR": str(tmp_path / "data"),
            "CLOSEWATCH_SITE_FILE": str(site_file(tmp_path / "site.yaml")),
            "CLOSEWATCH_SMTP_HOST": "127.0.0.1",
            "CLOSEWATCH_SMTP_PORT": str(smtp.port),
            "CLOSEWATCH_SMTP_SECURITY": "none",
            "CLOSEWATCH_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        sheet = tmp_path / "close.csv"
        start = date.today() + timedelta(days=1)  # its heads-up moment has passed: due now
        sheet.write_text(f"title,start,end,category,systems,audiences\n"
                         f"Month-end closing,{start},{start + timedelta(days=2)},month_end_close,sap-fi,finance\n")  # fmt: skip
        imported = await closewatch("calendar", "import", str(sheet), "--name", "finance", env=env)
        assert await imported.wait() == 0

        sender = await closewatch("notices", "send", env=env)
        while len(smtp.received) < MEMBERS // 3:
            assert sender.returncode is None, "the sender finished before it could be killed"
            await asyncio.sleep(0.002)
        os.kill(sender.pid, signal.SIGKILL)
        assert await sender.wait() == -signal.SIGKILL
        arrived_before_restart = len(smtp.received)
        assert arrived_before_restart < MEMBERS

        await asyncio.sleep(LEASE_SECONDS + 0.5)  # the dead sender's leases run out
        again = await closewatch("notices", "send", "--no-plan", env=env)
        _out, err = await asyncio.wait_for(again.communicate(), 60)
        assert again.returncode == 0, err.decode()

    ids = Counter(message.message["Message-ID"] for message in smtp.received)
    recipients = Counter(address for message in smtp.received for address in message.rcpt_tos)
    assert len(ids) == MEMBERS  # every planned message arrived
    assert len(recipients) == MEMBERS
    repeated = [message_id for message_id, count in ids.items() if count > 1]
    # At most the messages in flight at the kill: one per SMTP connection (4 by default).
    assert len(repeated) <= 4, f"sent twice: {repeated}"
    assert sum(ids.values()) == MEMBERS + len(repeated)
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'closewatch.db'}")
    with session_scope(engine) as session:
        heads_up = select(Delivery.status, func.count()).where(Delivery.kind == "heads_up")
        statuses = dict(session.execute(heads_up.group_by(Delivery.status)).all())
    engine.dispose()
    assert statuses == {"sent": MEMBERS}  # (the wrap-ups wait for the period to end)
