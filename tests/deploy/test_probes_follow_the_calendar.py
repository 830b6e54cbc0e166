"""Prometheus and blackbox_exporter probe at the pace closewatch's calendar sets.

Debian's Prometheus discovers closewatch's checks through the shipped job
(``closewatch-probes`` in deploy/prometheus/prometheus.yml: ``http_sd_configs`` on
``GET /api/v1/prometheus/targets``, the blackbox relabelling) with a short refresh, and
Debian's blackbox_exporter probes them with deploy/prometheus/blackbox.yml. The probed
system is a tiny HTTP server in this test that notes when each blackbox probe arrives.
A critical period starts a few seconds after the upload: the probes move from the normal
interval (5 s here) to the critical one (1 s). Figure: seconds from the level boundary to
the first probe at the new interval; ``PROBE_SD_REFRESH=15s pytest -s
tests/deploy/test_probes_follow_the_calendar.py`` measures it at the shipped refresh.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import yaml  # type: ignore[import-untyped]

from tests.deploy.stack import Stack, until
from tests.served import CLOSEWATCH, closewatch_serve

ROOT = Path(__file__).resolve().parents[2]
NORMAL, CRITICAL = 5.0, 1.0
REFRESH = os.environ.get("PROBE_SD_REFRESH", "2s")
LEAD_SECONDS = 12  # from the upload to the boundary: a few probes at the old interval first


class Probed(BaseHTTPRequestHandler):
    """The system: answers 200 and notes the wall-clock time of each blackbox probe."""

    probes: ClassVar[list[float]] = []
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_GET(self) -> None:
        if "Blackbox" in self.headers.get("User-Agent", ""):
            with self.lock:
                self.probes.append(time.time())
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args: Any) -> None:
        pass


def site(url: str) -> str:
    return f"""
ramps: {{default: {{before_working_days: 0, after_days: 0}}}}
policy: {{normal: {{interval: {NORMAL:g}s}}, critical: {{interval: {CRITICAL:g}s}}}}
systems:
  - name: billing
    plain_name: the invoicing system
    checks: [{{name: web, kind: http, url: "{url}/health", timeout: 5}}]
"""


def prometheus_config(closewatch: str, token_file: Path, blackbox: str) -> str:
    """The shipped probe job, pointed at this closewatch and blackbox_exporter."""
    shipped = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    (job,) = [job for job in shipped["scrape_configs"] if job["job_name"] == "closewatch-probes"]
    (sd,) = job["http_sd_configs"]
    sd["url"] = sd["url"].replace("http://closewatch:8080", closewatch)
    sd["refresh_interval"] = REFRESH
    sd["authorization"]["credentials_file"] = str(token_file)
    for rule in job["relabel_configs"]:
        if rule.get("replacement") == "blackbox:9115":
            rule["replacement"] = blackbox.removeprefix("http://")
    return str(yaml.safe_dump({"scrape_configs": [job]}))


def calendar(start: datetime, end: datetime) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//closewatch tests//EN\r\n"
        "BEGIN:VEVENT\r\nUID:go-live@acme\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Billing go-live\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n"
        "X-CLOSEWATCH-LEVEL:critical\r\nX-CLOSEWATCH-SYSTEMS:billing\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()


def test_probes_move_to_the_new_interval_when_a_period_starts(tmp_path: Path) -> None:
    Probed.probes.clear()
    (tmp_path / "stack").mkdir()
    with Stack(tmp_path / "stack") as stack:
        target = stack.http_server(Probed)
        (tmp_path / "site.yaml").write_text(site(target))
        with closewatch_serve(
            tmp_path / "closewatch", env={"CLOSEWATCH_SITE_FILE": str(tmp_path / "site.yaml")}
        ) as served:
            token = subprocess.run(
                [CLOSEWATCH, "token", "create", "--name", "prometheus", "--role", "viewer"],
                capture_output=True, text=True, env=served.env, timeout=60, check=True,
            ).stdout.strip()  # fmt: skip
            (tmp_path / "token").write_text(token)
            blackbox = stack.blackbox(ROOT / "deploy/prometheus/blackbox.yml")
            prometheus = stack.prometheus(
                prometheus_config(served.base, tmp_path / "token", blackbox)
            )

            def logs() -> str:
                return stack.logs() + "\n--- closewatch ---\n" + served.log.read_text()[-3000:]

            until("a first blackbox probe", lambda: Probed.probes, within=30, logs=logs)
            # Whole seconds: the calendar says when the period starts to the second.
            boundary = (datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)).replace(microsecond=0)
            # New targets may make Prometheus restart a probe's loop once, off its rhythm:
            # the normal pace is what ran before the calendar changed.
            calendar_changed = time.time()
            uploaded = httpx.post(f"{served.base}/api/v1/calendars", headers=served.auth, timeout=60,
                                  files={"file": ("projects.ics", calendar(boundary, boundary + timedelta(hours=1)))},
                                  data={"name": "projects"})  # fmt: skip
            assert uploaded.status_code == 201, uploaded.text
            start = boundary.timestamp()

            def settled() -> bool:
                after = [at for at in Probed.probes if at > start]
                return len(after) >= 4 and all(
                    b - a < 1.5 * CRITICAL for a, b in itertools.pairwise(after[-4:])
                )

            until(
                "probes every second after the boundary",
                settled,
                within=LEAD_SECONDS + 45,
                logs=logs,
            )
            levels = httpx.get(f"{prometheus}/api/v1/query", params={
                "query": 'probe_success{job="closewatch-probes", closewatch_level="critical"}'}).json()  # fmt: skip

    probes = list(Probed.probes)
    before = [at for at in probes if at <= calendar_changed]
    after = [at for at in probes if at > start]
    assert all(b - a > 0.8 * NORMAL for a, b in itertools.pairwise(before)), before
    first_fast = next(a for a, b in itertools.pairwise(after) if b - a < 1.5 * CRITICAL)
    assert levels["data"]["result"], levels
    print(f"\nlevel boundary -> first probe at the new interval ({CRITICAL:g} s, was {NORMAL:g} s), "
          f"service-discovery refresh {REFRESH}: {first_fast - start:.1f} s")  # fmt: skip
