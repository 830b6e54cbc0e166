"""The aiosmtpd test server (:mod:`tests.notifiers.smtp`) on an event loop of its own thread,
so a test can block (wait for a process, sleep through an outage) while it keeps answering.

``stop()`` closes the listener and every session, as a crashed or restarted mail
server would; ``start()`` listens again on the same port.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from tests.notifiers.smtp import Received, SMTPServer


class ThreadedMailServer:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.server = SMTPServer()
        self.up = False

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def received(self) -> list[Received]:
        return self.server.received

    def start(self) -> None:
        self._run(self.server.start())
        self.up = True

    def stop(self) -> None:
        self.up = False
        self._run(self.server.stop())

    def close(self) -> None:
        if self.up:
            self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def by_recipient(self) -> Counter[str]:
        """How many messages each recipient got."""
        return Counter(address for message in list(self.received) for address in message.rcpt_tos)

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=30)


@contextmanager
def mail_server() -> Iterator[ThreadedMailServer]:
    server = ThreadedMailServer()
    try:
        server.start()
        yield server
    finally:
        server.close()
