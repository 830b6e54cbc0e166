"""A real ``closewatch serve --demo`` and a real Chromium (Debian's, never downloaded).

Outside CI the browser tests skip when /usr/bin/chromium is missing; under CI
(``CI`` set) they fail, as ``tests/tools.py`` does for other tools. Every browser
test leaves a full-page screenshot in ``test-artifacts/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.served import closewatch_serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Server:
    base: str
    token: str
    data_dir: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Subscriptions may fetch from this machine: the tests' calendar host listens on loopback.
    local = {"CLOSEWATCH_SUBSCRIPTION_NETWORKS": "127.0.0.0/8"}
    with closewatch_serve(tmp_path_factory.mktemp("ui-data"), local) as served:
        yield Server(served.base, served.token, served.data_dir)


@pytest.fixture
def browser() -> Iterator[object]:
    """Per test: sync Playwright runs an event loop while open, which async tests cannot share."""
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must provide it", pytrace=False)
        pytest.skip(reason)
    if os.environ.get("CI"):
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
