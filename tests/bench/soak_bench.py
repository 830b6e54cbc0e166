"""Soak: a served closewatch under steady load for minutes; does it grow, lag or fail?

Starts a real ``closewatch serve`` (SQLite in a temporary directory) watching
``--checks`` systems with one HTTP check each every second (so that many checks a
second) against a local target in another process, sending email to Postfix's
``smtp-sink``. For ``--minutes`` it then runs, side by side:

- API and status-page traffic: up to ``--api-rate`` requests a second, one at a
  time (bounded, not flat out), cycling ``/api/v1/periods``, ``/api/v1/occurrences``,
  ``/api/v1/intensity``, ``/api/v1/systems`` and the public ``/status`` page;
- a calendar upload every ``--upload-every`` seconds (one calendar updated in place);
- a fan-out every ``--fanout-every`` seconds, the first as the soak starts: an
  upload whose new period starts tomorrow names the audience of ``--recipients``
  people, so a heads-up to each is due at once.

It prints the server's resident memory after ``--warmup`` seconds, each minute
and at the end, and the growth between (the job worker processes, started on
first use, apart). The warm-up (90 s) covers one cycle of what the soak does, a
fan-out and a plain upload, since the first of each fills what is then kept at
its size: the first notices load the templates' locale data (Babel, about
4 MiB, once), the first upload starts the job workers. Runs before issue 9's
fixes took the baseline at 60 s, before any upload or fan-out, so their growth
included all that; the by-minute readings show whether the curve is flat after
the warm-up. It also prints the schedule lag p99
(``closewatch_scheduler_lag_seconds`` between the two readings, interpolated
inside its bucket as Prometheus does), checks run, request p99, emails the sink
took, and every error: a request that failed or answered 5xx, and each
``Traceback`` or ``ERROR`` in the server's log. Targets (issue 9): memory growth
under 10 % after warm-up, lag p99 under 250 ms, no errors.

With ``--tracemalloc DIR`` the server runs under ``tests/bench/traced_serve.py``:
at the baseline and each minute it notes glibc's and SQLite's memory in
``DIR/malloc.txt`` and (unless ``SOAK_TRACEMALLOC_FRAMES=0``) writes a tracemalloc
snapshot; the end prints the allocation sites that grew most. Tracing slows
the server several times over: hunt with ``--checks 150``.

Figures are printed, never asserted. Run (the default is 10 minutes)::

    .venv/bin/python tests/bench/soak_bench.py [--minutes 10] [--checks 500]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for tests.bench

from tests.bench.stall_bench import (
    free_port,
    histogram_p99,
    lag_histogram,
    percentile,
    process,
)

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")
TRACED_SERVE = Path(__file__).with_name("traced_serve.py")
MEMORY_TARGET = 0.10
LAG_TARGET = 0.250

# Answers 200 "ok" to every check, on a new connection each, as fast as it can.
TARGET_SERVER = r"""
import asyncio
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.data = transport, b""
    def data_received(self, data):
        self.data += data
        if b"\r\n\r\n" in self.data:
            self.transport.write(OK)
            self.transport.close()

async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""
PATHS = (
    "/api/v1/periods",
    "/api/v1/occurrences",
    "/api/v1/intensity",
    "/api/v1/systems",
    "/status",
)


@dataclass
class Traffic:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    uploads: int = 0
    fanouts: int = 0


def site_yaml(checks: int, port: int, recipients: int) -> str:
    systems = "".join(
        f"  - name: s-{n:04d}\n    plain_name: system {n}\n    checks:\n"
        f"      - {{name: web, kind: http, url: 'http://127.0.0.1:{port}/s/{n}', timeout: 5}}\n"
        for n in range(checks)
    )
    members = "".join(
        f"      - {{name: Person {n}, email: person{n}@example.com}}\n" for n in range(recipients)
    )
    return (
        f"policy:\n  normal: {{interval: 1s}}\nsystems:\n{systems}"
        "audiences:\n  - name: finance\n    timezone: Europe/Berlin\n"
        "    working_days: {weekend: []}\n"  # every day a working day: a heads-up is due at once
        "    contact: {name: Dana Weber, email: dana@example.com}\n"
        f"    members:\n{members}"
    )


def sheet(round_: int, *, fan_out: bool) -> bytes:
    """A calendar of ten periods; with ``fan_out``, one more, new, for the audience, starting tomorrow."""
    start = date.today() + timedelta(days=1)
    rows = [
        f"Closing {n},{start + timedelta(days=7 + n + round_ % 3)},"
        f"{start + timedelta(days=9 + n + round_ % 3)},month_end_close,s-{n:04d},"
        for n in range(10)
    ]
    if fan_out:
        rows.append(f"Fan-out {round_},{start},{start + timedelta(days=1)},payroll,s-0000,finance")
    return ("title,start,end,category,systems,audiences\n" + "\n".join(rows) + "\n").encode()


def rss_kib(pid: int) -> tuple[int, int]:
    """Resident memory of ``pid`` and of its children (the job workers, started on first
    use, so counted apart), in KiB."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    workers = [int(child) for child in children.read_text().split()] if children.exists() else []
    return _rss(pid), sum(_rss(worker) for worker in workers)


def _rss(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) if found else 0


@contextmanager
def sink() -> Iterator[int]:
    found = shutil.which("smtp-sink") or shutil.which("smtp-sink", path="/usr/sbin")
    if found is None:
        raise SystemExit("smtp-sink not found: install Debian's postfix package")
    port = free_port()
    command = [
        found,
        "-c",
        *(["-u", "nobody"] if os.geteuid() == 0 else []),
        f"127.0.0.1:{port}",
        "1000",
    ]
    with process(command, dict(os.environ)) as running:
        assert running.stdout is not None
        threading.Thread(target=running.stdout.read, daemon=True).start()
        time.sleep(0.5)
        yield port


def api_traffic(
    base: str, token: str, rate: float, traffic: Traffic, stop: threading.Event
) -> None:
    with httpx.Client(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        n, started = 0, time.monotonic()
        while not stop.is_set():
            path = PATHS[n % len(PATHS)]
            before = time.perf_counter()
            try:
                answer = client.get(path)
                if answer.status_code >= 500:
                    traffic.errors.append(f"GET {path}: {answer.status_code}")
            except httpx.HTTPError as exc:
                traffic.errors.append(f"GET {path}: {type(exc).__name__}")
            traffic.latencies.append(time.perf_counter() - before)
            n += 1
            time.sleep(max(0.0, started + n / rate - time.monotonic()))


def uploads(base: str, token: str, every: float, fanout_every: float, traffic: Traffic,
            stop: threading.Event) -> None:  # fmt: skip
    with httpx.Client(
        base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        round_, last_fanout = 0, None
        while not stop.is_set():  # the first round at once, a fan-out: inside the warm-up
            round_ += 1
            fan_out = last_fanout is None or time.monotonic() - last_fanout >= fanout_every
            name = f"fanout-{round_}" if fan_out else "finance-closing"
            try:
                answer = client.post("/api/v1/calendars", data={"name": name},
                                     files={"file": (f"{name}.csv", sheet(round_, fan_out=fan_out))})  # fmt: skip
                if answer.status_code >= 400:
                    traffic.errors.append(
                        f"upload {name}: {answer.status_code} {answer.text[:200]}"
                    )
            except httpx.HTTPError as exc:
                traffic.errors.append(f"upload {name}: {type(exc).__name__}")
            traffic.uploads += 1
            if fan_out:
                traffic.fanouts += 1
                last_fanout = time.monotonic()
            stop.wait(every)


def logged_errors(log: str) -> Counter[str]:
    """Each ERROR line and each traceback's exception line in the server's log, counted."""
    found: Counter[str] = Counter()
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if " ERROR" in line or line.startswith("ERROR"):
            found[line[:200]] += 1
        elif line.startswith("Traceback"):
            ending = next((later for later in lines[n + 1 :] if not later.startswith(" ")), "?")
            found[f"Traceback: {ending[:200]}"] += 1
    return found


def first_logged_error(log: str, context: int = 40) -> str:
    """The first ERROR line or traceback in the server's log, with the lines after it."""
    lines = log.splitlines()
    first = next(n for n, line in enumerate(lines)
                 if " ERROR" in line or line.startswith(("ERROR", "Traceback")))  # fmt: skip
    return "\n".join(f"  | {line}" for line in lines[max(0, first - 3) : first + context])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--checks", type=int, default=500, help="checks a second (one per system)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=90.0,
        help="seconds before the first reading: one fan-out and one plain upload",
    )
    parser.add_argument(
        "--api-rate", type=float, default=20.0, help="API and status requests a second"
    )
    parser.add_argument("--upload-every", type=float, default=60.0)
    parser.add_argument("--fanout-every", type=float, default=180.0)
    parser.add_argument("--recipients", type=int, default=500)
    parser.add_argument(
        "--tracemalloc", type=Path, default=None, metavar="DIR",
        help="serve under tracemalloc (slower), a snapshot into DIR at the baseline and each minute",
    )  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="soak-bench-") as directory, sink() as smtp_port:
        data = Path(directory)
        with process([sys.executable, "-c", TARGET_SERVER], dict(os.environ)) as target:
            assert target.stdout is not None
            target_port = int(target.stdout.readline())
            site = data / "site.yaml"
            site.write_text(site_yaml(args.checks, target_port, args.recipients))
            env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
            env |= {"CLOSEWATCH_DATA_DIR": str(data), "CLOSEWATCH_SITE_FILE": str(site),
                    "CLOSEWATCH_SMTP_HOST": "127.0.0.1", "CLOSEWATCH_SMTP_PORT": str(smtp_port),
                    "CLOSEWATCH_SMTP_SECURITY": "none"}  # fmt: skip
            token = subprocess.run(
                [CLOSEWATCH, "token", "create", "--role", "editor", "--name", "soak"],
                env=env, capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = data / "serve.log"
            command = [CLOSEWATCH, "serve", "--port", str(port)]
            if args.tracemalloc is not None:
                args.tracemalloc.mkdir(parents=True, exist_ok=True)
                command[:1] = [sys.executable, str(TRACED_SERVE)]
                env["SOAK_TRACEMALLOC_DIR"] = str(args.tracemalloc)
            with log.open("w") as output:
                server = subprocess.Popen(command, env=env, stdout=output,
                                          stderr=subprocess.STDOUT)  # fmt: skip
            try:
                while "Application startup complete" not in log.read_text():
                    if server.poll() is not None:
                        raise SystemExit(f"closewatch serve exited:\n{log.read_text()}")
                    time.sleep(0.2)
                print(f"closewatch serve at {base}: {args.checks} checks a second, "
                      f"{args.api_rate:g} requests a second, an upload every {args.upload_every:g} s, "
                      f"a fan-out to {args.recipients} every {args.fanout_every:g} s, "
                      f"for {args.minutes:g} min", flush=True)  # fmt: skip
                traffic, stop = Traffic(), threading.Event()
                workers = [
                    threading.Thread(target=api_traffic, args=(base, token, args.api_rate, traffic, stop)),
                    threading.Thread(target=uploads, args=(base, token, args.upload_every,
                                                           args.fanout_every, traffic, stop)),
                ]  # fmt: skip
                for worker in workers:
                    worker.start()
                started = time.monotonic()
                time.sleep(args.warmup)
                (warm_rss, warm_workers), warm_lag = rss_kib(server.pid), lag_histogram(base)
                snapshots = 0
                if args.tracemalloc is not None:
                    snapshots = take_snapshot(server.pid, args.tracemalloc, snapshots)
                warm_requests = len(traffic.latencies)
                print(f"after {args.warmup:g} s warm-up: RSS {warm_rss / 1024:.0f} MiB "
                      f"(workers {warm_workers / 1024:.0f} MiB), load average "
                      f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
                end = started + args.minutes * 60
                while time.monotonic() < end:
                    time.sleep(min(60.0, max(0.0, end - time.monotonic())))
                    rss, workers_rss = rss_kib(server.pid)
                    print(f"  {(time.monotonic() - started) / 60:4.1f} min: RSS {rss / 1024:.0f} MiB "
                          f"(workers {workers_rss / 1024:.0f} MiB), load {os.getloadavg()[0]:.1f}",
                          flush=True)  # fmt: skip
                    if args.tracemalloc is not None:
                        snapshots = take_snapshot(server.pid, args.tracemalloc, snapshots)
                stop.set()
                for worker in workers:
                    worker.join(timeout=180)
                (end_rss, end_workers), end_lag = rss_kib(server.pid), lag_histogram(base)
                sent = re.findall(r"closewatch_notices_sent_total\{[^}]*\} (\S+)",
                                  httpx.get(f"{base}/metrics", timeout=30).text)  # fmt: skip
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            text = log.read_text()

    lag_p99, checks = histogram_p99(warm_lag, end_lag)
    growth = (end_rss - warm_rss) / warm_rss
    logged = logged_errors(text)
    errors = traffic.errors + [f"{count} x {what}" for what, count in logged.most_common()]
    requests = traffic.latencies[warm_requests:]
    print(f"\nserver RSS after warm-up {warm_rss / 1024:.1f} MiB, at the end {end_rss / 1024:.1f} MiB: "
          f"growth {growth * 100:+.1f} % (target under {MEMORY_TARGET * 100:.0f} %); job workers "
          f"{warm_workers / 1024:.0f} MiB, then {end_workers / 1024:.0f} MiB")  # fmt: skip
    print(f"schedule lag p99 {lag_p99 * 1000:.0f} ms over {checks} checks after warm-up "
          f"({checks / max(1.0, args.minutes * 60 - args.warmup):.0f} a second; target under "
          f"{LAG_TARGET * 1000:.0f} ms)")  # fmt: skip
    print(f"requests {len(requests)} after warm-up, p99 {percentile(requests, 0.99) * 1000:.0f} ms; "
          f"uploads {traffic.uploads}, fan-outs {traffic.fanouts}, notices sent "
          f"{sum(float(s) for s in sent):.0f}")  # fmt: skip
    print(f"errors: {len(traffic.errors) + sum(logged.values())}"
          + "".join(f"\n  {error}" for error in errors[:20]))  # fmt: skip
    if logged:
        print(f"the first in the server's log:\n{first_logged_error(text)}")
    if args.tracemalloc is not None and (args.tracemalloc / "snapshot-2.pickle").exists():
        print_growers(args.tracemalloc / "snapshot-1.pickle",
                      args.tracemalloc / f"snapshot-{snapshots}.pickle")  # fmt: skip


def take_snapshot(pid: int, directory: Path, taken: int) -> int:
    """Ask the traced server for its next snapshot and wait until it is written."""
    os.kill(pid, signal.SIGUSR1)
    done = directory / f"snapshot-{taken + 1}.done"
    while not done.exists():
        time.sleep(0.2)
    return taken + 1


def print_growers(first: Path, last: Path, top: int = 25) -> None:
    """The allocation sites that grew most between two snapshots, by traceback."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before = tracemalloc.Snapshot.load(str(first)).filter_traces(ignore)
    after = tracemalloc.Snapshot.load(str(last)).filter_traces(ignore)
    total = sum(stat.size for stat in after.statistics("filename")) - sum(
        stat.size for stat in before.statistics("filename")
    )
    print(f"\ntraced Python memory grew {total / 2**20:+.1f} MiB from {first.name} to {last.name}")
    for stat in after.compare_to(before, "traceback")[:top]:
        print(f"\n{stat.size_diff / 2**10:+.0f} KiB ({stat.count_diff:+d} blocks), now "
              f"{stat.size / 2**10:.0f} KiB")  # fmt: skip
        for line in stat.traceback.format(limit=8, most_recent_first=True):
            print(f"  {line}")


if __name__ == "__main__":
    main()
