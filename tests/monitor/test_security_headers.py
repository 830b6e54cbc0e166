"""Every answer carries nosniff, a referrer policy and no framing; pages a strict CSP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from monitor.api.headers import DATA_POLICY, DOCS_POLICY, PAGE_POLICY

PAGES = Path(__file__).resolve().parents[2] / "templates" / "pages"


@pytest.mark.parametrize("path", ["/signin", "/status", "/report"])
async def test_pages_get_the_strict_policy_and_the_other_headers(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-security-policy"] == PAGE_POLICY
    assert "frame-ancestors 'none'" in PAGE_POLICY and "script-src 'self';" in PAGE_POLICY
    assert "'unsafe-inline'" not in PAGE_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


async def test_api_answers_errors_included_allow_nothing(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    for response in (
        await client.get("/api/v1/calendars", headers=viewer),
        await client.get("/api/v1/calendars"),  # 401
        await client.get("/healthz"),
    ):
        assert response.headers["content-security-policy"] == DATA_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_api_reference_keeps_its_script_but_cannot_be_framed(
    client: httpx.AsyncClient,
) -> None:
    docs = await client.get("/docs")

    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == DOCS_POLICY


async def test_a_too_large_body_gets_the_headers_too(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/calendars", content=b"x", headers={"Content-Length": str(10**9)}
    )

    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "template", sorted(PAGES.rglob("*.html")), ids=lambda path: str(path.relative_to(PAGES))
)
def test_page_templates_have_no_inline_script_style_or_handlers(template: Path) -> None:
    text = template.read_text()

    # The one script a page may load is closewatch's own file, with nothing inline.
    without_own = re.sub(r'<script src="/static/[a-z-]+\.js" defer></script>', "", text)
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", without_own, re.I)
