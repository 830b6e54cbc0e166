"""Probe throughput, scheduler lag, reaction time and level lookups; and blackbox_exporter.

Four figures, each against a stated target:

1. Throughput and lag. N systems (``--checks``), one HTTP check each, normal
   interval 1 s, run by a real :class:`Watcher` in this process pinned to core 0,
   against a local target server in a separate process pinned to core 1. After a
   warm-up, over ``--seconds``: checks completed per second (counted by wrapping
   ``watcher.record``, cross-checked by the target's own hit counter), CPU
   seconds of this process (``time.process_time``, all threads, so storing
   results in SQLite is included) per 1,000 checks, and schedule lag p50/p99
   from ``watcher.lags`` recorded in the window. Target: p99 under 250 ms.
2. Reaction time. 20 systems at normal 5 m, high 1 s; a calendar is imported
   (then ``watcher.changed()``, as an upload does) whose high period starts at
   T = now + 3 s or more. Time from T to the first request of each system that
   the target server receives after T (its own ``time.time()`` stamps, same
   machine clock); median and max over the systems. Target: under 1 s.
3. Level lookup. ``IntensityIndex.build`` over 100,000 synthetic occurrences on
   10,000 systems; build seconds and the median of 20 ``index.all_at(t)``.
   Target: under 50 ms.
4. blackbox_exporter. Debian's prometheus-blackbox-exporter pinned to core 0,
   an ``http_2xx`` module, driven at N probes per second against the same target
   by a client in a separate process on core 1 (keep-alive connections to the
   exporter, bounded concurrency). Exporter CPU seconds from
   ``/proc/<pid>/stat`` (utime + stime) over the window, probes counted by the
   target's hit counter; CPU seconds per 1,000 probes and the ratio
   closewatch / blackbox (goal: within 2x).

Timings are printed, never asserted. Run:
``python tests/bench/probe_bench.py [--checks 1000] [--seconds 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from sqlalchemy import Engine

from calendars import Level
from calendars.workdays import WorkingDays, public_holidays
from monitor.checks.base import Status
from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.intensity.service import IntensityService
from monitor.intensity.timeline import IntensityIndex, OccurrenceInput, RampRules
from monitor.metrics import Metrics
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.systems import sync_site
from monitor.watch.watcher import Watcher

WATCHER_CORE, OTHER_CORE = 0, 1
WARM_UP = 5.0
LAG_TARGET, REACTION_TARGET, LOOKUP_TARGET, BLACKBOX_GOAL = 0.250, 1.0, 0.050, 2.0
REACTION_SYSTEMS = 20

# The target: answers 200 "ok" with Connection: close; counts every request; keeps
# arrival stamps of /r/... paths; GET /__count and /__hits report them.
TARGET_SERVER = r"""
import asyncio, json, os, sys, time
os.sched_setaffinity(0, {core})
count = 0
hits = {{}}
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok"

class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.data = transport, b""
    def data_received(self, data):
        global count
        self.data += data
        if b"\r\n\r\n" not in self.data:
            return
        path = self.data.split(b" ", 2)[1].decode()
        if path.startswith("/__"):
            body = json.dumps(count if path == "/__count" else hits).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {{len(body)}}\r\nConnection: close\r\n\r\n"
            self.transport.write(head.encode() + body)
        else:
            count += 1
            if path.startswith("/r/"):
                hits.setdefault(path, []).append(time.time())
            self.transport.write(OK)
        self.transport.close()

async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""

# The blackbox driver: N probes a second, each target at its own offset within the
# second, over keep-alive connections to the exporter; prints a JSON summary.
BLACKBOX_DRIVER = r"""
import asyncio, json, os, sys, time
os.sched_setaffinity(0, {core})
N, SECONDS, EXPORTER, TARGET, WORKERS = {n}, {seconds}, {exporter}, {target}, 64
done = {{"probes": 0, "success": 0, "errors": 0, "late": 0}}

async def worker(queue):
    reader, writer = await asyncio.open_connection("127.0.0.1", EXPORTER)
    while True:
        item = await queue.get()
        request = (f"GET /probe?module=http_2xx&target=http://127.0.0.1:{{TARGET}}/b/{{item}} HTTP/1.1\r\n"
                   f"Host: 127.0.0.1:{{EXPORTER}}\r\n\r\n")
        try:
            writer.write(request.encode())
            head = (await reader.readuntil(b"\r\n\r\n")).lower()
            if b"content-length:" in head:
                body = await reader.readexactly(int(head.split(b"content-length:")[1].split(b"\r\n")[0]))
            else:  # chunked
                body = b""
                while size := int((await reader.readline()).split(b";")[0], 16):
                    body += (await reader.readexactly(size + 2))[:-2]
                await reader.readline()
            done["probes"] += 1
            done["success"] += b"\nprobe_success 1" in body
        except Exception:
            done["errors"] += 1
            reader, writer = await asyncio.open_connection("127.0.0.1", EXPORTER)
        queue.task_done()

async def main():
    queue = asyncio.Queue()
    workers = [asyncio.create_task(worker(queue)) for _ in range(WORKERS)]
    began = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - began) < SECONDS:
        due = int(elapsed * N)
        done["late"] = max(done["late"], queue.qsize())
        while sent < due:
            queue.put_nowait(sent % N)
            sent += 1
        await asyncio.sleep(0.01)
    done["sent"] = sent
    print(json.dumps(done), flush=True)
    for task in workers:
        task.cancel()

asyncio.run(main())
"""

BLACKBOX_CONFIG = """modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
"""


# -- helpers ----------------------------------------------------------------------------------


@dataclass
class TargetServer:
    process: subprocess.Popen[str]
    port: int

    def get(self, path: str) -> object:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as answer:
            return json.loads(answer.read())

    def count(self) -> int:
        found = self.get("/__count")
        assert isinstance(found, int)
        return found


@contextmanager
def target_server() -> Iterator[TargetServer]:
    code = TARGET_SERVER.format(core={OTHER_CORE})
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield TargetServer(process, int(process.stdout.readline()))
    finally:
        stop(process)


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def verdict(value: float, target: float) -> str:
    return "meets" if value < target else "MISSES"


def site_yaml(paths: dict[str, str], port: int, policy: str) -> str:
    systems = "\n".join(
        f"  - name: {name}\n    plain_name: the {name} system\n    checks:\n"
        f"      - {{name: web, kind: http, url: 'http://127.0.0.1:{port}{path}', timeout: 5}}"
        for name, path in paths.items()
    )
    return (
        "ramps:\n  default: {before_working_days: 0, after_days: 0}\n"
        f"policy:\n{policy}\nsystems:\n{systems}\n"
    )


@dataclass
class Counted:
    """Completions seen by the wrapped ``watcher.record``."""

    checks: int = 0
    up: int = 0
    completed: dict[str, list[float]] = field(default_factory=dict)
    skipped: int = 0  # max_instances reached or misfired


@asynccontextmanager
async def watching(
    directory: Path, yaml: str
) -> AsyncIterator[tuple[Watcher, Counted, Engine, Settings]]:
    """A fresh SQLite database, the site synced into it, and a started Watcher."""
    settings = Settings(data_dir=directory, timezone="Europe/Berlin")
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    spec = load_site(yaml)
    with session_scope(engine) as session:
        sync_site(session, spec, now=datetime.now(UTC))
    service = IntensityService(
        engine, Site(spec, default_timezone="Europe/Berlin"), lambda: datetime.now(UTC)
    )
    watcher = Watcher(engine, settings, service, Metrics())
    counted = Counted()
    record = watcher.record

    async def counting_record(planned, outcome, at):  # type: ignore[no-untyped-def]
        counted.checks += 1
        counted.up += outcome.status == Status.UP
        counted.completed.setdefault(planned.check.system, []).append(time.time())
        return await record(planned, outcome, at)

    def skipped(_event: JobEvent) -> None:
        counted.skipped += 1

    watcher.record = counting_record  # type: ignore[method-assign]
    watcher.scheduler.add_listener(skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
    await watcher.start()
    try:
        yield watcher, counted, engine, settings
    finally:
        await watcher.stop()
        engine.dispose()


# -- 1. throughput and lag --------------------------------------------------------------------


async def measure_throughput_and_lag(
    target: TargetServer, checks: int, seconds: float
) -> dict[str, float]:
    paths = {f"s-{n:05d}": f"/s/{n}" for n in range(checks)}
    with tempfile.TemporaryDirectory(prefix="probe-bench-") as directory:
        setup = time.perf_counter()
        yaml = site_yaml(paths, target.port, "  normal: {interval: 1s}")
        async with watching(Path(directory), yaml) as (watcher, counted, _engine, _settings):
            print(f"  set up {checks} systems and started the watcher in {time.perf_counter() - setup:.1f} s; "
                  f"warming up {WARM_UP:.0f} s")  # fmt: skip
            await asyncio.sleep(WARM_UP)
            watcher.lags.clear()
            checks_before, up_before, skipped_before = counted.checks, counted.up, counted.skipped
            hits_before = await asyncio.to_thread(target.count)
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            await asyncio.sleep(seconds)
            cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
            hits = await asyncio.to_thread(target.count) - hits_before
            lags = list(watcher.lags)
            done, up = counted.checks - checks_before, counted.up - up_before
            skipped = counted.skipped - skipped_before
    if len(lags) == watcher.lags.maxlen:
        print("  note: watcher.lags is full; the earliest lags in the window were dropped")
    result = {
        "rate": done / wall,
        "expected": checks / 1.0,
        "target_rate": hits / wall,
        "cpu_per_1000": cpu / done * 1000 if done else float("nan"),
        "cpu_share": cpu / wall,
        "lag_p50": percentile(lags, 0.50),
        "lag_p99": percentile(lags, 0.99),
        "lag_max": max(lags, default=float("nan")),
        "down": done - up,
        "skipped": skipped,
    }
    print(f"  checks completed: {result['rate']:.0f}/s (scheduled {result['expected']:.0f}/s; "
          f"target saw {result['target_rate']:.0f} requests/s); {result['down']} down; "
          f"{skipped} runs skipped by APScheduler (max_instances/misfire)")  # fmt: skip
    print(f"  CPU: {cpu:.1f} s in {wall:.1f} s ({result['cpu_share']:.0%} of one core), "
          f"{result['cpu_per_1000']:.3f} CPU s per 1,000 checks")  # fmt: skip
    print(f"  schedule lag over {len(lags)} runs: p50 {result['lag_p50'] * 1000:.1f} ms, "
          f"p99 {result['lag_p99'] * 1000:.1f} ms, max {result['lag_max'] * 1000:.1f} ms "
          f"(target p99 < {LAG_TARGET * 1000:.0f} ms: {verdict(result['lag_p99'], LAG_TARGET)})")  # fmt: skip
    return result


# -- 2. reaction time -------------------------------------------------------------------------


async def measure_reaction_time(target: TargetServer) -> dict[str, float]:
    names = [f"r-{n:02d}" for n in range(REACTION_SYSTEMS)]
    paths = {name: f"/r/{name}" for name in names}
    policy = "  normal: {interval: 5m}\n  high: {interval: 1s}"
    with tempfile.TemporaryDirectory(prefix="probe-bench-") as directory:
        yaml = site_yaml(paths, target.port, policy)
        async with watching(Path(directory), yaml) as (watcher, counted, engine, settings):
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
            period = ics_period(start, start + timedelta(hours=1), names)
            request = ImportRequest(UploadedSource(name="finance", data=period))
            await asyncio.to_thread(
                import_calendar, engine, settings, request, now=datetime.now(UTC)
            )
            watcher.changed()
            await asyncio.sleep(max(0.0, start.timestamp() - time.time()) + 3.0)
            levels = {planned.level for planned in watcher.planned.values()}
            hits = await asyncio.to_thread(target.get, "/__hits")
    assert isinstance(hits, dict)
    t = start.timestamp()
    arrived = [
        min((h for h in hits.get(paths[name], []) if h >= t), default=float("inf")) - t
        for name in names
    ]
    completed = [min((c for c in counted.completed.get(name, []) if c >= t), default=float("inf")) - t
                 for name in names]  # fmt: skip
    result = {
        "arrival_median": statistics.median(arrived),
        "arrival_max": max(arrived),
        "completion_median": statistics.median(completed),
        "completion_max": max(completed),
    }
    print(f"  levels after T: {sorted(level.label for level in levels)}")
    print(f"  T to first request at the target (target's stamps): median {result['arrival_median'] * 1000:.0f} ms, "
          f"max {result['arrival_max'] * 1000:.0f} ms over {len(names)} systems "
          f"(target < {REACTION_TARGET * 1000:.0f} ms: {verdict(result['arrival_max'], REACTION_TARGET)})")  # fmt: skip
    print(f"  T to first completed check (wrapped watcher.record): median {result['completion_median'] * 1000:.0f} ms, "
          f"max {result['completion_max'] * 1000:.0f} ms")  # fmt: skip
    return result


def ics_period(start: datetime, end: datetime, systems: list[str]) -> bytes:
    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%SZ")

    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//closewatch bench//EN\r\n"
        "BEGIN:VEVENT\r\nUID:bench-period@closewatch\r\nDTSTAMP:20261101T000000Z\r\n"
        f"SUMMARY:Month-end closing\r\nDTSTART:{stamp(start)}\r\nDTEND:{stamp(end)}\r\n"
        f"X-CLOSEWATCH-LEVEL:high\r\nX-CLOSEWATCH-SYSTEMS:{','.join(systems)}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


# -- 3. level lookup --------------------------------------------------------------------------


def measure_level_lookup(runs: int = 20) -> dict[str, float]:
    berlin = ZoneInfo("Europe/Berlin")
    rules = RampRules(
        zone=berlin,
        workdays=WorkingDays(
            days_off=frozenset(public_holidays(range(2026, 2029), country="DE", subdivision="BY"))
        ),
    )
    start = datetime(2026, 11, 1, tzinfo=berlin).astimezone(UTC)
    occurrences = [
        OccurrenceInput(n, f"period {n}", "month_end_close", Level(1 + n % 3),
                        start + timedelta(days=n % 300), start + timedelta(days=n % 300 + 2),
                        (f"system-{n % 10_000}",))
        for n in range(100_000)
    ]  # fmt: skip
    began = time.perf_counter()
    index = IntensityIndex.build(occurrences, rules)
    build = time.perf_counter() - began
    moment = datetime(2027, 1, 15, 12, tzinfo=berlin).astimezone(UTC)
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        found = index.all_at(moment)
        timings.append(time.perf_counter() - began)
    result = {"build": build, "all_at": statistics.median(timings), "systems": len(found)}
    print(f"  build: {build:.2f} s for {len(occurrences)} occurrences; all_at over {len(found)} systems: "
          f"median {result['all_at'] * 1000:.1f} ms of {runs} (min {min(timings) * 1000:.1f}, "
          f"max {max(timings) * 1000:.1f}) (target < {LOOKUP_TARGET * 1000:.0f} ms: "
          f"{verdict(result['all_at'], LOOKUP_TARGET)})")  # fmt: skip
    return result


# -- 4. blackbox_exporter ---------------------------------------------------------------------


def exporter_binary() -> str | None:
    found = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
    if found:
        return found
    print("  installing prometheus-blackbox-exporter with apt-get ...")
    installed = subprocess.run(["apt-get", "install", "-y", "prometheus-blackbox-exporter"],
                               capture_output=True, text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
    if installed.returncode != 0:
        print(f"  could not install it: {installed.stderr.strip().splitlines()[-1:]}")
        return None
    return shutil.which("prometheus-blackbox-exporter")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_listening(port: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def measure_blackbox(target: TargetServer, checks: int, seconds: float) -> dict[str, float] | None:
    binary = exporter_binary()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="probe-bench-bbx-") as directory:
        config = Path(directory) / "blackbox.yml"
        config.write_text(BLACKBOX_CONFIG)
        port = free_port()
        exporter = subprocess.Popen(
            ["taskset", "-c", str(WATCHER_CORE), binary, f"--config.file={config}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        driver: subprocess.Popen[str] | None = None
        try:
            if not wait_listening(port):
                stop(exporter)
                assert exporter.stderr is not None
                print(f"  the exporter did not start: {exporter.stderr.read().strip()[-500:]}")
                return None
            version = subprocess.run([binary, "--version"], capture_output=True, text=True)
            print(f"  {(version.stdout or version.stderr).splitlines()[0]}; pid {exporter.pid} on core "
                  f"{WATCHER_CORE}, port {port}; warming up {WARM_UP:.0f} s")  # fmt: skip
            code = BLACKBOX_DRIVER.format(core={OTHER_CORE}, n=checks, seconds=WARM_UP + seconds + 1,
                                          exporter=port, target=target.port)  # fmt: skip
            driver = subprocess.Popen(
                [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
            )
            time.sleep(WARM_UP)
            hits_before, cpu_before, wall_before = (
                target.count(),
                cpu_seconds(exporter.pid),
                time.perf_counter(),
            )
            time.sleep(seconds)
            cpu, wall = cpu_seconds(exporter.pid) - cpu_before, time.perf_counter() - wall_before
            probes = target.count() - hits_before
            output, _ = driver.communicate(timeout=30)
            summary = json.loads(output.strip().splitlines()[-1])
        finally:
            if driver is not None:
                stop(driver)
            stop(exporter)
    result = {
        "rate": probes / wall,
        "cpu_per_1000": cpu / probes * 1000 if probes else float("nan"),
        "cpu_share": cpu / wall,
    }
    print(f"  probes completed: {result['rate']:.0f}/s (target's hit counter; asked {checks}/s); driver over "
          f"the whole run: {summary['probes']} answers, {summary['success']} with probe_success 1, "
          f"{summary['errors']} errors, deepest queue {summary['late']}")  # fmt: skip
    print(f"  exporter CPU: {cpu:.1f} s in {wall:.1f} s ({result['cpu_share']:.0%} of one core), "
          f"{result['cpu_per_1000']:.3f} CPU s per 1,000 probes")  # fmt: skip
    return result


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=1000, help="HTTP checks, one per system")
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring window")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="  log %(levelname)s %(name)s: %(message)s")
    if len(os.sched_getaffinity(0)) < 2 or os.cpu_count() is None or os.cpu_count() < 2:  # type: ignore[operator]
        print("note: fewer than two cores; the pinning below cannot separate the processes")
    os.sched_setaffinity(0, {WATCHER_CORE})  # before any thread exists, so all inherit it

    with target_server() as target:
        print(f"target server: pid {target.process.pid} on core {OTHER_CORE}, port {target.port}")
        print(
            f"\n1. throughput and lag: {args.checks} checks at 1 s, watcher on core {WATCHER_CORE}"
        )
        throughput = asyncio.run(measure_throughput_and_lag(target, args.checks, args.seconds))
        print(f"\n2. reaction time: {REACTION_SYSTEMS} systems, normal 5 m -> high 1 s at T")
        reaction = asyncio.run(measure_reaction_time(target))
        print("\n3. level lookup: 100,000 occurrences over 10,000 systems")
        lookup = measure_level_lookup()
        print(f"\n4. blackbox_exporter: {args.checks} probes/s for {args.seconds:.0f} s")
        blackbox = measure_blackbox(target, args.checks, args.seconds)

    print("\nsummary")
    rows = [
        ("checks/s (closewatch)", f"{throughput['rate']:.0f}", f"{args.checks}/s scheduled"),
        ("CPU s / 1,000 checks (closewatch)", f"{throughput['cpu_per_1000']:.3f}", ""),
        ("schedule lag p50", f"{throughput['lag_p50'] * 1000:.1f} ms", ""),
        ("schedule lag p99", f"{throughput['lag_p99'] * 1000:.1f} ms",
         f"< {LAG_TARGET * 1000:.0f} ms: {verdict(throughput['lag_p99'], LAG_TARGET)}"),
        ("reaction median / max", f"{reaction['arrival_median'] * 1000:.0f} / {reaction['arrival_max'] * 1000:.0f} ms",
         f"< {REACTION_TARGET * 1000:.0f} ms: {verdict(reaction['arrival_max'], REACTION_TARGET)}"),
        ("index build (100k occ.)", f"{lookup['build']:.2f} s", ""),
        ("all_at (10k systems)", f"{lookup['all_at'] * 1000:.1f} ms",
         f"< {LOOKUP_TARGET * 1000:.0f} ms: {verdict(lookup['all_at'], LOOKUP_TARGET)}"),
    ]  # fmt: skip
    if blackbox is None:
        rows.append(("blackbox_exporter", "not run", "see above"))
    else:
        ratio = throughput["cpu_per_1000"] / blackbox["cpu_per_1000"]
        rows += [
            ("probes/s (blackbox)", f"{blackbox['rate']:.0f}", f"{args.checks}/s asked"),
            ("CPU s / 1,000 probes (blackbox)", f"{blackbox['cpu_per_1000']:.3f}", ""),
            ("CPU ratio closewatch / blackbox", f"{ratio:.2f}x",
             f"within {BLACKBOX_GOAL:.0f}x: {'meets' if ratio <= BLACKBOX_GOAL else 'MISSES'}"),
        ]  # fmt: skip
    for name, value, note in rows:
        print(f"  {name:<36} {value:>16}   {note}")


if __name__ == "__main__":
    main()
