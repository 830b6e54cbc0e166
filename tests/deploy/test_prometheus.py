"""The Prometheus and Alertmanager files in deploy/, checked by the tools that load them.

``promtool`` validates the scrape configuration and the rules, and runs the rules' unit
tests (deploy/prometheus/closewatch-rules.test.yml), which prove that a down check pages
sooner when its system's intensity level is high. ``amtool`` validates the Alertmanager
configuration and where it routes each severity.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_CONFIG = "deploy/prometheus/prometheus.yml"
RULES = "deploy/prometheus/closewatch-rules.yml"
RULES_TESTS = "deploy/prometheus/closewatch-rules.test.yml"
ALERTMANAGER_CONFIG = "deploy/alertmanager/alertmanager.yml"


def run_tool(tool: str, *args: str) -> None:
    """Run ``tool`` with ``args`` from the repository root; fail with its output unless it exits 0."""
    command = [require_tool(tool), *args]
    try:
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(command)} timed out after {exc.timeout}s", pytrace=False)
    assert result.returncode == 0, (
        f"{tool} {' '.join(args)} exited with status {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def test_prometheus_config_is_valid() -> None:
    run_tool("promtool", "check", "config", PROMETHEUS_CONFIG)


def test_rules_are_valid() -> None:
    run_tool("promtool", "check", "rules", RULES)


def test_rules_unit_tests_pass() -> None:
    run_tool("promtool", "test", "rules", RULES_TESTS)


def test_alertmanager_config_is_valid() -> None:
    run_tool("amtool", "check-config", ALERTMANAGER_CONFIG)


@pytest.mark.parametrize(
    ("severity", "receiver"), [("page", "pager"), ("ticket", "tickets"), (None, "tickets")]
)
def test_alertmanager_routes_by_severity(severity: str | None, receiver: str) -> None:
    labels = ["alertname=CloseWatchCheckDown", "system=ledger"]
    if severity is not None:
        labels.append(f"severity={severity}")
    run_tool(
        "amtool",
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_CONFIG}",
        f"--verify.receivers={receiver}",
        *labels,
    )


def test_alertmanager_sends_alerts_about_closewatch_systems_to_closewatch_too() -> None:
    run_tool(
        "amtool", "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}",
        "--verify.receivers=closewatch,pager",
        "alertname=ProbeFailed", "closewatch_system=billing", "severity=page",
    )  # fmt: skip
