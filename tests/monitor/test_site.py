"""The site file: one invalid file per rule, each paired with its exact message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from calendars import Level
from monitor.site import Site, check_site, load_site

CONFIG = Path(__file__).resolve().parents[1] / "config"
CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")

EXPECTED = {
    "invalid-alias-bomb.yaml": [
        "line 9: document: aliases repeat the value anchored here until the document holds "
        "926,177,115 values, more than 100,000 over what is written; write the values out, "
        "or use fewer aliases"
    ],
    "invalid-body-pattern.yaml": [
        "line 5: systems[0].checks[0].body_pattern: not a regular expression closewatch can use: "
        "invalid escape sequence: \\1 (patterns run on RE2: no backreferences, no lookahead "
        "or lookbehind)"
    ],
    "invalid-contact-email.yaml": [
        "line 4: audiences[0].contact.email: 'dana.weber@example.com\\r\\nBcc: everyone@example.com' "
        "is not an email address: The part after the @-sign contains invalid characters: "
        "':', '@', SPACE, U+000A, U+000D."
    ],
    "invalid-heads-up-days.yaml": [
        "line 4: audiences[0].heads_up.by_category.year_end: Input should be less than or equal to 20"
    ],
    "invalid-language.yaml": [
        "line 4: audiences[0].language: unknown language 'zz': use a language code Babel knows, "
        "such as en, de, fr or de-CH"
    ],
    "invalid-member-name-line-break.yaml": [
        "line 6: audiences[0].members[0].name: contains a control character (U+000D)"
    ],
    "invalid-nesting.yaml": ["line 4: document: nested more than 64 levels deep"],
    "invalid-plain-name-escape.yaml": [
        "line 3: systems[0].plain_name: contains a control character (U+001B)"
    ],
    "invalid-system-name-newline.yaml": [
        "line 2: systems[0].name: contains a control character (U+000A)"
    ],
    "invalid-check-kind.yaml": [
        "line 5: systems[0].checks[0]: unknown kind 'smtp' (expected 'http', 'tcp', 'tls')"
    ],
    "invalid-duplicate-check.yaml": [
        "line 5: systems[0].checks[0].name: check 'web' appears twice in 'sap-fi'",
        "line 6: systems[0].checks[1].name: check 'web' appears twice in 'sap-fi'",
    ],
    "invalid-duplicate-system.yaml": [
        "line 2: systems[0].name: system 'sap-fi' is defined more than once",
        "line 4: systems[1].name: system 'sap-fi' is defined more than once",
    ],
    "invalid-holiday-country.yaml": ["line 1: working_days: Country XX not available"],
    "invalid-http-url.yaml": [
        "line 5: systems[0].checks[0].url: must be an http:// or https:// URL with a host"
    ],
    "invalid-missing-plain-name.yaml": ["line 2: systems[0].plain_name: is required"],
    "invalid-policy-duration.yaml": [
        "line 2: policy.critical.interval: 'soon' is not a duration (e.g. 30s, 5m, 1h)"
    ],
    "invalid-policy-level.yaml": ["line 2: policy.extreme: unknown key"],
    "invalid-ramp-category.yaml": [
        "line 1: ramps: unknown category 'month_end' (expected default or one of audit, custom, "
        "go_live, inventory_count, month_end_close, payroll, quarter_end, year_end)"
    ],
    "invalid-subscribers-domain.yaml": [
        "line 5: subscribers.email_domains[1]: '@example.de' is not an email domain: "
        "The part after the @-sign contains invalid characters: '@'."
    ],
    "invalid-system-name.yaml": [
        "line 2: systems[0].name: 'SAP FI' is not a technical name: use lowercase letters, "
        "digits, '.', '_' or '-' (e.g. sap-fi)"
    ],
    "invalid-alert-label.yaml": [
        "line 6: systems[0].alerts[1]: 'service.name' is not a Prometheus label name "
        "([a-zA-Z_][a-zA-Z0-9_]*)"
    ],
    "invalid-tcp-port.yaml": [
        "line 5: systems[0].checks[0].port: Input should be less than or equal to 65535"
    ],
    "invalid-timezone.yaml": ["line 1: timezone: unknown time zone 'Europe/Munich'"],
    "invalid-tls-thresholds.yaml": [
        "line 5: systems[0].checks[0]: warn_days must be at least fail_days"
    ],
    "invalid-unknown-key.yaml": ["line 5: systems[0].checks[0].expect_satus: unknown key"],
    "invalid-yaml.yaml": [
        "line 2: document: not valid YAML or JSON: expected the node content, but found '<stream end>'"
    ],
}


def test_every_invalid_file_has_an_expected_message() -> None:
    assert sorted(EXPECTED) == sorted(path.name for path in CONFIG.glob("invalid-*.yaml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_site_file_is_refused_with_its_message(name: str) -> None:
    _site, problems = check_site((CONFIG / name).read_text())

    assert [f"line {p.line}: {p.where}: {p.message}" for p in problems] == EXPECTED[name]


@pytest.mark.dateless
def test_config_check_lists_every_problem_and_exits_2() -> None:
    broken = CONFIG / "invalid-duplicate-check.yaml"
    result = subprocess.run(
        [CLOSEWATCH, "config", "check", str(broken)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{broken}: {message}" for message in EXPECTED[broken.name]
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.dateless
def test_config_check_accepts_a_valid_file() -> None:
    valid = CONFIG / "valid-site.yaml"
    result = subprocess.run(
        [CLOSEWATCH, "config", "check", str(valid)], capture_output=True, text=True, timeout=60
    )

    assert (result.returncode, result.stdout.strip()) == (0, f"{valid}: ok: 2 systems, 3 checks")


def test_policy_overrides_apply_globally_then_per_system() -> None:
    site = Site(load_site((CONFIG / "valid-site.yaml").read_text()), default_timezone="UTC")

    assert site.policy[Level.CRITICAL].interval == 10
    assert site.policy[Level.CRITICAL].latency_budget == 0.8
    assert site.policy[Level.CRITICAL].response_minutes == 20
    assert site.policy[Level.HIGH].interval == 60  # the default
    assert site.system_policy({"high": {"interval": "30s"}})[Level.HIGH].interval == 30


def test_ramps_come_from_the_site_with_the_defaults_for_the_rest() -> None:
    site = Site(load_site((CONFIG / "valid-site.yaml").read_text()), default_timezone="UTC")
    rules = site.ramp_rules(range(2026, 2028))

    assert rules.ramp("go_live").before_working_days == 5
    assert rules.ramp("payroll").before_working_days == 2  # the site's default ramp
    assert str(rules.zone) == "Europe/Berlin"


def test_an_empty_site_file_is_the_defaults() -> None:
    assert load_site("").systems == ()


def test_the_deployed_example_site_file_is_valid() -> None:
    example = CONFIG.parents[1] / "deploy" / "site.yaml"

    assert check_site(example.read_text())[1] == []
