"""A served closewatch answers /healthz while a worker chews on an attacker's upload.

A real ``closewatch serve`` process, as in production: the upload is read in
a worker process, so the server's event loop is never the one that waits.
``tests/bench/stall_bench.py`` measures this for every attack; here one, short.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.attacks import secondly_series
from tests.monitor.test_serve import CLOSEWATCH, free_port

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless

JOB_SECONDS = 4


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    env |= {"CLOSEWATCH_DATA_DIR": str(tmp_path), "CLOSEWATCH_JOB_SECONDS": str(JOB_SECONDS)}
    port = free_port()
    process = subprocess.Popen(
        [CLOSEWATCH, "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    token = None
    try:
        deadline = time.monotonic() + 60
        for line in process.stdout:
            if match := re.search(r"token for trying the API: (cw_\S+)", line):
                token = match.group(1)
            if "Application startup complete" in line or time.monotonic() > deadline:
                break
        assert token, "serve --demo printed no token"
        threading.Thread(target=process.stdout.read, daemon=True).start()  # keep the pipe drained
        yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stdout.close()


def test_healthz_answers_at_once_while_an_upload_runs_into_its_time_limit(
    server: tuple[str, dict[str, str]],
) -> None:
    base, headers = server
    answer: list[httpx.Response] = []
    took: list[float] = []

    def attack() -> None:
        started = time.monotonic()
        answer.append(httpx.post(f"{base}/api/v1/calendars/preview", headers=headers, timeout=60,
                                 files={"file": ("ticks.ics", secondly_series(500))}))  # fmt: skip
        took.append(time.monotonic() - started)

    attacker = threading.Thread(target=attack)
    attacker.start()
    latencies = []
    while attacker.is_alive():
        started = time.monotonic()
        assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
        latencies.append(time.monotonic() - started)
        time.sleep(0.05)
    attacker.join()

    assert answer[0].status_code == 422
    assert f"took longer than the limit of {JOB_SECONDS} s" in answer[0].json()["detail"]
    assert JOB_SECONDS <= took[0] < JOB_SECONDS + 10
    assert len(latencies) >= 2 * JOB_SECONDS  # answered all along, at least twice a second
    # It stalled 8 s when the server parsed in its own process; a loaded CI machine adds noise.
    assert max(latencies) < 2.0, sorted(latencies)[-5:]
