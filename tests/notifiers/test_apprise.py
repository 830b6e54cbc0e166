from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from notifiers.channels.apprise import AppriseChannel
from notifiers.channels.base import DeliveryError
from notifiers.message import Message

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MESSAGE = Message(
    dedupe_key="notice:42:recipient:7:chat",
    kind="daily_status",
    recipient_name="Lager Team",
    recipient_address="(set per test)",
    subject="Inventur: alles läuft",
    text="Guten Morgen! Das Lagersystem läuft normal. Fragen? Antworten Sie einfach hier.",
    written_at=NOW,
)


@dataclass
class Webhook:
    """A local HTTP server that records JSON posts and answers with ``status``."""

    status: int = 200
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    port: int = 0


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            hook.posts.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()
    thread.join()


async def test_posts_subject_as_title_and_text_as_body(webhook: Webhook) -> None:
    url = f"json://127.0.0.1:{webhook.port}/hooks/lager"
    await AppriseChannel().send(_to(url))

    [(path, payload)] = webhook.posts
    assert path == "/hooks/lager"
    assert payload["title"] == "Inventur: alles läuft"
    assert payload["message"] == MESSAGE.text


async def test_unsupported_url_is_permanent() -> None:
    with pytest.raises(DeliveryError) as caught:
        await AppriseChannel().send(_to("nosuchservice://example/token"))

    assert caught.value.permanent
    assert "token" not in str(caught.value)


async def test_server_error_is_temporary(webhook: Webhook) -> None:
    webhook.status = 500
    with pytest.raises(DeliveryError) as caught:
        await AppriseChannel().send(_to(f"json://127.0.0.1:{webhook.port}/hooks/lager"))

    assert not caught.value.permanent
    assert webhook.posts  # it was tried


async def test_rate_limit_spaces_notifications(webhook: Webhook) -> None:
    channel = AppriseChannel(per_second=20)
    started = time.monotonic()
    for _ in range(5):
        await channel.send(_to(f"json://127.0.0.1:{webhook.port}/hooks/lager"))

    assert time.monotonic() - started >= 0.19  # four gaps of 1/20 s
    assert len(webhook.posts) == 5


def _to(url: str) -> Message:
    return replace(MESSAGE, recipient_address=url)
