"""Uploaded templates run in the job pool, never in the server's process.

Shipped templates are trusted and render where the notice is composed. An
uploaded one is code a user wrote: checking it when it is uploaded
(:func:`check_override`) and rendering a notice with it
(:class:`IsolatedRenderer`) are jobs (:mod:`monitor.jobs`), under
``CLOSEWATCH_JOB_SECONDS`` and the workers' memory limit. Inside, the sandbox's
own budget (:mod:`notifiers.sandbox`) usually stops a costly template first,
and names the part and the line.

A render past the limit fails for good, like any template that cannot render;
one that finds no free worker raises :class:`~monitor.jobs.WorkersBusy`, which
the outbox tries again later and the API answers with 503.
"""

from __future__ import annotations

import functools
from typing import Any

from monitor.jobs import JobPool, JobTimedOut, shared_pool
from monitor.paths import templates_dir
from monitor.settings import Settings
from notifiers.render import (
    NoticeRenderer,
    OverrideKey,
    RenderedNotice,
    TemplateSet,
    render_override,
    validate_override,
)
from notifiers.sandbox import RenderLimit


def pool_for(settings: Settings) -> JobPool:
    return shared_pool(settings.job_workers, memory_bytes=settings.job_memory_mb * 2**20)


def check_override(settings: Settings, templates: TemplateSet, *, kind: str) -> list[str]:
    """:func:`~notifiers.render.validate_override`, in a worker; the limit is a problem too.

    WorkersBusy when no worker frees up in time.
    """
    try:
        check = functools.partial(validate_override, kind=kind)
        return pool_for(settings).run(check, templates, limit=settings.job_seconds)
    except JobTimedOut as exc:
        return [
            f"checking the template took longer than the limit of {exc.limit:g} s "
            "(CLOSEWATCH_JOB_SECONDS); simplify its loops"
        ]
    except MemoryError:
        return [
            f"rendering the template needs more memory than the limit of "
            f"{settings.job_memory_mb} MiB (CLOSEWATCH_JOB_MEMORY_MB)"
        ]


class IsolatedRenderer(NoticeRenderer):
    """The shipped defaults here, and every uploaded override in a worker process."""

    def __init__(
        self, settings: Settings, overrides: dict[OverrideKey, TemplateSet] | None = None
    ) -> None:
        super().__init__(templates_dir() / "notices", overrides)
        self.settings = settings

    def render_override(self, templates: TemplateSet, context: dict[str, Any]) -> RenderedNotice:
        try:
            return pool_for(self.settings).run(
                render_override, templates, context, limit=self.settings.job_seconds
            )
        except JobTimedOut as exc:
            raise RenderLimit(f"rendering took longer than the limit of {exc.limit:g} s") from None
