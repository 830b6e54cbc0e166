"""A real ``closewatch serve --demo`` on a free port, for tests whose behaviour depends on
the served wiring: the watcher, the planner and the outbox run as they do for a user.

The server writes its output to a log file, not a pipe: a pipe nobody reads fills up
after a few hundred access-log lines and stalls the server. The demo's admin token is
read from that file::

    with closewatch_serve(tmp_path) as served:
        httpx.get(f"{served.base}/api/v1/systems", headers=served.auth)
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")
STARTUP_SECONDS = 60  # a loaded CI machine starts it in a few seconds; this is the bound
NO_OUTAGE = "365d"  # the demo target's first outage, for tests that want a quiet demo


@dataclass(frozen=True, slots=True)
class Served:
    base: str
    token: str  # the demo's admin token
    data_dir: Path
    env: dict[str, str] = field(repr=False)  # the server's environment, for the CLI on its data
    log: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def closewatch_serve(
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    outage_in: str = NO_OUTAGE,
    outage_for: str = "4m",
) -> Iterator[Served]:
    """Start ``closewatch serve --demo`` on ``data_dir``; stop it on exit.

    The demo target fails ``outage_in`` after the start; by default not while a test runs.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    environment.update(CLOSEWATCH_DATA_DIR=str(data_dir), CLOSEWATCH_PUBLIC_URL=base)
    environment.update(env or {})
    log = data_dir / "serve.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(
            [CLOSEWATCH, "serve", "--demo", "--port", str(port), "--demo-outage-in", outage_in,
             "--demo-outage-for", outage_for],
            stdout=output, stderr=subprocess.STDOUT, text=True, env=environment,
        )  # fmt: skip
    try:
        token = _wait_until_started(process, log)
        yield Served(base, token, data_dir, environment, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_started(process: subprocess.Popen[str], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text()
        token = re.search(r"token for trying the API: (cw_\S+)", text)
        if token and "Uvicorn running on" in text:  # listening: printed after the startup
            return token.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"closewatch serve exited early:\n{text}")
        time.sleep(0.1)
    raise RuntimeError(
        f"closewatch serve did not start within {STARTUP_SECONDS} s:\n{log.read_text()}"
    )
