"""Whatever a site file holds, ``check_site`` answers with problems, quickly: never a traceback.

Site files are YAML written by hand, so the strategy writes them the way people
do, anchors, aliases and merges included (``&defaults`` for shared check
settings), and the way an attacker would (aliases that multiply, values that
contain themselves, brackets nested hundreds deep, patterns that backtrack).
"""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.site import SiteFile, check_site
from tests.strategies import yaml_value

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless

FUZZ = settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
TIME_LIMIT = 3.0

SITE_KEYS = ["systems", "audiences", "policy", "ramps", "timezone", "working_days", "x"]
INNER_KEYS = ["name", "plain_name", "checks", "kind", "url", "host", "port", "body_pattern",
              "timeout", "expect_status", "interval", "critical", "normal", "contact", "members",
              "email", "language", "warn_days", "fail_days", "country", "default"]  # fmt: skip
CHECK = st.fixed_dictionaries(
    {"name": st.sampled_from(["web", "db", "Web", ""]), "kind": st.sampled_from(["http", "tcp", "tls", "smtp"])},
    optional={
        "url": st.sampled_from(["http://127.0.0.1:1/", "ftp://x", "https://sap.example.com/h"]),
        "body_pattern": st.sampled_from(["(a+)+$", r"(ok)\1", "(?=x)", "ok(", "^OK", "a" * 2000]),
        "host": st.sampled_from(["db", ""]),
        "port": st.integers(-1, 70000),
        "timeout": st.one_of(st.floats(allow_nan=True), st.integers(-5, 500)),
    },
)  # fmt: skip


def checked(text: str) -> None:
    started = time.monotonic()
    site, problems = check_site(text)
    assert time.monotonic() - started < TIME_LIMIT
    assert (site is None) == bool(problems), "a site, or the reasons there is none"
    assert site is None or isinstance(site, SiteFile)
    for problem in problems:
        assert problem.message and problem.where


@FUZZ
@given(st.data())
def test_site_files_written_by_hand(data: st.DataObject) -> None:
    anchors: list[str] = []
    keys = data.draw(st.lists(st.sampled_from(SITE_KEYS), min_size=1, max_size=4, unique=True))
    checked("\n".join(f"{key}: {data.draw(yaml_value(anchors, INNER_KEYS))}" for key in keys))


@FUZZ
@given(st.lists(st.lists(CHECK, max_size=3), max_size=3), st.booleans())
def test_site_files_shaped_like_systems(
    checks: list[list[dict[str, object]]], shared: bool
) -> None:
    systems = [
        {"name": f"s{index}", "plain_name": "Finance", "checks": found}
        for index, found in enumerate(checks)
    ]
    text = yaml.safe_dump({"systems": systems})
    if shared:  # the same checks again through an anchor, as people write defaults
        text = "defaults: &d {timeout: 5}\n" + text.replace("- kind:", "- <<: *d\n    kind:")
    checked(text)
