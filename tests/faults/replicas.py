"""Real ``closewatch serve`` processes for the fault tests, each on its own port and log.

Unlike :mod:`tests.served`, a replica here loads no demo (two replicas would both
load it) and may be killed with SIGKILL, as a crash would::

    with replica(tmp_path / "a", env) as a:
        a.process.kill()
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.served import CLOSEWATCH, STARTUP_SECONDS, free_port


@dataclass(frozen=True, slots=True)
class Replica:
    process: subprocess.Popen[str]
    base: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def metric(self, name: str) -> float | None:
        """One unlabelled sample from /metrics, or None when it does not answer."""
        try:
            text = httpx.get(f"{self.base}/metrics", timeout=2).text
        except httpx.HTTPError:
            return None
        for line in text.splitlines():
            if line.startswith(f"{name} "):
                return float(line.split()[1])
        return None

    def token(self) -> str:
        """The admin token a ``--demo`` replica printed."""
        found = re.search(r"token for trying the API: (cw_\S+)", self.log.read_text())
        assert found, "only a replica started with demo=True prints a token"
        return found.group(1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lock released, as a crashed machine would leave it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)


@contextmanager
def replica(data_dir: Path, env: Mapping[str, str], *, demo: bool = False) -> Iterator[Replica]:
    """``closewatch serve`` on a free port with ``env``; stopped (if still running) on exit."""
    with replicas((data_dir, env), demo=demo) as (started,):
        yield started


@contextmanager
def replicas(
    *setups: tuple[Path, Mapping[str, str]], demo: bool = False
) -> Iterator[list[Replica]]:
    """Several replicas started side by side (each start takes seconds on a busy machine)."""
    started: list[Replica] = []
    try:
        for data_dir, env in setups:
            started.append(_start(data_dir, env, demo=demo))
        for each in started:
            _wait_until_listening(each.process, each.log)
        yield started
    finally:
        for each in started:
            _stop(each.process)


def _start(data_dir: Path, env: Mapping[str, str], *, demo: bool) -> Replica:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    environment.update(CLOSEWATCH_DATA_DIR=str(data_dir), CLOSEWATCH_PUBLIC_URL=base)
    # Under faketime (`faketime DATE make test`) a replica's date moves, not its monotonic clock:
    # a timed thread wait (the leader's heartbeat) takes its deadline from a faked monotonic clock
    # and the kernel counts on the real one, so the wait would never end. Without faketime: no-op.
    environment.update(FAKETIME_DONT_FAKE_MONOTONIC="1")
    environment.update(env)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "serve.log"
    command = [CLOSEWATCH, "serve", "--port", str(port), *(["--demo"] if demo else [])]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, text=True, env=environment
        )
    return Replica(process, base, log)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_listening(process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text()
        if "Uvicorn running on" in text:
            return
        if process.poll() is not None:
            raise RuntimeError(f"closewatch serve exited early:\n{text}")
        time.sleep(0.1)
    raise RuntimeError(
        f"closewatch serve did not start within {STARTUP_SECONDS} s:\n{log.read_text()}"
    )
