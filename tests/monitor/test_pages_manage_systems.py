"""Systems added and edited from pages: the API's rules, each problem at its field, and
site-file systems read-only."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine, select

from monitor.db.engine import session_scope
from monitor.db.models import Check, System
from tests.monitor.test_pages_watching import signed_in

CHECKS = '- {name: web, kind: http, url: "https://billing.example/health"}\n- {name: db, kind: tcp, host: db.example, port: 5432}\n'


def stored_checks(engine: Engine, system: str) -> dict[str, dict[str, object]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(Check).join(System, System.id == Check.system_id).where(System.name == system)
        ).scalars()
        return {check.name: check.spec for check in rows}


async def test_a_system_added_from_the_page_is_watched_with_its_checks(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    csrf = await signed_in(client, editor)

    added = await client.post("/systems", data={"csrf": csrf, "name": "billing", "plain_name": "the invoicing system",
                                                "owner_team": "ERP", "checks": CHECKS})  # fmt: skip

    assert added.status_code == 303 and added.headers["location"] == "/systems/billing?saved=1"
    assert stored_checks(engine, "billing")["db"]["port"] == 5432
    page = (await client.get("/systems/billing?saved=1")).text
    assert "Saved." in page and 'href="/systems/billing/edit"' in page
    listing = (await client.get("/systems")).text
    assert "The invoicing system" in listing and "db, web" in listing
    api = (await client.get("/api/v1/systems/billing", headers=editor)).json()
    assert [c["name"] for c in api["checks"]] == ["db", "web"]


async def test_problems_are_shown_at_their_field_and_nothing_is_saved(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    csrf = await signed_in(client, editor)
    bad_checks = '- {name: web, kind: http, url: "ftp://billing.example"}\n- {name: db, kind: tcp, host: db.example, prot: 5432}\n'

    answer = await client.post("/systems", data={"csrf": csrf, "name": "Billing System", "plain_name": "",
                                                 "checks": bad_checks})  # fmt: skip
    broken = await client.post("/systems", data={"csrf": csrf, "name": "billing", "plain_name": "x",
                                                 "checks": "- {name: web, kind: http"})  # fmt: skip

    assert answer.status_code == 422
    assert (
        'id="sys-name"' in answer.text
        and 'id="sys-name-error">&#39;Billing System&#39; is not a technical name' in answer.text
    )
    assert 'id="sys-plain_name-error">String should have at least 1 character</p>' in answer.text
    assert (
        'id="sys-checks-error">check 1, url: must be an http:// or https:// URL with a host'
        in answer.text
    )
    assert "; check 2, prot: Extra inputs are not permitted" in answer.text  # every problem
    assert 'value="Billing System"' in answer.text  # what was typed stays
    assert (
        broken.status_code == 422
        and 'id="sys-checks-error">line 1: not valid YAML or JSON' in broken.text
    )
    with session_scope(engine) as session:
        assert session.execute(select(System)).first() is None


async def test_editing_replaces_the_checks_and_site_systems_stay_read_only(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], engine: Engine
) -> None:
    csrf = await signed_in(client, editor)
    await client.post("/systems", data={"csrf": csrf, "name": "billing", "plain_name": "the invoicing system",
                                        "checks": CHECKS})  # fmt: skip
    with session_scope(engine) as session:
        session.add(System(name="sap-fi", plain_name="the finance system", managed_by="site"))

    form = (await client.get("/systems/billing/edit")).text
    edited = await client.post("/systems/billing/edit", data={"csrf": csrf, "plain_name": "the billing system",
                                                              "checks": "- {name: web, kind: http, url: 'https://b.example/'}"})  # fmt: skip
    site_form = (await client.get("/systems/sap-fi/edit")).text
    site_post = await client.post(
        "/systems/sap-fi/edit", data={"csrf": csrf, "plain_name": "renamed"}
    )

    # One line a check, without its defaults.
    assert "- {name: db, kind: tcp, host: db.example, port: 5432}" in form
    assert edited.status_code == 303
    assert stored_checks(engine, "billing") == {"web": stored_checks(engine, "billing")["web"]}
    assert "read-only here" in site_form and 'action="/systems/sap-fi/edit"' not in site_form
    assert site_post.status_code == 409
    client.cookies.clear()
    await signed_in(client, viewer)
    assert (await client.get("/systems/billing/edit")).status_code == 403
    assert "Add a system" not in (await client.get("/systems")).text
