"""The add and edit forms of the systems and audiences pages, against one real ``closewatch serve``.

In-process tests (test_pages_manage_*) cover each problem at its field; here a browser-like
client signs in to the served instance and posts the forms as a browser does, multipart
file included, and the API of the same instance tells what was stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.served import Served, closewatch_serve

pytestmark = pytest.mark.wallclock  # a served instance, on the real date

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with closewatch_serve(tmp_path_factory.mktemp("served-pages")) as running:
        yield running


@pytest.fixture
def browser(served: Served) -> Iterator[tuple[httpx.Client, str]]:
    """A client signed in with the demo's admin token, and its session's CSRF token."""
    with httpx.Client(base_url=served.base, timeout=60) as client:
        signin = CSRF.search(client.get("/signin").text)
        assert signin
        answer = client.post("/signin", data={"csrf": signin.group(1), "token": served.token})
        assert answer.status_code == 303, answer.text
        found = CSRF.search(client.get("/dashboard").text)
        assert found
        yield client, found.group(1)


def test_a_system_added_then_edited_from_its_page(served: Served, browser: tuple[httpx.Client, str]) -> None:  # fmt: skip
    client, csrf = browser
    api = httpx.Client(base_url=served.base, headers=served.auth, timeout=60)
    first = '- {name: web, kind: http, url: "https://billing.example/health"}\n- {name: db, kind: tcp, host: db.example, port: 5432}\n'  # fmt: skip
    then = f'- {{name: web, kind: http, url: "{served.base}/healthz"}}\n'

    added = client.post("/systems", data={"csrf": csrf, "name": "served-billing",
                                          "plain_name": "the invoicing system", "checks": first})  # fmt: skip
    again = client.post("/systems", data={"csrf": csrf, "name": "served-billing",
                                          "plain_name": "the invoicing system", "checks": first})  # fmt: skip
    unsigned = client.post("/systems/served-billing/edit", data={"plain_name": "not saved"})
    edited = client.post("/systems/served-billing/edit", data={"csrf": csrf, "plain_name": "the billing system",
                                                               "owner_team": "ERP", "checks": then})  # fmt: skip
    broken = client.post("/systems/served-billing/edit", data={"csrf": csrf, "plain_name": "",
                                                               "checks": then})  # fmt: skip
    missing = client.post("/systems/served-nothing/edit", data={"csrf": csrf, "plain_name": "x"})
    stored = api.get("/api/v1/systems/served-billing").json()
    api.close()

    assert (
        added.status_code == 303 and added.headers["location"] == "/systems/served-billing?saved=1"
    )
    assert again.status_code == 422 and "exists already: edit it instead" in again.text
    assert unsigned.status_code == 403
    assert (
        edited.status_code == 303
        and edited.headers["location"] == "/systems/served-billing?saved=1"
    )
    assert broken.status_code == 422 and 'id="sys-plain_name-error"' in broken.text
    assert missing.status_code == 404
    assert stored["plain_name"] == "the billing system" and stored["owner_team"] == "ERP"
    assert [check["name"] for check in stored["checks"]] == ["web"]  # the edit replaced both checks


def test_an_audience_added_then_edited_from_its_page(served: Served, browser: tuple[httpx.Client, str]) -> None:  # fmt: skip
    client, csrf = browser
    api = httpx.Client(base_url=served.base, headers=served.auth, timeout=60)
    form = {"csrf": csrf, "name": "served-finance", "timezone": "Europe/Berlin", "language": "de",
            "contact_name": "Dana Weber", "contact_email": "dana.weber@example.com", "contact_phone": "",
            "members": "Anna Schmidt, anna@example.com\n"}  # fmt: skip
    export = b"First Name;Last Name;E-mail Address\nCem;Yilmaz;cem@example.com\n"

    added = client.post("/audiences", data=form)
    again = client.post("/audiences", data=form)
    # What the form does not show is set through the API and must outlive the edit.
    spec = api.get("/api/v1/audiences/served-finance").json()
    written = {key: spec[key] for key in ("name", "timezone", "language", "contact", "members")}
    kept = api.put("/api/v1/audiences/served-finance", json={**written, "channels": ["file"], "daily_status": True})  # fmt: skip
    unsigned = client.post("/audiences/served-finance/edit", data={**form, "csrf": ""})
    edited = client.post("/audiences/served-finance/edit", data={**form, "members": "Eva, eva@example.com\n"},
                         files={"directory": ("people.csv", export, "text/csv")})  # fmt: skip
    broken = client.post(
        "/audiences/served-finance/edit", data={**form, "timezone": "Mars/Olympus"}
    )
    stored = api.get("/api/v1/audiences/served-finance").json()
    api.close()

    assert (
        added.status_code == 303 and added.headers["location"] == "/audiences?saved=served-finance"
    )
    assert again.status_code == 422 and "exists already: edit it instead" in again.text
    assert kept.status_code == 200, kept.text
    assert unsigned.status_code == 403
    assert edited.status_code == 303, edited.text
    assert broken.status_code == 422 and "Mars/Olympus" in broken.text
    assert [member["name"] for member in stored["members"]] == ["Eva", "Cem Yilmaz"]
    assert stored["channels"] == ["file"] and stored["daily_status"] is True
