"""Uploaded templates render in a worker process, under the job limit; defaults render here."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from monitor.notices.overrides import IsolatedRenderer, check_override
from monitor.settings import Settings
from notifiers.render import SAMPLE_CONTEXT, TemplateSet
from notifiers.sandbox import RenderLimit

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

    assert time.monotonic() - started < 2


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
