"""Keeping a subscription's address out of the logs the HTTP libraries write.

httpx logs every request's full URL at INFO, urllib3 and caldav theirs at DEBUG;
a subscription's address may be a secret (a Google or Outlook "secret
address"). While a fetch runs, :func:`quiet_libraries` drops those libraries'
records from the fetching thread only, so other threads (the checks' own
requests) log as before. A filter sits on each named logger itself, as records
that propagate from a child logger skip the parent's filters.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "urllib3.connectionpool", "caldav")


class _WhileFetching(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.state = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.state, "fetching", False)


_filter = _WhileFetching()
for _name in LOGGERS:
    logging.getLogger(_name).addFilter(_filter)


@contextmanager
def quiet_libraries() -> Iterator[None]:
    """Within: the HTTP libraries log nothing from this thread."""
    _filter.state.fetching = True
    try:
        yield
    finally:
        _filter.state.fetching = False
