"""The Grafana dashboard in deploy/grafana: valid PromQL, about metrics closewatch exports.

Every expression of the dashboard (panels and annotations) is parsed by ``promtool``
(as recording rules, the one offline way it parses PromQL), and every metric the
expressions name must be exported by a real ``closewatch serve --demo``, so a renamed
metric cannot leave a panel silently empty.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.deploy.test_prometheus import ROOT, run_tool
from tests.monitor.test_serve import CLOSEWATCH, free_port

GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "closewatch.json"
METRIC = re.compile(r"\bclosewatch_[a-z_]+\b")
# Sample names that belong to a family of another name. (A counter with no samples yet is
# typed under its sample name, ``..._total``, so both names count.)
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def expressions() -> Iterator[tuple[str, str]]:
    """(where, expression) for every PromQL expression in the dashboard."""
    board = dashboard()
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            yield f"panel {panel['title']!r} target {target['refId']}", target["expr"]
    for annotation in board["annotations"]["list"]:
        if "expr" in annotation:
            yield f"annotation {annotation['name']!r}", annotation["expr"]


def test_every_expression_is_valid_promql(tmp_path: Path) -> None:
    found = list(expressions())
    assert len(found) >= 10
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:expression_{n}", "expr": expr} for n, (_where, expr) in enumerate(found)
    ]}]}  # fmt: skip
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    run_tool("promtool", "check", "rules", str(path))


def test_the_dashboard_shows_what_ops_look_for() -> None:
    titles = {panel["title"] for panel in dashboard()["panels"]}
    assert {"Intensity level per system", "Check latency p95 by level",
            "Open incidents by priority", "Notices sent, failed and waiting",
            "Update promises"} <= titles  # fmt: skip
    annotations = [a["name"] for a in dashboard()["annotations"]["list"]]
    assert "Critical periods" in annotations
    latency = next(p for p in dashboard()["panels"] if p["title"] == "Check latency p95 by level")
    assert [t["legendFormat"] for t in latency["targets"]] == [
        "normal",
        "elevated",
        "high",
        "critical",
    ]


def test_every_metric_named_is_exported_by_a_demo_instance(tmp_path: Path) -> None:
    exposition = _demo_metrics(tmp_path)
    families = set(re.findall(r"^# TYPE (\S+) ", exposition, re.MULTILINE))
    named = {name for _where, expr in expressions() for name in METRIC.findall(expr)}
    missing = sorted(name for name in named if {name, _family(name)}.isdisjoint(families))
    assert named and not missing, (
        f"the dashboard names metrics closewatch does not export: {missing}"
    )


def test_provisioning_points_at_the_dashboard_and_its_data_source() -> None:
    sources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yaml").read_text())
    uids = {source["uid"] for source in sources["datasources"]}
    used = {panel["datasource"]["uid"] for panel in dashboard()["panels"]}
    assert used <= uids
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/closewatch.yaml").read_text())
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    path = providers["providers"][0]["options"]["path"]
    assert f"./grafana/dashboards:{path}:ro" in mounts


def _family(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _demo_metrics(data_dir: Path) -> str:
    """What a fresh ``closewatch serve --demo`` exports on /metrics."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    env["CLOSEWATCH_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen([CLOSEWATCH, "serve", "--demo", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("closewatch serve --demo did not answer on /metrics within 30 s")
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=15)
