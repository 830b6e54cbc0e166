"""Browser sessions are rows: signing out and revoking a token end them at once.

Also the token list and revocation (API and CLI), and the limit on sign-in attempts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from monitor.api import create_app
from monitor.api.signin_limit import FAILURES, WINDOW
from monitor.db.engine import session_scope
from monitor.db.models import ApiToken, BrowserSession
from monitor.roles import Role
from monitor.settings import Settings
from tests.conftest import NOW, PinnedClock, make_token
from tests.monitor.test_cli import run


@pytest.fixture
async def pages(
    engine: Engine, settings: Settings, clock: PinnedClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, clock=clock, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://closewatch.test") as client:
        yield client


def _secret(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def _sign_in(client: httpx.AsyncClient, secret: str) -> httpx.Response:
    form = await client.get("/signin")
    return await client.post("/signin", data={"csrf": _csrf(form.text), "token": secret})


async def _signed_in(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """Sign in; the session cookie's value."""
    answer = await _sign_in(client, _secret(headers))
    assert answer.status_code == 303, answer.text
    return client.cookies["closewatch_session"]


def _token_name(engine: Engine, headers: dict[str, str]) -> str:
    digest = hashlib.sha256(_secret(headers).encode()).hexdigest()
    with session_scope(engine) as session:
        return session.execute(
            select(ApiToken.name).where(ApiToken.token_hash == digest)
        ).scalar_one()


async def _dashboard_with(client: httpx.AsyncClient, cookie: str) -> httpx.Response:
    """The dashboard for a browser holding ``cookie`` (a Cookie header wins over the jar)."""
    return await client.get("/dashboard", headers={"Cookie": f"closewatch_session={cookie}"})


async def test_the_cookie_holds_a_random_id_and_the_table_only_its_hash(
    pages: httpx.AsyncClient, engine: Engine, viewer: dict[str, str]
) -> None:
    cookie = await _signed_in(pages, viewer)

    with session_scope(engine) as session:
        (row,) = session.execute(select(BrowserSession)).scalars().all()
    assert len(cookie) >= 40 and _secret(viewer) not in cookie
    assert row.id_hash == hashlib.sha256(cookie.encode()).hexdigest()
    assert row.expires_at == NOW + timedelta(hours=12)


async def test_sign_out_ends_the_session_even_for_a_copy_of_the_cookie(
    pages: httpx.AsyncClient, engine: Engine, viewer: dict[str, str]
) -> None:
    cookie = await _signed_in(pages, viewer)
    csrf = _csrf((await pages.get("/dashboard")).text)

    out = await pages.post("/signout", data={"csrf": csrf})
    pages.cookies.clear()
    replayed = await _dashboard_with(pages, cookie)

    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/signin")
    with session_scope(engine) as session:
        assert session.execute(select(BrowserSession)).first() is None


async def test_a_session_ends_twelve_hours_after_signing_in(
    pages: httpx.AsyncClient, viewer: dict[str, str], clock: PinnedClock
) -> None:
    cookie = await _signed_in(pages, viewer)

    clock.now = NOW + timedelta(hours=11, minutes=59)
    still = await _dashboard_with(pages, cookie)
    clock.now = NOW + timedelta(hours=12)
    ended = await _dashboard_with(pages, cookie)

    assert still.status_code == 200
    assert ended.status_code == 303


async def test_a_csrf_token_of_another_session_is_refused(
    pages: httpx.AsyncClient, engine: Engine, viewer: dict[str, str]
) -> None:
    first = await _signed_in(pages, viewer)
    first_csrf = _csrf((await _dashboard_with(pages, first)).text)
    pages.cookies.clear()
    second = await _signed_in(pages, viewer)

    refused = await pages.post(
        "/signout", data={"csrf": first_csrf}, headers={"Cookie": f"closewatch_session={second}"}
    )

    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert (await _dashboard_with(pages, second)).status_code == 200


async def test_revoking_a_token_signs_out_its_browsers_and_refuses_its_bearer(
    pages: httpx.AsyncClient, engine: Engine, editor: dict[str, str]
) -> None:
    admin = make_token(engine, Role.ADMIN)
    cookie = await _signed_in(pages, editor)
    name = _token_name(engine, editor)
    assert (await _dashboard_with(pages, cookie)).status_code == 200

    revoked = await pages.delete(f"/api/v1/tokens/{name}", headers=admin)
    again = await pages.delete(f"/api/v1/tokens/{name}", headers=admin)

    assert revoked.status_code == 204
    assert again.status_code == 404 and again.json()["detail"] == f"no token named {name!r}"
    assert (await _dashboard_with(pages, cookie)).status_code == 303
    assert (await pages.get("/api/v1/calendars", headers=editor)).status_code == 401
    with session_scope(engine) as session:
        assert session.execute(select(BrowserSession)).first() is None


async def test_admins_list_tokens_without_secrets_or_hashes(
    pages: httpx.AsyncClient, engine: Engine, editor: dict[str, str], viewer: dict[str, str]
) -> None:
    admin = make_token(engine, Role.ADMIN)
    await _signed_in(pages, editor)

    listed = await pages.get("/api/v1/tokens", headers=admin)
    by_editor = await pages.get("/api/v1/tokens", headers=editor)
    revoke_by_editor = await pages.delete(
        f"/api/v1/tokens/{_token_name(engine, viewer)}", headers=editor
    )

    assert listed.status_code == 200
    rows = {row["name"]: row for row in listed.json()}
    assert rows[_token_name(engine, editor)] == {
        "name": _token_name(engine, editor),
        "role": "editor",
        "created_at": "2026-11-25T09:00:00Z",
        "sessions": 1,
    }
    assert rows[_token_name(engine, viewer)]["sessions"] == 0
    for secret in (_secret(editor), _secret(viewer), _secret(admin)):
        assert secret not in listed.text
        assert hashlib.sha256(secret.encode()).hexdigest() not in listed.text
    assert by_editor.status_code == 403 and revoke_by_editor.status_code == 403


async def test_sign_in_is_refused_for_a_while_after_many_wrong_tokens(
    pages: httpx.AsyncClient, viewer: dict[str, str], clock: PinnedClock
) -> None:
    for attempt in range(FAILURES):
        clock.now = NOW + timedelta(seconds=attempt)
        assert (await _sign_in(pages, f"cw_wrong{attempt}")).status_code == 401

    clock.now = NOW + timedelta(minutes=1)
    blocked = await _sign_in(pages, _secret(viewer))  # even the right token waits
    clock.now = NOW + WINDOW + timedelta(seconds=1)
    allowed = await _sign_in(pages, _secret(viewer))

    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == str(
        int((WINDOW - timedelta(minutes=1)).total_seconds())
    )
    # 09:00 UTC + 15 minutes is 10:15 in Berlin, the settings' zone.
    assert "Try again at 10:15 (Europe/Berlin), in 14 minutes." in blocked.text
    assert "closewatch_session" not in blocked.headers.get("set-cookie", "")
    assert allowed.status_code == 303


async def test_wrong_tokens_from_one_address_do_not_block_a_right_one_below_the_limit(
    pages: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    for attempt in range(FAILURES - 1):
        assert (await _sign_in(pages, f"cw_wrong{attempt}")).status_code == 401

    assert (await _sign_in(pages, _secret(viewer))).status_code == 303


@pytest.mark.wallclock
def test_token_list_and_revoke_on_the_command_line(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    env["CLOSEWATCH_DATA_DIR"] = str(tmp_path / "data")
    secret = run("token", "create", "--role", "editor", "--name", "alice", env=env, check=True)
    run("token", "create", "--role", "admin", "--name", "root", env=env, check=True)

    listed = run("token", "list", env=env, check=True)
    revoked = run("token", "revoke", "alice", env=env, check=True)
    after = run("token", "list", env=env, check=True)
    unknown = run("token", "revoke", "alice", env=env)

    lines = listed.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["alice", "editor"], ["root", "admin"]]
    assert "0 signed-in browsers" in lines[0]
    assert secret.stdout.strip() not in listed.stdout
    assert revoked.stdout.strip() == "revoked 'alice'; its browser sessions are ended"
    assert [line.split()[0] for line in after.stdout.splitlines()] == ["root"]
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "closewatch: error: no token named 'alice' (closewatch token list shows them)"
    )
