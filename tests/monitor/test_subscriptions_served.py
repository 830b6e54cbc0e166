"""Notices people choose, end to end: a real ``closewatch serve`` mailing through a real
SMTP server (aiosmtpd), watching a real HTTP target that breaks and recovers.

Two people ask on the status page for the billing system's notices. Each receives the
"please confirm" message and nothing else; following its link makes them subscribers.
When the target breaks, the incident notice reaches both; one leaves with the one-click
unsubscribe of RFC 8058, and the recovery's resolved notice reaches only the other.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.monitor.checks.servers import serve
from tests.notifiers.smtp import SMTPServer
from tests.served import Served, closewatch_serve

# The sign-up, opt-in and unsubscribe story does not depend on the date (the notices' words and
# times are checked at every shifted date in-process): it runs once, at the real date.
pytestmark = pytest.mark.dateless
WAIT_SECONDS = 60  # for the watcher and the outbox, which take a second or two
SITE = """
systems:
  - name: billing
    plain_name: the billing system
    policy: {{normal: {{interval: 1s, failures: 1}}}}
    checks:
      - {{name: web, kind: http, url: "http://127.0.0.1:{port}/health", timeout: 2}}
subscribers:
  email_domains: [example.com]
  contact: {{name: Dana Weber, email: dana.weber@example.com}}
"""


class Target:
    """The billing system's health page: working until told otherwise."""

    def __init__(self) -> None:
        self.working = True

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        status = b"200 OK" if self.working else b"500 Internal Server Error"
        writer.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
        await writer.drain()


@pytest.fixture
async def target() -> AsyncIterator[tuple[Target, int]]:
    billing = Target()
    async with serve(billing.answer) as port:
        yield billing, port


async def wait_for(what: str, found: Callable[[], object]) -> None:
    """Until ``found()`` (or what it returns, when awaitable) is true; the loop runs meanwhile."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = found()
        if inspect.isawaitable(answer):
            answer = await answer
        if answer:
            return
        assert time.monotonic() < deadline, f"waited {WAIT_SECONDS} s for {what}"
        await asyncio.sleep(0.2)


def mails_to(smtp: SMTPServer, address: str) -> list[EmailMessage]:
    return [mail.message for mail in smtp.received if address in mail.rcpt_tos]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


async def ask(base: str, address: str, name: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as browser:
        status = await browser.get("/status")
        assert 'href="/subscribe"' in status.text
        form = await browser.get("/subscribe")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text
        sent = await browser.post("/subscribe", data={
            "csrf": csrf.group(1), "name": name, "email": address, "language": "en",
            "system": "the billing system",
        })  # fmt: skip
        assert sent.status_code == 200 and "Check your inbox" in sent.text, sent.text


async def confirm(base: str, message: EmailMessage) -> None:
    link = re.search(r"(http://\S+/subscribe/confirm/\S+)", text_of(message))
    assert link, text_of(message)
    async with httpx.AsyncClient(timeout=30) as browser:
        shown = await browser.get(link.group(1))
        assert "Start your notices?" in shown.text and "The billing system" in shown.text
        done = await browser.post(link.group(1))
        assert "Your notices start now" in done.text, done.text


async def test_a_subscriber_hears_of_an_incident_until_they_unsubscribe(
    tmp_path: Path, target: tuple[Target, int]
) -> None:
    billing, port = target
    site = tmp_path / "site.yaml"
    site.write_text(SITE.format(port=port))
    async with SMTPServer() as smtp:
        env = {"CLOSEWATCH_SITE_FILE": str(site), "CLOSEWATCH_SMTP_HOST": "127.0.0.1",
               "CLOSEWATCH_SMTP_PORT": str(smtp.port), "CLOSEWATCH_SMTP_SECURITY": "none"}  # fmt: skip
        with ExitStack() as stack:
            # Starting blocks: in a thread, so this loop keeps serving SMTP and the target.
            served: Served = await asyncio.to_thread(
                stack.enter_context, closewatch_serve(tmp_path / "data", env)
            )
            await run_the_story(served, smtp, billing)


async def run_the_story(served: Served, smtp: SMTPServer, billing: Target) -> None:
    sam, kim = "sam@example.com", "kim@example.com"
    await ask(served.base, sam, "Sam Berg")
    await ask(served.base, kim, "Kim Roth")
    await wait_for("the confirmations", lambda: mails_to(smtp, sam) and mails_to(smtp, kim))
    (please_confirm,) = mails_to(smtp, sam)
    assert please_confirm["Subject"] == "Please confirm: notices from IT about your systems"
    assert "the billing system" in text_of(please_confirm)
    assert "List-Unsubscribe" not in please_confirm

    billing.working = False  # broken before confirming: no notice may reach them yet
    async with httpx.AsyncClient(base_url=served.base, headers=served.auth, timeout=30) as api:
        await wait_for("the incident", lambda: _open_incidents(api))
        await asyncio.sleep(3)
        assert len(mails_to(smtp, sam)) == 1  # double opt-in: only "please confirm"
        billing.working = True
        await wait_for("the recovery", lambda: _none_open(api))

        await confirm(served.base, please_confirm)
        await confirm(served.base, mails_to(smtp, kim)[0])
        billing.working = False
        await wait_for("the incident notices", lambda: len(mails_to(smtp, sam)) == 2
                       and len(mails_to(smtp, kim)) == 2)  # fmt: skip
        incident = mails_to(smtp, sam)[1]
        assert "billing system" in incident["Subject"].lower(), incident["Subject"]
        assert incident["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        leave = re.search(r"<(http[^>]+)>", incident["List-Unsubscribe"])
        assert leave, incident["List-Unsubscribe"]

        # RFC 8058: a mail client leaves for the reader with one POST, no page in between.
        left = await api.post(leave.group(1), content=b"List-Unsubscribe=One-Click",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert left.status_code == 200

        billing.working = True
        await wait_for("kim's resolved notice", lambda: len(mails_to(smtp, kim)) == 3)
        await asyncio.sleep(3)  # sam's would have been sent alongside
        assert len(mails_to(smtp, sam)) == 2
        assert "working" in text_of(mails_to(smtp, kim)[2]).lower()

        audiences = (await api.get("/api/v1/audiences")).json()
        names = {audience["name"]: audience for audience in audiences}
        members = [member["email"] for member in names["subscribers.en.billing"]["members"]]
        assert members == [kim]
        metrics = (await api.get("/metrics")).text
    for event, expected in (("requested", 2), ("confirmed", 2), ("unsubscribed", 1)):
        assert f'closewatch_notice_subscriptions_total{{event="{event}"}} {expected}.0' in metrics


async def _open_incidents(api: httpx.AsyncClient) -> list[object]:
    answer = await api.get("/api/v1/incidents", params={"status": "open"})
    return list(answer.json())


async def _none_open(api: httpx.AsyncClient) -> bool:
    return not await _open_incidents(api)
