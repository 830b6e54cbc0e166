"""SQLite with two processes writing: ``closewatch serve`` and the command line beside it.

The service runs checks (their results stored every second), plans after each
upload and drains the outbox; meanwhile the command line imports calendars and
sends notices, and the API takes uploads, all on the same SQLite file. Nobody
is ever shown "database is locked": writers wait their turn (WAL and a busy
timeout) instead of failing.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.faults.replicas import replica
from tests.faults.target import check_target
from tests.served import CLOSEWATCH

pytestmark = pytest.mark.faults

SECONDS = 20
LOCKED = "database is locked"


def site_file(path: Path, url: str) -> Path:
    members = "".join(f"      - {{name: P{n}, email: p{n}@example.com}}\n" for n in range(200))
    checks = "".join(
        f'      - {{name: web{n}, kind: http, url: "{url}?n={n}"}}\n' for n in range(20)
    )
    path.write_text(
        "policy:\n  normal: {interval: 1s}\n"
        "systems:\n  - name: target\n    plain_name: the test target\n    checks:\n" + checks +
        "audiences:\n  - name: finance\n    timezone: Europe/Berlin\n"
        "    working_days: {weekend: []}\n"
        "    contact: {name: Dana Weber, email: dana@example.com}\n"
        f"    members:\n{members}"
    )  # fmt: skip
    return path


def sheet(path: Path, n: int) -> Path:
    start = date.today() + timedelta(days=1 + n % 5)
    path.write_text(f"title,start,end,category,systems,audiences\n"
                    f"Closing {n},{start},{start + timedelta(days=2)},month_end_close,sap-fi,finance\n")  # fmt: skip
    return path


def test_the_command_line_beside_the_service_never_finds_the_database_locked(
    tmp_path: Path,
) -> None:
    problems: list[str] = []
    with check_target() as target:
        env = {"CLOSEWATCH_SITE_FILE": str(site_file(tmp_path / "site.yaml", target.url))}
        with replica(tmp_path / "data", env, demo=True) as served:
            token = served.token()
            environment = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
            environment |= env | {"CLOSEWATCH_DATA_DIR": str(tmp_path / "data")}
            stop = threading.Event()
            uploads: list[int] = []

            def upload_through_the_api() -> None:
                with httpx.Client(base_url=served.base, timeout=60) as client:
                    while not stop.is_set():
                        n = len(uploads)
                        uploads.append(n)
                        answer = client.post(
                            "/api/v1/calendars",
                            headers={"Authorization": f"Bearer {token}"},
                            files={
                                "file": ("api.csv", sheet(tmp_path / "api.csv", n).read_bytes())
                            },
                            data={"name": "from-the-api"},
                        )
                        if answer.status_code >= 500 or LOCKED in answer.text:
                            problems.append(f"API upload: {answer.status_code} {answer.text[:300]}")

            runs: list[str] = []

            def run_in_a_loop(*args: str) -> None:
                while not stop.is_set():
                    n = len(runs)
                    command = [
                        arg.replace("SHEET", str(sheet(tmp_path / f"cli{n}.csv", n)))
                        for arg in args
                    ]
                    done = subprocess.run([CLOSEWATCH, *command], env=environment, capture_output=True,
                                          text=True, timeout=120)  # fmt: skip
                    runs.append(args[0])
                    if done.returncode != 0 or LOCKED in done.stdout + done.stderr:
                        problems.append(
                            f"{' '.join(args[:2])}: exit {done.returncode}: {done.stderr[-500:]}"
                        )

            workers = [
                threading.Thread(target=upload_through_the_api, daemon=True),
                threading.Thread(target=run_in_a_loop, args=("calendar", "import", "SHEET", "--name", "from-the-cli"), daemon=True),
                threading.Thread(target=run_in_a_loop, args=("notices", "send"), daemon=True),
            ]  # fmt: skip
            for worker in workers:
                worker.start()
            time.sleep(SECONDS)
            stop.set()
            for worker in workers:
                worker.join(timeout=120)
            commands = len(runs)
            log = served.log.read_text()
            served_hits = len(target.hits)

    print(f"\n{commands} command-line imports and sends, {len(uploads)} API uploads "
          f"and {served_hits} checks side by side; {len(problems)} problems")  # fmt: skip
    assert LOCKED not in log, log[log.index(LOCKED) - 2000 : log.index(LOCKED) + 500]
    assert problems == []
