"""Prometheus fires, Alertmanager routes to closewatch, the audience hears it by SMTP.

Real parts end to end: a tiny exporter (an HTTP server in this test) exposes
``billing_queue_stuck``; Debian's Prometheus scrapes it every second and fires
``BillingQueueStuck`` (labelled ``closewatch_system="billing"``) when it is 1; Debian's
Alertmanager, with the ``closewatch`` receiver of deploy/alertmanager/alertmanager.yml,
sends the notification to a served closewatch, which opens the incident and mails the
audience through a real aiosmtpd server; the metric clears and the resolved notice follows.
A recording proxy between Alertmanager and closewatch stamps each notification, for the
figure: seconds from Alertmanager's notification to the SMTP server receiving the notice
(``pytest -s tests/deploy/test_alertmanager_to_closewatch.py`` prints it).
"""

from __future__ import annotations

import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import yaml  # type: ignore[import-untyped]

from tests.deploy.stack import Stack, ThreadedSMTP, until
from tests.served import CLOSEWATCH, closewatch_serve

ROOT = Path(__file__).resolve().parents[2]
SITE = """
systems:
  - {name: billing, plain_name: the invoicing system}
audiences:
  - name: accounting
    timezone: UTC
    working_days: {weekend: []}
    incidents_at_normal: members
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Anna Schmidt, email: anna@example.com}]
    concerns: {systems: [billing]}
"""
RULES = """
groups:
  - name: billing
    rules:
      - alert: BillingQueueStuck
        expr: billing_queue_stuck == 1
        labels: {closewatch_system: billing, severity: ticket}
        annotations:
          summary: "billing queue stuck for {{ $labels.instance }}"
          runbook_url: https://wiki.example.com/billing-queue
"""
WAIT = 30.0


class Exporter(BaseHTTPRequestHandler):
    stuck: ClassVar[threading.Event] = threading.Event()

    def do_GET(self) -> None:
        body = f"# TYPE billing_queue_stuck gauge\nbilling_queue_stuck {int(self.stuck.is_set())}\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


class Proxy(BaseHTTPRequestHandler):
    """Alertmanager's webhooks: stamped, and those for closewatch passed on to it."""

    upstream: ClassVar[str] = ""
    seen: ClassVar[list[tuple[float, str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        at = time.monotonic()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status, answer = 200, b"{}"
        if self.path.startswith("/api/"):
            forwarded = httpx.post(self.upstream + self.path, content=body, timeout=30, headers={
                "Authorization": self.headers.get("Authorization", ""),
                "Content-Type": "application/json"})  # fmt: skip
            status, answer = forwarded.status_code, forwarded.content
            self.seen.append((at, self.path, forwarded.json()))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def alertmanager_config(proxy: str, token_file: Path) -> str:
    """The shipped configuration, with its receivers on the proxy and one-second grouping."""
    config = yaml.safe_load((ROOT / "deploy/alertmanager/alertmanager.yml").read_text())
    for receiver in config["receivers"]:
        hook = receiver["webhook_configs"][0]
        if receiver["name"] == "closewatch":
            hook["url"] = hook["url"].replace("http://closewatch:8080", proxy)
            hook["http_config"]["authorization"]["credentials_file"] = str(token_file)
        else:
            hook["url"] = f"{proxy}/elsewhere/{receiver['name']}"
    for route in [config["route"], *config["route"]["routes"]]:
        route.update(group_wait="1s", group_interval="1s")
    return str(yaml.safe_dump(config))


def test_a_prometheus_alert_reaches_the_audience_and_its_resolution_too(tmp_path: Path) -> None:
    Proxy.seen.clear()
    Exporter.stuck.clear()
    (tmp_path / "site.yaml").write_text(SITE)
    with ThreadedSMTP() as smtp, Stack(tmp_path / "stack") as stack, closewatch_serve(
        tmp_path / "closewatch", env={
            "CLOSEWATCH_SITE_FILE": str(tmp_path / "site.yaml"), "CLOSEWATCH_SMTP_HOST": "127.0.0.1",
            "CLOSEWATCH_SMTP_PORT": str(smtp.port), "CLOSEWATCH_SMTP_SECURITY": "none"},
    ) as served:  # fmt: skip
        (tmp_path / "stack").mkdir(exist_ok=True)
        token = subprocess.run(
            [CLOSEWATCH, "token", "create", "--name", "alertmanager", "--role", "ingest"],
            capture_output=True, text=True, env=served.env, timeout=60, check=True,
        ).stdout.strip()  # fmt: skip
        (tmp_path / "token").write_text(token)
        Proxy.upstream = served.base
        proxy = stack.http_server(Proxy)
        exporter = stack.http_server(Exporter)
        alertmanager = stack.alertmanager(alertmanager_config(proxy, tmp_path / "token"))
        (stack.folder / "rules.yml").write_text(RULES)
        prometheus = stack.prometheus(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": ["rules.yml"],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager.removeprefix("http://")]}]}]},
            "scrape_configs": [{"job_name": "billing", "static_configs": [{"targets": [exporter.removeprefix("http://")]}]}],
        }))  # fmt: skip

        def logs() -> str:
            return stack.logs() + "\n--- closewatch ---\n" + served.log.read_text()[-3000:]

        def scraped() -> bool:
            answer = httpx.get(
                f"{prometheus}/api/v1/query", params={"query": "billing_queue_stuck"}
            )
            return bool(answer.json()["data"]["result"])

        until("Prometheus scraping the exporter", scraped, within=WAIT, logs=logs)
        Exporter.stuck.set()
        until("the incident notice", lambda: smtp.arrival("incident", "anna@example.com"),
              within=WAIT, logs=logs)  # fmt: skip
        until("the details for IT", lambda: smtp.arrival("alert_details", "dana@example.com"),
              within=WAIT, logs=logs)  # fmt: skip
        Exporter.stuck.clear()
        until("the resolved notice", lambda: smtp.arrival("resolved", "anna@example.com"),
              within=WAIT, logs=logs)  # fmt: skip

    opened_at, opened_path, opened = next(seen for seen in Proxy.seen if seen[2].get("opened"))
    resolved_at, _path, _resolved = next(seen for seen in Proxy.seen if seen[2].get("recovered"))
    incident = smtp.arrival("incident", "anna@example.com")
    details = smtp.arrival("alert_details", "dana@example.com")
    resolved = smtp.arrival("resolved", "anna@example.com")
    assert incident is not None and details is not None and resolved is not None
    assert opened_path == "/api/v1/alerts/alertmanager" and opened["ignored"] == []
    plain = incident[1].get_body(("plain",))
    assert plain is not None
    incident_text = plain.get_content()
    assert "invoicing system" in incident_text
    assert "billing queue stuck" not in incident_text and "runbook" not in incident_text
    assert "runbook_url: https://wiki.example.com/billing-queue" in details[1].get_content()
    assert len([seen for seen in Proxy.seen if seen[2].get("opened")]) == 1  # re-sends: nothing
    print(
        f"\nAlertmanager notification -> incident notice at the SMTP server: "
        f"{incident[0] - opened_at:.2f} s; resolution -> resolved notice: "
        f"{resolved[0] - resolved_at:.2f} s"
    )
