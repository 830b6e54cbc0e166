"""The watching pages in Debian's Chromium against a real ``serve --demo`` whose demo target
fails at once: the checks on the dashboard, a system's page, the incident on /incidents, an
update and the resolution posted from the page and arriving as .eml files, the numbers
refreshing under the strict policy, axe-core finding nothing serious, and every page at
1280 and 375 pixels (screenshots in test-artifacts/pages-*.png)."""

from __future__ import annotations

import email
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import httpx
import pytest

from tests.served import closewatch_serve
from tests.ui.conftest import ARTIFACTS, Server

PAGES = ("/dashboard", "/systems/sap-fi", "/incidents", "/systems", "/systems/sap-fi/edit", "/audiences",
         "/audiences/finance/edit", "/calendars", "/notices/preview", "/signin", "/status", "/report")  # fmt: skip
INCIDENT_SECONDS = 120  # the outage starts at once; two failed checks 5 to 20 s apart open it


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with closewatch_serve(
        tmp_path_factory.mktemp("ui-demo"), outage_in="1s", outage_for="60m"
    ) as served:
        server = Server(served.base, served.token, served.data_dir)
        wait_for_incident(server)
        yield server


def wait_for_incident(server: Server) -> int:
    deadline = time.monotonic() + INCIDENT_SECONDS
    with httpx.Client(
        base_url=server.base, headers={"Authorization": f"Bearer {server.token}"}
    ) as api:
        while time.monotonic() < deadline:
            found = api.get("/api/v1/incidents").json()
            if found:
                return int(found[0]["id"])
            time.sleep(1)
    pytest.fail(f"the demo target's outage opened no incident within {INCIDENT_SECONDS} s")


def sign_in(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.base}/signin")
    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.base}/dashboard")


def notices_saying(outbox: Path, words: str, *, seconds: float = 30) -> list[Message]:
    """The .eml files whose text part contains ``words``, waiting for the outbox worker."""
    deadline = time.monotonic() + seconds
    while True:
        found = []
        for path in outbox.glob("**/*.eml"):
            message = email.message_from_bytes(path.read_bytes())
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode(
                        part.get_content_charset() or "utf-8"
                    )  # type: ignore[union-attr]
                    if words in " ".join(text.split()):
                        found.append(message)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_dashboard_shows_the_failing_check_and_refreshes_itself(page, demo: Server) -> None:  # type: ignore[no-untyped-def]
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, demo)

    card = page.locator("ul.systems > li", has_text="finance and invoicing system")
    assert card.locator('[data-live="sap-fi/web/state"]').inner_text() == "down"
    assert "HTTP 503" in card.inner_text()
    strip = card.locator("svg.strip")
    assert "down" in (strip.get_attribute("aria-label") or "")
    assert strip.locator("rect.mark.down").count() >= 2
    assert "Checked every" in card.inner_text()
    # The static script polls the live numbers: the strict policy lets it, and it writes.
    page.locator("main[data-live-updated]").wait_for(state="attached", timeout=20_000)
    assert blocked == []


def test_system_page_from_the_dashboard(page, demo: Server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo)
    page.get_by_role("link", name="The finance and invoicing system", exact=True).click()
    page.wait_for_url(f"{demo.base}/systems/sap-fi")

    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("The finance and invoicing system")
    )
    assert page.locator("svg.latency").count() == 1
    assert "available over the last 24 hours" in page.locator("ul.availability").inner_text()
    assert "HTTP 503" in page.locator("section", has_text="Incidents").inner_text()


def test_no_serious_or_critical_accessibility_violations(browser, demo: Server) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found: dict[str, list[str]] = {}
    for width in (1280, 375):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            sign_in(page, demo)
            for path in PAGES:
                page.goto(f"{demo.base}{path}")
                results = axe.run(page)
                for violation in results.response["violations"]:
                    if violation["impact"] in ("serious", "critical"):
                        targets = [node["target"] for node in violation["nodes"]][:3]
                        found.setdefault(f"{path} at {width}px", []).append(
                            f"{violation['id']} ({violation['impact']}): {targets}"
                        )
                print(f"axe {path} at {width}px: {results.violations_count} violations "
                      f"({', '.join(v['id'] + '/' + str(v['impact']) for v in results.response['violations']) or 'none'})")  # fmt: skip
        finally:
            context.close()
    assert found == {}


def test_every_page_at_1280_and_375_pixels(browser, demo: Server) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    too_wide = {}
    for width in (1280, 375):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            sign_in(page, demo)
            for path in PAGES:
                page.goto(f"{demo.base}{path}")
                name = path.strip("/").replace("/", "-")
                page.screenshot(path=str(ARTIFACTS / f"pages-{name}-{width}.png"), full_page=True)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    too_wide[f"{path} at {width}px"] = scroll
        finally:
            context.close()
    assert too_wide == {}, "pages that scroll sideways"


def test_add_a_system_and_an_audience_from_pages(page, demo: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo)
    page.get_by_role("navigation").get_by_role("link", name="Systems").click()
    page.get_by_label("Technical name").fill("Billing")
    page.get_by_label("Plain name").fill("the billing system")
    page.get_by_label("Checks").fill('- {name: web, kind: http, url: "ftp://billing.example"}')
    page.get_by_role("button", name="Add the system").click()
    assert page.get_by_role("alert").inner_text().startswith("Nothing was saved: 2 problems")
    assert "is not a technical name" in page.locator("#sys-name-error").inner_text()
    assert page.get_by_label("Technical name").get_attribute("aria-invalid") == "true"
    assert "check 1, url:" in page.locator("#sys-checks-error").inner_text()

    page.get_by_label("Technical name").fill("billing")
    page.get_by_label("Checks").fill(f'- {{name: web, kind: http, url: "{demo.base}/healthz"}}')
    page.get_by_role("button", name="Add the system").click()
    page.wait_for_url(f"{demo.base}/systems/billing?saved=1")
    assert page.get_by_role("heading", level=1).inner_text().startswith("The billing system")

    export = tmp_path / "users.csv"
    export.write_text("First Name;Last Name;E-mail Address\nCem;Yilmaz;cem@example.com\n")
    page.get_by_role("navigation").get_by_role("link", name="Audiences").click()
    page.get_by_label("Audience name").fill("warehouse")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.locator("#aud-contact_name").fill("Dana Weber")
    page.locator("#aud-contact_email").fill("dana.weber@example.com")
    page.get_by_label("Add members from a directory export").set_input_files(str(export))
    page.get_by_role("button", name="Add the audience").click()
    assert "Saved “warehouse”" in page.get_by_role("status").inner_text()
    assert page.get_by_role("row", name="warehouse").locator("td.num").inner_text() == "1"


def test_update_then_resolve_from_the_page_reach_the_outbox(page, demo: Server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo)
    page.get_by_role("navigation").get_by_role("link", name="Incidents").click()
    incident = page.locator("article.incident").first
    assert incident.locator(".countdown").inner_text()  # "in 2 min 40 s" or "... overdue"

    update = incident.locator("form", has_text="Post an update")
    update.get_by_label("What is new, for the readers").fill("The DNS server had a deadlock.")
    update.get_by_label("Next update in").fill("45m")
    update.get_by_role("button", name="Check the wording").click()
    findings = page.locator(".notice", has_text="What the tone checker found")
    assert "deadlock" in findings.inner_text() and "DNS" in findings.inner_text()
    assert (
        notices_saying(demo.data_dir / "outbox", "The DNS server had a deadlock.", seconds=2) == []
    )

    words = "Invoices can be entered again; we are checking the last ones by hand."
    update = page.locator("article.incident").first.locator("form", has_text="Post an update")
    update.get_by_label("What is new, for the readers").fill(words)
    update.get_by_role("button", name="Send the update").click()
    assert "Update sent for incident" in page.get_by_role("status").first.inner_text()
    sent = notices_saying(demo.data_dir / "outbox", words)
    assert sent, "the update reached no .eml file in the outbox"

    resolve = page.locator("article.incident").first.locator("form", has_text="Resolve")
    resolve.get_by_label("What was wrong, in one sentence").fill(
        "A full disk stopped the invoicing system."
    )
    resolve.get_by_role("button", name="Send the resolution").click()
    assert "Resolution sent" in page.get_by_role("status").first.inner_text()
    assert notices_saying(demo.data_dir / "outbox", "A full disk stopped the invoicing system.")
    conversation = page.locator("article.incident").first
    conversation.get_by_text("The conversation").click()
    assert "kept: IT posted an update" in conversation.inner_text()
