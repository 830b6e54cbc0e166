"""The one place closewatch reads the time.

Everything that needs "now" takes a :data:`Clock` (the app's, the watcher's,
the notice service's) or a ``now=`` argument, and only :func:`system_clock`
reads the wall clock. Tests pass a pinned clock instead, so the suite passes
on any date. ``calendars`` and ``notifiers`` never read the time themselves:
their callers hand it in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)
