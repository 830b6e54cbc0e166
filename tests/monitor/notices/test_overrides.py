"""Uploaded templates render in a worker process, under the job limit; defaults render here."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from monitor.db.engine import session_scope
from monitor.db.models import Delivery
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.notices.compose import Composer
from monitor.notices.overrides import IsolatedRenderer, check_override
from monitor.notices.sync import plan_and_sync
from monitor.settings import Settings
from monitor.site import Site, load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.outbox import DatabaseOutbox
from monitor.store.systems import sync_site
from notifiers.channels.file import FileChannel
from notifiers.outbox import OutboxWorker
from notifiers.render import SAMPLE_CONTEXT, TemplateSet
from notifiers.sandbox import RenderLimit
from tests.conftest import NOW
from tests.monitor.samples import event, ics

# Passes the upload check, which renders for the sample audience, and spins for real ones.
SPINS_FOR_REAL_READERS = TemplateSet(
    "Heads-up from {{ contact.name }}",
    "{% if audience.name != 'Accounts payable' %}{% for i in range(100000) %}{% for j in range(100000) %}"
    "{% endfor %}{% endfor %}{% endif %}Dear {{ reader.name }}, {{ contact.name }}",
    "<p>{{ contact.name }}</p>",
)


def settings(tmp_path: Path, job_seconds: float = 60.0) -> Settings:
    return Settings(data_dir=tmp_path, job_seconds=job_seconds)


def context(audience: str) -> dict[str, object]:
    return {**SAMPLE_CONTEXT, "audience": {"name": audience}}


def test_an_uploaded_template_renders_in_a_worker_under_the_job_limit(tmp_path: Path) -> None:
    renderer = IsolatedRenderer(
        settings(tmp_path, job_seconds=0.5),
        {(None, None, "heads_up", "en"): SPINS_FOR_REAL_READERS},
    )
    checked = check_override(settings(tmp_path), SPINS_FOR_REAL_READERS, kind="heads_up")
    assert checked == []
    sample = renderer.render("heads_up", context("Accounts payable"), lang="en")
    assert "Dear Anna Schmidt" in sample.text

    started = time.monotonic()
    with pytest.raises(RenderLimit, match=r"rendering took longer than the limit of 0\.5 s"):
        # The sandbox's own budget is 2 s: stopped at 0.5 s, it was the worker that was killed.
        renderer.render("heads_up", context("finance"), lang="en")

    assert time.monotonic() - started < 4


def test_shipped_templates_render_here_without_a_worker(tmp_path: Path) -> None:
    renderer = IsolatedRenderer(settings(tmp_path, job_seconds=0.5))
    before = _children()

    rendered = renderer.render("heads_up", context("finance"), lang="en")

    assert "Anna Schmidt" in rendered.text
    assert not renderer.has_overrides
    assert _children() == before


def _children() -> set[str]:
    """This process's child processes, as the kernel lists them."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {child for task in tasks.iterdir() for child in (task / "children").read_text().split()}


AUDIENCE = load_site("""
systems: [{name: sap-fi, plain_name: the invoicing system}]
audiences:
  - name: finance
    timezone: Europe/Berlin
    working_days: {weekend: []}
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Ben Braun, email: ben@example.com}]
""")


async def test_a_notice_whose_template_spins_for_its_reader_becomes_a_dead_letter_saying_why(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        sync_site(session, AUDIENCE, now=NOW)
        sync_site_audiences(session, AUDIENCE, now=NOW)
    start = NOW + timedelta(days=1)
    close = event("close@x", "Month-end closing", f"{start:%Y%m%d}", f"{start + timedelta(days=3):%Y%m%d}",
                  "X-CLOSEWATCH-AUDIENCES:finance")  # fmt: skip
    quick = settings(tmp_path, job_seconds=0.5)
    import_calendar(
        engine, settings(tmp_path), ImportRequest(UploadedSource("finance", ics(close))), now=NOW
    )
    plan_and_sync(engine, Site(AUDIENCE, "Europe/Berlin"), now=NOW, ahead=timedelta(days=30))
    renderer = IsolatedRenderer(quick, {(None, None, "heads_up", "en"): SPINS_FOR_REAL_READERS})
    composer = Composer(engine, quick, renderer, clock=lambda: NOW)
    files = FileChannel(tmp_path / "outbox")
    worker = OutboxWorker(DatabaseOutbox(engine), composer, {"email": files}, clock=lambda: NOW)

    assert await worker.drain() == 1

    with session_scope(engine) as session:
        delivery = session.execute(select(Delivery).where(Delivery.kind == "heads_up")).scalar_one()
    assert delivery.status == "dead"
    assert delivery.last_error == (
        "could not compose the message: rendering took longer than the limit of 0.5 s"
    )
