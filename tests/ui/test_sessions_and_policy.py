"""In a real Chromium against a real ``serve --demo``: signing out ends the session for good,
and the pages' Content-Security-Policy blocks nothing they use."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import Server
from tests.ui.test_pages import FIXTURE, sign_in

BRAND_BLUE = "rgb(31, 95, 168)"  # --brand in closewatch.css, the header's background
STATE_COLOURS = {"state-normal": "rgb(31, 94, 46)", "state-watched": "rgb(122, 77, 0)",
                 "state-problem": "rgb(138, 28, 28)"}  # fmt: skip


def _watch_console(page) -> list[str]:  # type: ignore[no-untyped-def]
    said: list[str] = []
    page.on("console", lambda message: said.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: said.append(f"pageerror: {error}"))
    return said


def test_signing_out_ends_the_session_even_for_a_copied_cookie(browser, server: Server) -> None:  # type: ignore[no-untyped-def]
    first = browser.new_context()
    page = first.new_page()
    sign_in(page, server)
    (cookie,) = [c for c in first.cookies() if c["name"] == "closewatch_session"]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server.base}/signin")
    other = browser.new_context()
    other.add_cookies([cookie])  # a copy taken before signing out, as a thief would keep it
    replay = other.new_page()
    replay.goto(f"{server.base}/dashboard")

    try:
        assert replay.url.startswith(f"{server.base}/signin")
        assert replay.get_by_role("heading", name="Sign in").is_visible()
        page.goto(f"{server.base}/dashboard")
        assert page.url.startswith(f"{server.base}/signin")
    finally:
        first.close()
        other.close()


def test_the_policy_blocks_nothing_on_the_pages(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    said = _watch_console(page)
    sign_in(page, server)
    header = page.locator("header.site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == BRAND_BLUE

    page.goto(f"{server.base}/calendars")
    page.get_by_label("Calendar file").set_input_files(str(FIXTURE))
    page.get_by_role("button", name="Preview").click()
    assert page.locator("svg.timeline").count() == 1

    page.goto(f"{server.base}/notices/preview?kind=heads_up&audience=finance")
    frame = page.frame_locator("iframe.notice-html")
    body = frame.locator("body")
    body.wait_for()
    # The notice styles itself inline, as email must: its own frame policy lets it.
    assert body.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(243, 244, 246)"
    assert frame.get_by_text("Hello").first.is_visible()

    page.goto(f"{server.base}/status")
    state = page.locator("td[class^=state-]").first
    colour = state.evaluate("e => getComputedStyle(e).color")
    assert colour == STATE_COLOURS[state.get_attribute("class") or ""]
    page.goto(f"{server.base}/report")
    hint = page.locator("span.hint").first
    assert hint.evaluate("e => getComputedStyle(e).display") == "block"

    blocked = [line for line in said if "Content Security Policy" in line or "pageerror" in line]
    assert blocked == []


def test_pages_cannot_be_framed_by_another_site(page, server: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    said = _watch_console(page)
    framing = tmp_path / "framing.html"
    framing.write_text(f'<iframe id="victim" src="{server.base}/signin"></iframe>')

    page.goto(framing.as_uri())
    page.wait_for_timeout(1500)

    frame = page.frame_locator("#victim")
    assert frame.locator("form").count() == 0
    assert any("frame-ancestors" in line or "X-Frame-Options" in line for line in said), said
