"""The watcher against real local HTTP targets: intervals follow levels, incidents open and close.

Timing tests use short real intervals and wait on events with deadlines; none
sleeps for a fixed time and hopes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from calendars import Level
from monitor.db.engine import session_scope
from monitor.db.models import CheckResult, Incident, IncidentEvent
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.intensity.service import IntensityService
from monitor.metrics import Metrics
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.systems import sync_site
from monitor.watch.watcher import Watcher
from tests.monitor.samples import event, ics


@dataclass
class Target:
    """An HTTP target whose answer can be switched; it notes when each request came."""

    status: int = 200
    hang: bool = False
    hits: list[float] = field(default_factory=list)
    port: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    connections: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            await self._answer(reader, writer)
        finally:
            writer.transport.abort()
            self.connections.discard(task)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            self.hits.append(time.time())
            self.arrived.set()
            if self.hang:
                await reader.read()
                return
            body = b"ok" if self.status == 200 else b"broken"
            writer.write(
                f"HTTP/1.1 {self.status} X\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
            )
            await writer.drain()

    async def hits_after(self, moment: float, count: int, *, within: float) -> list[float]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            later = [hit for hit in self.hits if hit >= moment]
            if len(later) >= count:
                return later
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), deadline - time.monotonic())
        return [hit for hit in self.hits if hit >= moment]


@contextlib.asynccontextmanager
async def target(**kwargs: object) -> AsyncIterator[Target]:
    found = Target(**kwargs)  # type: ignore[arg-type]
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    try:
        yield found
    finally:
        server.close()
        for connection in found.connections:
            connection.cancel()
        await asyncio.gather(*found.connections, return_exceptions=True)
        await server.wait_closed()


def site_yaml(*systems: tuple[str, int], policy: str, timeout: float = 2) -> str:
    checks = "\n".join(
        f"  - name: {name}\n    plain_name: the {name} system\n    checks:\n"
        f"      - {{name: web, kind: http, url: 'http://127.0.0.1:{port}/health', timeout: {timeout}}}"
        for name, port in systems
    )
    return f"ramps:\n  default: {{before_working_days: 0, after_days: 0}}\npolicy:\n{policy}\nsystems:\n{checks}\n"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def import_period(
    engine: Engine, settings: Settings, start: datetime, end: datetime, level: str, system: str
) -> None:
    period = event("p@x", "Month-end closing", stamp(start), stamp(end),
                   f"X-CLOSEWATCH-LEVEL:{level}", f"X-CLOSEWATCH-SYSTEMS:{system}")  # fmt: skip
    import_calendar(engine, settings, ImportRequest(UploadedSource(name="finance", data=ics(period))),
                    now=datetime.now(UTC))  # fmt: skip


@contextlib.asynccontextmanager
async def watching(engine: Engine, settings: Settings, yaml: str) -> AsyncIterator[Watcher]:
    spec = load_site(yaml)
    with session_scope(engine) as session:
        sync_site(session, spec, now=datetime.now(UTC))
    service = IntensityService(
        engine, Site(spec, default_timezone="Europe/Berlin"), lambda: datetime.now(UTC)
    )
    watcher = Watcher(engine, settings, service, Metrics())
    await watcher.start()
    try:
        yield watcher
    finally:
        await watcher.stop()


async def wait_for(condition, *, within: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if found := await asyncio.to_thread(condition):
            return found
        await asyncio.sleep(0.05)
    pytest.fail(f"not within {within} s")


def incidents(engine: Engine) -> list[tuple[Incident, list[str]]]:
    with session_scope(engine) as session:
        rows = session.execute(select(Incident).order_by(Incident.id)).scalars().all()
        return [
            (row, [e.kind for e in session.execute(select(IncidentEvent).where(IncidentEvent.incident_id == row.id)
                                                  .order_by(IncidentEvent.id)).scalars()])
            for row in rows
        ]  # fmt: skip


async def test_failing_target_opens_an_incident_at_critical_and_recovery_closes_it(
    engine: Engine, settings: Settings
) -> None:
    now = datetime.now(UTC)
    async with target(status=500) as billing:
        import_period(
            engine,
            settings,
            now - timedelta(hours=1),
            now + timedelta(hours=1),
            "critical",
            "billing",
        )
        policy = "  critical: {interval: 200ms, failures: 2}"
        async with watching(
            engine, settings, site_yaml(("billing", billing.port), policy=policy)
        ) as watcher:
            (planned,) = watcher.planned.values()
            assert (planned.level, planned.policy.interval) == (Level.CRITICAL, 0.2)

            opened = await wait_for(lambda: [i for i, _ in incidents(engine) if i.status == "open"])
            assert (opened[0].level, len(billing.hits) >= 2) == (int(Level.CRITICAL), True)
            assert "HTTP 500" in opened[0].title
            sample = watcher.metrics.registry.get_sample_value(
                "closewatch_incidents_open",
                {"system": "billing", "level": "critical", "priority": "p1"},
            )
            assert sample == 1

            billing.status = 200
            closed = await wait_for(
                lambda: [i for i in incidents(engine) if i[0].status == "closed"]
            )
            incident, kinds = closed[0]
            assert kinds == ["opened", "recovered"]
            assert incident.closed_at is not None and incident.closed_at > incident.opened_at
        with session_scope(engine) as session:  # stopping flushed the buffered results
            statuses = set(session.execute(select(CheckResult.status)).scalars())
        assert {"down", "up"} <= statuses


async def test_a_period_starting_at_t_changes_the_interval_at_t(
    engine: Engine, settings: Settings
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    async with target() as billing:
        import_period(engine, settings, start, start + timedelta(hours=1), "high", "billing")
        policy = "  normal: {interval: 5m}\n  high: {interval: 250ms}"
        async with watching(
            engine, settings, site_yaml(("billing", billing.port), policy=policy)
        ) as watcher:
            (check_id,) = watcher.planned
            assert watcher.planned[check_id].policy.interval == 300

            after = await billing.hits_after(start.timestamp(), 4, within=6)

            assert len(after) >= 4, f"only {len(after)} checks after the period started"
            assert (
                after[0] - start.timestamp() < 1.0
            )  # the first check at the new level comes at once
            assert watcher.planned[check_id].level == Level.HIGH
            assert watcher.scheduler.get_job(f"check:{check_id}").trigger.interval == timedelta(
                seconds=0.25
            )


async def test_an_upload_takes_effect_at_once(engine: Engine, settings: Settings) -> None:
    async with target() as billing:
        policy = "  normal: {interval: 5m}\n  critical: {interval: 250ms}"
        async with watching(
            engine, settings, site_yaml(("billing", billing.port), policy=policy)
        ) as watcher:
            now = datetime.now(UTC)
            import_period(
                engine,
                settings,
                now - timedelta(minutes=5),
                now + timedelta(hours=1),
                "critical",
                "billing",
            )
            changed_at = time.time()
            watcher.changed()

            after = await billing.hits_after(changed_at, 3, within=5)

            assert len(after) >= 3 and after[0] - changed_at < 1.5


async def test_a_hanging_target_does_not_delay_the_others(
    engine: Engine, settings: Settings
) -> None:
    async with target(hang=True) as stuck, target() as healthy:
        policy = "  normal: {interval: 200ms}"
        yaml = site_yaml(("stuck", stuck.port), ("healthy", healthy.port), policy=policy, timeout=3)
        async with watching(engine, settings, yaml):
            began = time.time()
            await stuck.hits_after(0, 1, within=3)

            after = await healthy.hits_after(began, 6, within=2.5)

            assert len(after) >= 6
