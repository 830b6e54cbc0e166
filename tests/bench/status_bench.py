"""Load the public status page of a real service with a large site.

Fills a fresh SQLite database with 500 systems (with plain names) and 10,000
occurrences across them (500 periods of 20 occurrences each, every period
targeting one system), starts ``closewatch serve`` on a free loopback port with
one worker, then sends ``GET /status`` for ``--seconds`` with ``--connections``
open at once: with ``wrk`` when it is installed, else with an asyncio/httpx
load generator in a separate process. With ``--with-304`` it runs a second
round of conditional requests (``If-None-Match`` with the page's ETag).

Prints requests per second, latency p50/p99, and the number of responses that
were not 200 (not 304 in the conditional round). The target is at least 500
requests per second on one worker; nothing is asserted.
Run: ``python tests/bench/status_bench.py [--seconds 10] [--connections 50] [--with-304]``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from calendars import Category, Level
from monitor.db.engine import make_engine
from monitor.db.migrate import upgrade
from monitor.db.models import Calendar, Occurrence, Period, PeriodTarget, System

SYSTEMS = 500
OCCURRENCES = 10_000
PER_PERIOD = OCCURRENCES // SYSTEMS
NOUNS = ("invoicing", "ordering", "payroll", "warehouse", "shipping", "customer", "ledger",
         "purchasing", "planning", "reporting")  # fmt: skip


def fill(database: Path, now: datetime, seed: int = 2026) -> None:
    """500 systems, 500 periods (one system each), 20 occurrences per period around ``now``."""
    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    categories = [category.value for category in Category]
    with engine.begin() as connection:
        connection.execute(insert(System), [
            {"name": f"sys-{i:03d}", "plain_name": f"the {NOUNS[i % len(NOUNS)]} system {i // len(NOUNS) + 1}",
             "owner_team": "", "description": "", "managed_by": "api", "policy": {}, "updated_at": now}
            for i in range(SYSTEMS)
        ])  # fmt: skip
        connection.execute(insert(Calendar), [{
            "name": "bench", "team": "", "timezone": "Europe/Berlin", "format": "rules", "filename": "",
            "source": b"", "content_hash": "0" * 64, "warnings": [],
            "created_at": now, "updated_at": now, "expanded_at": now,
        }])  # fmt: skip
        periods, targets, occurrences = [], [], []
        for i in range(SYSTEMS):
            category = rng.choice(categories)
            level = int(rng.choice([Level.ELEVATED, Level.HIGH, Level.CRITICAL]))
            periods.append({"id": i + 1, "calendar_id": 1, "key": f"period-{i}", "title": f"Period {i}",
                            "category": category, "level": level, "description": "",
                            "classified_by": "property"})  # fmt: skip
            targets.append({"period_id": i + 1, "kind": "system", "name": f"sys-{i:03d}"})
            first = now - timedelta(days=30) + timedelta(days=rng.randrange(20))
            for n in range(PER_PERIOD):
                start = first + timedelta(days=19 * n)
                end = start + timedelta(days=rng.randrange(1, 4))
                occurrences.append({"period_id": i + 1, "calendar_id": 1, "instance": f"{n}",
                                    "start": start, "end": end, "title": None,
                                    "category": category, "level": level})  # fmt: skip
        connection.execute(insert(Period), periods)
        connection.execute(insert(PeriodTarget), targets)
        connection.execute(insert(Occurrence), occurrences)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_service(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    closewatch = Path(sys.executable).with_name("closewatch")
    env = {**os.environ, "CLOSEWATCH_DATA_DIR": str(data_dir),
           "CLOSEWATCH_TIMEZONE": "Europe/Berlin", "CLOSEWATCH_PORT": str(port)}  # fmt: skip
    service = subprocess.Popen(
        [str(closewatch), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/status", timeout=5).status_code == 200:
                return service
        except httpx.HTTPError:
            time.sleep(0.2)
    service.terminate()
    raise SystemExit("the service did not answer within 60 seconds")


def run_wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, str]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = {
        "requests/s": _grab(r"Requests/sec:\s+([\d.]+)", output),
        "p50": _grab(r"\s50%\s+(\S+)", output),
        "p99": _grab(r"\s99%\s+(\S+)", output),
        "requests": _grab(r"(\d+) requests in", output),
        "errors": _grab(r"Socket errors: (.*)", output) or "none",
        # wrk counts statuses outside 2xx/3xx; the load generator below counts exactly
        "unexpected": _grab(r"Non-2xx or 3xx responses: (\d+)", output) or "0",
    }
    return found


def _grab(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    return match.group(1) if match else ""


LOADGEN = r"""
import asyncio, json, sys, time
import httpx

async def main(url, seconds, connections, headers, expected):
    latencies, unexpected = [], 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=30) as client:
        async def worker():
            nonlocal unexpected
            while time.perf_counter() < stop:
                began = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - began)
                unexpected += response.status_code != expected
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    print(json.dumps({"count": len(latencies), "elapsed": elapsed, "latencies": sorted(latencies),
                      "unexpected": unexpected}))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5])))
"""


def run_loadgen(
    url: str, seconds: int, connections: int, headers: dict[str, str], expected: int
) -> dict[str, str]:
    import json

    output = subprocess.run(
        [sys.executable, "-c", LOADGEN, url, str(seconds), str(connections), json.dumps(headers),
         str(expected)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    data = json.loads(output)
    latencies = data["latencies"] or [0.0]
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "requests/s": f"{data['count'] / data['elapsed']:.1f}",
        "p50": f"{cuts[49] * 1000:.2f}ms",
        "p99": f"{cuts[98] * 1000:.2f}ms",
        "requests": str(data["count"]),
        "errors": "none",
        "unexpected": str(data["unexpected"]),
    }


def load(
    url: str, seconds: int, connections: int, headers: dict[str, str], expected: int
) -> tuple[str, dict[str, str]]:
    if shutil.which("wrk"):
        return "wrk", run_wrk(url, seconds, connections, headers)
    return "httpx load generator", run_loadgen(url, seconds, connections, headers, expected)


def report(title: str, tool: str, figures: dict[str, str], expected: int) -> None:
    print(f"\n{title} ({tool})")
    print(f"  requests/s        {figures['requests/s']}")
    print(f"  latency p50       {figures['p50']}")
    print(f"  latency p99       {figures['p99']}")
    print(f"  requests          {figures['requests']}")
    print(f"  socket errors     {figures['errors']}")
    # wrk counts statuses outside 2xx/3xx only; the httpx load generator counts exactly
    label = (
        "non-2xx/3xx" if tool == "wrk" else ("non-200" if expected == 200 else f"not {expected}")
    )
    print(f"  {label:<17} {figures['unexpected']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--with-304", action="store_true", help="also measure conditional requests")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="closewatch-status-bench-") as tmp:
        data_dir = Path(tmp)
        began = time.perf_counter()
        fill(data_dir / "closewatch.db", datetime.now(UTC))
        print(f"database: {SYSTEMS} systems, {OCCURRENCES} occurrences, "
              f"filled in {time.perf_counter() - began:.2f}s")  # fmt: skip
        port = free_port()
        service = start_service(data_dir, port)
        url = f"http://127.0.0.1:{port}/status"
        try:
            cold = time.perf_counter()
            first = httpx.get(url, timeout=30)
            print(f"service: closewatch serve on 127.0.0.1:{port}, one worker; "
                  f"page {len(first.content):,} bytes, first (cold) request {1000 * (time.perf_counter() - cold):.1f}ms")  # fmt: skip
            tool, plain = load(url, args.seconds, args.connections, {}, 200)
            report(
                f"GET /status, {args.connections} connections, {args.seconds}s", tool, plain, 200
            )
            if args.with_304:
                etag = httpx.get(url, timeout=30).headers["etag"]
                headers = {"If-None-Match": etag}
                check = httpx.get(url, headers=headers, timeout=30).status_code
                tool, figures = load(url, args.seconds, args.connections, headers, 304)
                report(f"GET /status with If-None-Match, {args.connections} connections, "
                       f"{args.seconds}s (spot check: {check})", tool, figures, 304)  # fmt: skip
                print("  note: the ETag changes only when what the page says changes; "
                      "requests after that get 200 with the new page")  # fmt: skip
        finally:
            service.terminate()
            service.wait(timeout=30)
    verdict = "met" if float(plain["requests/s"] or 0) >= 500 else "NOT met"
    print(f"\ntarget: at least 500 requests/s on one worker: {verdict} ({plain['requests/s']}/s)")


if __name__ == "__main__":
    main()
