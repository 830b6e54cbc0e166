""" "Get notices about ..." on a phone: from the status page to confirmed, in Chromium at 375 px.

A real ``closewatch serve --demo`` with a site file that offers subscriptions; without
an SMTP server the confirmation lands as an ``.eml`` file, which the test opens as the
person would. Screenshots of each step go to ``test-artifacts/``.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.served import closewatch_serve
from tests.ui.conftest import ARTIFACTS, Server

PHONE = {"width": 375, "height": 800}
SMALLEST_TARGET = 44  # px: a thumb's reach, as Apple's and Google's guidelines put it
SITE = """
systems:
  - {name: billing, plain_name: the billing system}
  - {name: crm, plain_name: the customer records}
subscribers:
  email_domains: [example.com]
  contact: {name: Dana Weber, email: dana.weber@example.com}
"""


@pytest.fixture(scope="module")
def offering(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("subscribe-ui")
    site = data / "site.yaml"
    site.write_text(SITE)
    with closewatch_serve(data / "data", {"CLOSEWATCH_SITE_FILE": str(site)}) as served:
        yield Server(served.base, served.token, served.data_dir)


def fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at 375px: {width}px"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"subscribe_phone_{name}.png"), full_page=True)


def confirmation_link(outbox: Path, address: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in outbox.glob("**/*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address in str(message["To"]):
                text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                found = re.search(r"(http://\S+/subscribe/confirm/\S+)", text)
                assert found, text
                return found.group(1)
        time.sleep(0.3)
    pytest.fail(f"no confirmation for {address} in {outbox} within 30 s")


def test_asking_for_notices_and_confirming_on_a_phone(browser, offering: Server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []  # anything the page's policy blocked, and any script error
    page.on("console", lambda message: "Content Security Policy" in message.text
            and refused.append(message.text))  # fmt: skip
    page.on("pageerror", lambda error: refused.append(str(error)))
    try:
        page.goto(f"{offering.base}/status")
        page.get_by_role("link", name="Get an email from IT").click()
        page.wait_for_url(f"{offering.base}/subscribe")
        fits_the_phone(page)
        shot(page, "1_form")

        choices = page.locator("label.choice")
        assert choices.count() >= 4  # the systems, and the two languages
        for index in range(choices.count()):
            box = choices.nth(index).bounding_box()
            assert box is not None and box["height"] >= SMALLEST_TARGET, box
        assert page.get_by_label("Deutsch").is_checked()  # from the browser's language

        page.get_by_label("The billing system").check()
        page.get_by_label("Your name").fill("Paula Phone")
        page.get_by_label("Your work email address").fill("paula@elsewhere.org")
        page.get_by_role("button", name="Send me the link to confirm").click()
        alert = page.get_by_role("alert")
        assert "@example.com" in alert.inner_text()
        assert page.get_by_label("The billing system").is_checked()  # nothing typed is lost
        fits_the_phone(page)
        shot(page, "2_wrong_domain")

        page.get_by_label("Your work email address").fill("paula@example.com")
        page.get_by_role("button", name="Send me the link to confirm").click()
        assert page.get_by_role("heading", name="Check your inbox").is_visible()
        fits_the_phone(page)
        shot(page, "3_sent")

        page.goto(confirmation_link(offering.data_dir / "outbox", "paula@example.com"))
        assert page.get_by_role("heading", name="Start your notices?").is_visible()
        assert "The billing system" in page.locator("main").inner_text()
        fits_the_phone(page)
        shot(page, "4_confirm")
        page.get_by_role("button", name="Yes, start my notices").click()
        assert page.get_by_role("heading", name="Your notices start now").is_visible()
        fits_the_phone(page)
        shot(page, "5_started")
        assert refused == []
    finally:
        context.close()
