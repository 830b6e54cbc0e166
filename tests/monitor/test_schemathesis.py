"""Schemathesis against a real ``closewatch serve`` with an admin token: no server errors,
and every answer as the OpenAPI document says (status, content type, headers, schema).

It runs in about a minute, so ``tests/run_at_dates.sh`` leaves it out (``-m "not
schemathesis"``): the generated requests do not depend on the date. The seed is fixed, so a
failure repeats; ``st run`` with the printed options reproduces it against any instance.
``DELETE /api/v1/tokens/{name}`` is left out: schemathesis learns names from the token list
and would revoke the token it runs with (tests/monitor/test_served_routes.py covers it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.served import closewatch_serve

ST = str(Path(sys.executable).parent / "st")
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance")  # fmt: skip
MAX_EXAMPLES = 10  # per operation and phase: under a minute for the 37 operations
TIME_LIMIT_SECONDS = 240  # far above a normal run: a bound, not a budget


@pytest.mark.schemathesis
def test_generated_requests_get_no_server_error_and_documented_answers(tmp_path: Path) -> None:
    if not Path(ST).exists():
        reason = "schemathesis is not installed (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with closewatch_serve(tmp_path / "data") as served:
        command = [
            ST, "run", f"{served.base}/openapi.json",
            "--header", f"Authorization: Bearer {served.token}",
            "--checks", ",".join(CHECKS),
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", "7",
            "--workers", "2",
            "--generation-with-security-parameters", "false",
            "--generation-database", "none",
            "--request-timeout", "30",
            "--exclude-path", "/api/v1/tokens/{name}",
            "--no-color",
        ]  # fmt: skip
        run = subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=TIME_LIMIT_SECONDS,
            check=False,
        )  # fmt: skip
        server_log = served.log.read_text()

    output = run.stdout + run.stderr
    assert run.returncode == 0, f"{output[-12_000:]}\n--- server log ---\n{server_log[-4_000:]}"
    traceback = server_log.find("Traceback")
    assert traceback < 0, server_log[max(traceback - 2_000, 0) : traceback + 6_000]
