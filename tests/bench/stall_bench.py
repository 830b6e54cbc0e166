"""Does anything a user sends stall the watcher? Issue 10's attacks against a served closewatch.

Starts a real ``closewatch serve`` (SQLite in a temporary directory) watching
``--systems`` systems, one HTTP check each every second, against a local
target server in another process. Then, one after the other, with an idle
window first as the baseline:

- ``5 MB import``: an honest 20,000-event calendar of 5 MB, uploaded (editor);
- ``backtracking regex``: a system whose check matches ``(a+)+$`` against 28 a's
  and a b every second (it used to take 13 s per check on the event loop), and
  a pattern RE2 cannot compile, which is refused;
- ``500 SECONDLY series``: a 60 KB calendar of 500 unbounded ``FREQ=SECONDLY``
  series, previewed with a viewer token;
- ``YAML alias bomb``: 400 bytes of nested aliases, uploaded as a rules document;
- ``range(100000) template``: a template override with nested ``range(100000)``
  loops (editor);
- ``50,000-event upload``: an honest calendar of 50,000 events (4.5 MB).

During each, a poller in this process asks ``/healthz`` every 20 ms on a new
connection and times the answer; the watcher's own lag comes from the
``closewatch_scheduler_lag_seconds`` histogram (the counts added during the
window, with Prometheus's linear interpolation inside a bucket, so its
resolution is the bucket: 1, 5, 10, 25, 50, 100, 250 ms ...). Per attack it
prints: /healthz p99 and max, lag p99, checks run in the window, what the
attacker got (status, seconds). Target: both p99 under 250 ms.

Timings are printed, never asserted. Run:
``python tests/bench/stall_bench.py [--systems 100]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for tests.attacks

from tests.attacks import (
    ALIAS_BOMB,
    BACKTRACKING_BODY,
    BACKTRACKING_PATTERN,
    NESTED_RANGE_TEMPLATE,
    honest_calendar,
    secondly_series,
)

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")
TARGET = 0.250
POLL_EVERY = 0.020
AFTER = 2.0  # seconds watched after an attack's answer: reloads and planning follow uploads
IDLE = 5.0

# Answers 200 "ok" to every check; /bt answers the body that makes (a+)+$ backtrack.
TARGET_SERVER = r"""
import asyncio
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
BT = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (
    len({body!r}), {body!r})

class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.data = transport, b""
    def data_received(self, data):
        self.data += data
        if b"\r\n\r\n" in self.data:
            self.transport.write(BT if self.data.split(b" ", 2)[1] == b"/bt" else OK)
            self.transport.close()

async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


@dataclass
class Served:
    base: str
    editor: dict[str, str]
    viewer: dict[str, str]
    target_port: int


@dataclass
class Window:
    name: str
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    lag_p99: float = float("nan")
    checks: int = 0
    answer: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def site_yaml(systems: int, port: int) -> str:
    listed = "".join(
        f"  - name: s-{n:04d}\n    plain_name: system {n}\n    checks:\n"
        f"      - {{name: web, kind: http, url: 'http://127.0.0.1:{port}/s/{n}', timeout: 5}}\n"
        for n in range(systems)
    )
    return f"policy:\n  normal: {{interval: 1s}}\nsystems:\n{listed}"


@contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    started = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        yield started
    finally:
        started.terminate()
        try:
            started.wait(timeout=15)
        except subprocess.TimeoutExpired:
            started.kill()
            started.wait()


@contextmanager
def served(systems: int, directory: Path) -> Iterator[Served]:
    with process([sys.executable, "-c", TARGET_SERVER.format(body=BACKTRACKING_BODY.encode())],
                 dict(os.environ)) as target:  # fmt: skip
        assert target.stdout is not None
        target_port = int(target.stdout.readline())
        site = directory / "site.yaml"
        site.write_text(site_yaml(systems, target_port))
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
        env |= {"CLOSEWATCH_DATA_DIR": str(directory), "CLOSEWATCH_SITE_FILE": str(site)}
        tokens = {
            role: subprocess.run(
                [CLOSEWATCH, "token", "create", "--role", role, "--name", role],
                env=env, capture_output=True, text=True, check=True,
            ).stdout.strip()
            for role in ("editor", "viewer")
        }  # fmt: skip
        port = free_port()
        with process([CLOSEWATCH, "serve", "--port", str(port)], env) as server:
            assert server.stdout is not None
            for line in server.stdout:
                if "Application startup complete" in line:
                    break
            # Keep reading the log, or a full pipe would block the server.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            yield Served(
                f"http://127.0.0.1:{port}",
                {"Authorization": f"Bearer {tokens['editor']}"},
                {"Authorization": f"Bearer {tokens['viewer']}"},
                target_port,
            )


def lag_histogram(base: str) -> dict[float, float]:
    """Cumulative counts of closewatch_scheduler_lag_seconds by bucket bound."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as answer:
        text = answer.read().decode()
    found = re.findall(r'closewatch_scheduler_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', text)
    return {float(bound): float(count) for bound, count in found}


def histogram_p99(before: dict[float, float], after: dict[float, float]) -> tuple[float, int]:
    """p99 of what was observed between two readings, interpolated as Prometheus does."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1]
    if not total:
        return float("nan"), 0
    rank, lower, below = 0.99 * total, 0.0, 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if count >= rank:
            if bound == float("inf"):
                return lower, int(total)
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-9), int(total)
        lower, below = bound, count
    return lower, int(total)


def poll_healthz(base: str, window: Window, stop: threading.Event) -> None:
    host, port = base.removeprefix("http://").split(":")
    while not stop.is_set():
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request("GET", "/healthz")
            ok = connection.getresponse().status == 200
            connection.close()
        except OSError:
            ok = False
        elapsed = time.perf_counter() - started
        window.latencies.append(elapsed)
        window.failures += not ok
        time.sleep(max(0.0, POLL_EVERY - elapsed))


def measure(
    served: Served, name: str, attack: Callable[[], str], before: dict[float, float]
) -> tuple[Window, dict[float, float]]:
    """One window: the poller, the attack, and the lag histogram read at its end."""
    window = Window(name)
    stop = threading.Event()
    poller = threading.Thread(target=poll_healthz, args=(served.base, window, stop))
    poller.start()
    time.sleep(0.5)
    window.answer = attack()
    time.sleep(AFTER)
    stop.set()
    poller.join()
    after = lag_histogram(served.base)
    window.lag_p99, window.checks = histogram_p99(before, after)
    return window, after


def timed(send: Callable[[], httpx.Response], expect: str = "") -> str:
    started = time.perf_counter()
    response = send()
    elapsed = time.perf_counter() - started
    detail = ""
    if response.status_code >= 400:
        detail = str(response.json().get("detail") or response.json().get("errors"))[:70]
    return f"{response.status_code} in {elapsed:.2f} s{expect}" + (f": {detail}" if detail else "")


def attacks(served: Served, client: httpx.Client, today: date) -> dict[str, Callable[[], str]]:
    five_mb = honest_calendar(20_000, around=today, description=60)
    fifty_thousand = honest_calendar(50_000, around=today, compact=True)
    system = {
        "name": "victim", "plain_name": "the victim system",
        "checks": [{"name": "web", "kind": "http", "url": f"http://127.0.0.1:{served.target_port}/bt",
                    "body_pattern": BACKTRACKING_PATTERN}],
    }  # fmt: skip
    refused = {**system, "name": "victim-2"}
    refused["checks"] = [{**system["checks"][0], "body_pattern": r"(a+)+\1"}]  # type: ignore[index]
    template = {"subject": "Heads-up from {{ contact.name }}", "text": NESTED_RANGE_TEMPLATE,
                "html": "<p>{{ contact.name }}</p>"}  # fmt: skip

    def upload(name: str, data: bytes, headers: dict[str, str], path: str = "") -> str:
        return timed(lambda: client.post(f"/api/v1/calendars{path}", headers=headers,
                                         files={"file": (name, data)}))  # fmt: skip

    def backtracking() -> str:
        created = timed(lambda: client.post("/api/v1/systems", headers=served.editor, json=system))
        bad = timed(lambda: client.post("/api/v1/systems", headers=served.editor, json=refused))
        time.sleep(5)  # the victim's check runs every second meanwhile
        return f"{created}, checked each second for 5 s; (a+)+\\1: {bad}"

    return {
        "idle": lambda: (time.sleep(IDLE), "nothing sent")[1],
        f"5 MB import ({len(five_mb) / 1e6:.1f} MB)": lambda: upload(
            "finance.ics", five_mb, served.editor
        ),
        "backtracking regex": backtracking,
        "500 SECONDLY series": lambda: upload(
            "ticks.ics", secondly_series(500), served.viewer, "/preview"
        ),
        "YAML alias bomb": lambda: upload("rules.yaml", ALIAS_BOMB, served.editor),
        "range(100000) template": lambda: timed(
            lambda: client.put(
                "/api/v1/templates/heads_up/en", headers=served.editor, json=template
            )
        ),
        f"50,000-event upload ({len(fifty_thousand) / 1e6:.1f} MB)": lambda: upload(
            "entities.ics", fifty_thousand, served.editor
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=100)
    systems = parser.parse_args().systems
    with (
        tempfile.TemporaryDirectory(prefix="stall-bench-") as directory,
        served(systems, Path(directory)) as server,
    ):
        print(f"closewatch serve at {server.base}: {systems} systems, a check each second")
        client = httpx.Client(base_url=server.base, timeout=600)
        time.sleep(5)  # the first checks are spread over the first interval
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        # Each window ends with one read of /metrics, which is where the next one starts:
        # a scrape costs the server CPU too (two series for each of 70,000 periods, at the end).
        histogram, windows = lag_histogram(server.base), []
        for name, attack in attacks(server, client, date.today()).items():
            window, histogram = measure(server, name, attack, histogram)
            windows.append(window)
        print(
            f"load average after: {os.getloadavg()[0]:.1f} (the machine has {os.cpu_count()} cores)"
        )
    print(f"\n{'attack':<30} {'healthz p99':>11} {'max':>7} {'lag p99':>8} {'checks':>6}  "
          "what the attacker got")  # fmt: skip
    for w in windows:
        print(f"{w.name:<30} {percentile(w.latencies, 0.99) * 1000:8.0f} ms "
              f"{max(w.latencies) * 1000:4.0f} ms {w.lag_p99 * 1000:5.0f} ms {w.checks:6d}  "
              f"{w.answer}" + (f" ({w.failures} /healthz failed)" if w.failures else ""))  # fmt: skip
    worst = max(max(percentile(w.latencies, 0.99), w.lag_p99) for w in windows)
    print(
        f"\nworst p99: {worst * 1000:.0f} ms (target under {TARGET * 1000:.0f} ms: "
        f"{'met' if worst < TARGET else 'MISSED'})"
    )
    print(json.dumps({w.name: {"healthz_p99": percentile(w.latencies, 0.99), "lag_p99": w.lag_p99}
                      for w in windows}))  # fmt: skip


if __name__ == "__main__":
    main()
