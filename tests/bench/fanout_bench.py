"""Fan one notice out to N recipients over SMTP and compare with smtp-source.

Starts Postfix's ``smtp-sink`` on a free loopback port, then, in this process:

- builds a fresh SQLite database with one site audience of N members
  (``person{n}@example.com``, every day a working day) and imports a one-row
  CSV calendar whose period names the audience and starts tomorrow, so its
  heads-up is due now;
- times the stages of ``closewatch notices send``: *plan* (``current_plan``),
  *persist* (``sync_outbox``: the outbox rows; the two together are
  ``plan_and_sync``) and *deliver* (``OutboxWorker.drain()`` through the SMTP
  email channel from ``build_channels``), which composes each message as it
  sends it. Inside the drain, the time spent composing, in the channel (MIME
  build + SMTP) and in the outbox's own database calls is added up;
- separately, and outside the end-to-end figure, *render*: ``Composer.compose``
  plus ``build_email`` for every row due now, without sending.

Baseline, same run, same sink: ``smtp-source`` sending N copies of one rendered
closewatch email (``-F``, so the same bytes) over one kept-open connection
(``-s 1 -d``, like closewatch's single connection), and for context one new
connection per message (``-s 1``) and four kept-open connections (``-s 4 -d``).

Prints seconds and messages per second, closewatch's rate as a share of the
baseline's (the target is at least 25 %), and how many messages the sink
counted for each run. Asserts nothing on timings.
Run: ``python tests/bench/fanout_bench.py [--recipients N]`` (needs
``smtp-sink`` and ``smtp-source``, Debian package ``postfix``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from monitor.clock import system_clock
from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import upgrade
from monitor.db.models import Delivery
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.notices.channels import build_channels
from monitor.notices.compose import Composer
from monitor.notices.sync import current_plan, sync_outbox
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.outbox import PENDING, DatabaseOutbox
from monitor.store.systems import sync_site
from notifiers.channels.base import Channel
from notifiers.message import Message
from notifiers.mime import build_email
from notifiers.outbox import Claim, OutboxWorker, RetryPolicy
from notifiers.render import NoticeRenderer

AUDIENCE = "finance"
SENDER = "closewatch@example.com"
SINK_WAIT_SECONDS = 10.0
SOURCE_TIMEOUT_SECONDS = 300.0


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise SystemExit(f"{name} not found: install Debian's postfix package")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    """``smtp-sink -c`` on a loopback port; its running counter goes to a file."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.log = directory / "sink.out"
        command = [tool("smtp-sink"), "-c"]
        if os.geteuid() == 0:
            command += ["-u", "nobody"]
        command += [f"127.0.0.1:{self.port}", "1000"]
        self._out = self.log.open("wb")
        self.process = subprocess.Popen(command, stdout=self._out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SINK_WAIT_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(f"smtp-sink did not start: {self.log.read_text()!r}") from None
                time.sleep(0.05)
        # The probe connection above counts as a session, not as a message.

    def messages(self) -> int:
        """The sink's message counter as last printed (``mesg=N``)."""
        found = re.findall(rb"mesg=(\d+)", self.log.read_bytes()[-200:])
        return int(found[-1]) if found else 0

    def wait_for(self, expected: int) -> int:
        """The counter once it reaches ``expected``, or whatever it is after a grace period."""
        deadline = time.monotonic() + SINK_WAIT_SECONDS
        while (count := self.messages()) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return count

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()


def site_yaml(recipients: int) -> str:
    members = "\n".join(
        f"      - {{name: Person {n}, email: person{n}@example.com}}" for n in range(recipients)
    )
    return (
        "systems:\n  - {name: sap-fi, plain_name: the invoicing system}\n"
        f"audiences:\n  - name: {AUDIENCE}\n    timezone: Europe/Berlin\n"
        "    working_days: {weekend: []}\n"  # every day a working day: the heads-up is due now
        "    contact: {name: Dana Weber, email: dana@example.com}\n"
        f"    members:\n{members}\n"
    )


def calendar_csv() -> bytes:
    start = date.today() + timedelta(days=1)  # its heads-up moment has passed: due now
    return (
        "title,start,end,category,systems,audiences\n"
        f"Month-end closing,{start},{start + timedelta(days=2)},month_end_close,sap-fi,{AUDIENCE}\n"
    ).encode()


@dataclass
class Stopwatch:
    """Seconds added up per name, for work spread over many calls."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, elapsed: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + elapsed
        self.calls[name] = self.calls.get(name, 0) + 1


class TimedOutbox:
    """The database outbox, timing each call (as run in the worker's threads)."""

    def __init__(self, outbox: DatabaseOutbox, watch: Stopwatch) -> None:
        self._outbox = outbox
        self._watch = watch

    def _timed(self, name: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            self._watch.add(name, time.perf_counter() - started)

    def claim(self, **kwargs: Any) -> list[Claim]:
        return self._timed("outbox claim", self._outbox.claim, **kwargs)  # type: ignore[no-any-return]

    def sent(self, delivery_id: int, **kwargs: Any) -> None:
        self._timed("outbox sent", self._outbox.sent, delivery_id, **kwargs)

    def failed(self, delivery_id: int, **kwargs: Any) -> None:
        self._timed("outbox failed", self._outbox.failed, delivery_id, **kwargs)

    def withdrawn(self, delivery_id: int, **kwargs: Any) -> None:
        self._timed("outbox withdrawn", self._outbox.withdrawn, delivery_id, **kwargs)


class TimedChannel:
    """A channel whose sends (MIME build + SMTP conversation) are timed."""

    def __init__(self, channel: Channel, watch: Stopwatch) -> None:
        self._channel = channel
        self._watch = watch
        self.name = channel.name

    async def send(self, message: Message) -> None:
        started = time.perf_counter()
        try:
            await self._channel.send(message)
        finally:
            self._watch.add("channel send", time.perf_counter() - started)

    async def close(self) -> None:
        await self._channel.close()


@dataclass
class Run:
    recipients: int
    plan: float = 0.0
    persist: float = 0.0
    render: float = 0.0
    deliver: float = 0.0
    planned: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    sample: bytes = b""
    inside: Stopwatch = field(default_factory=Stopwatch)

    @property
    def end_to_end(self) -> float:
        return self.plan + self.persist + self.deliver


def prepare(directory: Path, recipients: int) -> tuple[Any, Site, Settings]:
    settings = Settings(data_dir=directory / "data", timezone="Europe/Berlin")
    engine = make_engine(f"sqlite:///{directory / 'closewatch.db'}")
    upgrade(engine)
    spec = load_site(site_yaml(recipients))
    site = Site(spec, default_timezone=settings.timezone)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        sync_site(session, spec, now=now)
        sync_site_audiences(session, spec, now=now)
    source = UploadedSource(name=AUDIENCE, data=calendar_csv(), filename="close.csv")
    import_calendar(engine, settings, ImportRequest(source), now=now)
    return engine, site, settings


def due_claims(engine: Any, now: datetime) -> list[Claim]:
    """The rows due now as the worker would claim them, without claiming them."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Delivery)
            .where(Delivery.status == PENDING, Delivery.due_at <= now)
            .order_by(Delivery.id)
        ).scalars()
        return [
            Claim(row.id or 0, row.dedupe_key, row.kind, row.channel, row.audience,
                  row.recipient_name, row.recipient_address, row.occurrence_id,
                  row.incident_id, row.attempts + 1, row.first_due_at)
            for row in rows
        ]  # fmt: skip


def closewatch_run(directory: Path, recipients: int, port: int) -> Run:
    engine, site, base = prepare(directory, recipients)
    settings = base.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
                "smtp_sender": SENDER}
    )  # fmt: skip
    run = Run(recipients)
    renderer = NoticeRenderer(templates_dir() / "notices")
    now = datetime.now(UTC)
    ahead = timedelta(days=settings.plan_ahead_days)

    # plan_and_sync, in its two halves.
    started = time.perf_counter()
    planned = current_plan(engine, site, now=now, ahead=ahead)
    run.plan = time.perf_counter() - started
    started = time.perf_counter()
    summary = sync_outbox(engine, planned, now=now, until=now + ahead)
    run.persist = time.perf_counter() - started
    run.planned = summary.added
    run.kinds = dict(Counter(delivery.kind for delivery in planned))

    # Rendering alone (not part of the end-to-end figure: the drain renders again).
    claims = due_claims(engine, datetime.now(UTC))
    composer = Composer(engine, settings, renderer)
    started = time.perf_counter()
    for claim in claims:
        message = composer.compose(claim)
        assert message is not None, claim
        email = build_email(message, sender=SENDER)
        if not run.sample:
            run.sample = email.as_bytes()
    run.render = time.perf_counter() - started

    # Delivery: the real worker, with the stores and channel timed from inside.
    watch = run.inside
    channels = build_channels(settings)
    timed_channels = {name: TimedChannel(channel, watch) for name, channel in channels.items()}
    sending_composer = Composer(engine, settings, renderer)

    async def compose(claim: Claim) -> Message | None:
        started = time.perf_counter()
        try:
            return await sending_composer(claim)
        finally:
            watch.add("compose", time.perf_counter() - started)

    outbox = DatabaseOutbox(engine)
    worker = OutboxWorker(
        TimedOutbox(outbox, watch),
        compose,
        timed_channels,
        policy=RetryPolicy(max_age=timedelta(hours=settings.outbox_max_age_hours)),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        clock=system_clock,
    )

    async def drain() -> int:
        try:
            return await worker.drain()
        finally:
            for channel in channels.values():
                await channel.close()

    started = time.perf_counter()
    run.delivered = asyncio.run(drain())
    run.deliver = time.perf_counter() - started
    run.statuses = outbox.counts()
    engine.dispose()
    return run


def smtp_source(port: int, messages: int, sessions: int, keep_open: bool, sample: Path) -> float:
    command = [tool("smtp-source"), "-s", str(sessions), "-m", str(messages), "-F", str(sample),
               "-f", "a@example.com", "-t", "b@example.com"]  # fmt: skip
    if keep_open:
        command.append("-d")
    command.append(f"127.0.0.1:{port}")
    started = time.perf_counter()
    subprocess.run(command, check=True, timeout=SOURCE_TIMEOUT_SECONDS, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def rate(messages: int, seconds: float) -> float:
    return messages / seconds if seconds > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    recipients = parser.parse_args().recipients

    with tempfile.TemporaryDirectory(prefix="fanout-bench-") as name:
        directory = Path(name)
        sink = Sink(directory)
        try:
            print(f"smtp-sink on 127.0.0.1:{sink.port}; {recipients} recipients, one heads-up each")
            run = closewatch_run(directory, recipients, sink.port)
            closewatch_counted = sink.wait_for(recipients)

            sample = directory / "message.eml"
            sample.write_bytes(run.sample)
            baselines: list[tuple[str, float, int]] = []
            counted = closewatch_counted
            for label, sessions, keep_open in (
                ("smtp-source -s 1 -d (one kept-open connection)", 1, True),
                ("smtp-source -s 1 (a new connection per message)", 1, False),
                ("smtp-source -s 4 -d (four kept-open connections)", 4, True),
            ):
                seconds = smtp_source(sink.port, recipients, sessions, keep_open, sample)
                total = sink.wait_for(counted + recipients)
                baselines.append((label, seconds, total - counted))
                counted = total
        finally:
            sink.stop()

    n = recipients
    print(
        f"message: {len(run.sample)} bytes as built by closewatch (smtp-source sends the same file)"
    )
    print(f"outbox: {run.planned} rows planned {run.kinds}, {run.delivered} due and claimed by "
          "the drain (the rest are due later); "
          f"statuses after: {run.statuses}")  # fmt: skip
    print("closewatch stages:")
    print(f"  plan    (current_plan)             {run.plan:8.3f} s")
    print(f"  persist (sync_outbox: insert rows) {run.persist:8.3f} s")
    print(f"  deliver (OutboxWorker.drain)       {run.deliver:8.3f} s  "
          f"{rate(n, run.deliver):8.1f} msgs/s")  # fmt: skip
    print(f"  render  (compose+build_email, separate pass, not in the total) "
          f"{run.render:.3f} s  {rate(n, run.render):.1f} msgs/s")  # fmt: skip
    print(f"  end to end (plan+persist+deliver, deliver renders) {run.end_to_end:.3f} s  "
          f"{rate(n, run.end_to_end):.1f} msgs/s")  # fmt: skip
    print("  inside the drain (summed per call; compose and outbox calls run in threads):")
    for key in sorted(run.inside.seconds, key=run.inside.seconds.__getitem__, reverse=True):
        seconds, calls = run.inside.seconds[key], run.inside.calls[key]
        print(f"    {key:<14} {seconds:8.3f} s over {calls:6d} calls "
              f"({1000 * seconds / calls:.3f} ms each, {100 * seconds / run.deliver:5.1f}% of deliver)")  # fmt: skip
    print(f"  sink counted {closewatch_counted} messages from closewatch (expected {n})")

    print("baselines (same sink, same message):")
    for label, seconds, got in baselines:
        print(f"  {label:<50} {seconds:8.3f} s  {rate(n, seconds):8.1f} msgs/s; "
              f"sink counted {got} (expected {n})")  # fmt: skip

    base_label, base_seconds, _ = baselines[0]
    base_rate = rate(n, base_seconds)
    print(
        f"ratio closewatch / {base_label.split(' (')[0]} ({base_rate:.1f} msgs/s); target >= 25%:"
    )
    print(f"  end to end    {rate(n, run.end_to_end):8.1f} msgs/s = "
          f"{100 * rate(n, run.end_to_end) / base_rate:6.1f}%")  # fmt: skip
    print(f"  delivery only {rate(n, run.deliver):8.1f} msgs/s = "
          f"{100 * rate(n, run.deliver) / base_rate:6.1f}%")  # fmt: skip
    for label, seconds, _ in baselines[1:]:
        print(f"  (end to end vs {label.split(' (')[0]}: "
              f"{100 * rate(n, run.end_to_end) / rate(n, seconds):.1f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
