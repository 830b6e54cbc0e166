"""From a check's failure to the incident notice at the SMTP server, at ``critical``.

The default policy checks a critical system every 15 seconds and opens an
incident after two failures in a row; the notice then goes through the outbox.
This runs the real watcher and notice service against a local HTTP target that
starts failing at a known instant, and a real SMTP server (aiosmtpd), and
prints how long after that instant the notice arrived. Target: under 60 s.

Run: ``python tests/bench/incident_latency_bench.py [--rounds 2]`` (about 30 s a round).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.notices.service import NoticeService
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.systems import sync_site
from monitor.watch.watcher import Watcher
from tests.monitor.samples import event, ics
from tests.monitor.watch.test_watcher import stamp, target
from tests.notifiers.smtp import SMTPServer


async def one_round(directory: Path) -> float:
    async with SMTPServer() as smtp, target(status=200) as billing:
        settings = Settings(data_dir=directory, timezone="Europe/Berlin", smtp_host="127.0.0.1",
                            smtp_port=smtp.port, smtp_security="none")  # fmt: skip
        engine = make_engine(settings.effective_database_url)
        upgrade(engine)
        spec = load_site(f"""
systems:
  - name: billing
    plain_name: the invoicing system
    checks: [{{name: web, kind: http, url: "http://127.0.0.1:{billing.port}/health", timeout: 5}}]
audiences:
  - name: finance
    timezone: Europe/Berlin
    contact: {{name: Dana Weber, email: dana@example.com}}
    members: [{{name: Anna Schmidt, email: anna@example.com}}]
""")  # the default policy: critical checks every 15 s, two failures open an incident
        now = datetime.now(UTC)
        with session_scope(engine) as session:
            sync_site(session, spec, now=now)
            sync_site_audiences(session, spec, now=now)
        period = event("close@x", "Year-end closing", stamp(now - timedelta(hours=1)), stamp(now + timedelta(hours=2)),
                       "X-CLOSEWATCH-LEVEL:critical", "X-CLOSEWATCH-SYSTEMS:billing", "X-CLOSEWATCH-AUDIENCES:finance")  # fmt: skip
        import_calendar(
            engine,
            settings,
            ImportRequest(UploadedSource(name="finance", data=ics(period))),
            now=now,
        )
        site = Site(spec, default_timezone="Europe/Berlin")
        intensity = IntensityService(engine, site, lambda: datetime.now(UTC))
        metrics = Metrics()
        watcher = Watcher(engine, settings, intensity, metrics)
        notices = NoticeService(engine, settings, site, metrics, intensity=intensity)
        watcher.on_incident = notices.incident_changed
        await watcher.start()
        await notices.start()
        try:
            await billing.hits_after(0, 1, within=30)  # watching: the first (healthy) check came
            billing.status = 500
            failed_at = time.monotonic()
            while not any(r.message["X-Closewatch-Kind"] == "incident" for r in smtp.received):
                if time.monotonic() - failed_at > 120:
                    raise RuntimeError("no incident notice within 120 s")
                await asyncio.sleep(0.05)
            return time.monotonic() - failed_at
        finally:
            await notices.stop()
            await watcher.stop()
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    seconds = []
    for number in range(rounds):
        with tempfile.TemporaryDirectory() as directory:
            seconds.append(asyncio.run(one_round(Path(directory))))
        print(
            f"round {number + 1}: incident notice at the SMTP server {seconds[-1]:.1f} s after the target failed"
        )
    print(f"median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s over {rounds} rounds "
          f"(default policy at critical: checks every 15 s, 2 failures; target under 60 s)")  # fmt: skip


if __name__ == "__main__":
    main()
