"""Audiences added and edited from pages, members also from a directory export; each
problem at its field; site-file audiences read-only."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from monitor.db.engine import session_scope
from monitor.db.models import Audience
from monitor.store.audiences import find_audience
from tests.monitor.test_pages_watching import signed_in

FORM = {"name": "finance", "timezone": "Europe/Berlin", "language": "de", "contact_name": "Dana Weber",
        "contact_email": "dana.weber@example.com", "contact_phone": "",
        "members": "Anna Schmidt, anna@example.com\n\"Braun, Ben\", ben@example.com\n"}  # fmt: skip
EXPORT = b"First Name;Last Name;E-mail Address\nCem;Yilmaz;cem@example.com\nAnna;Schmidt;ANNA@example.com\n"


async def test_an_audience_added_with_members_from_a_directory_export(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    csrf = await signed_in(client, editor)

    added = await client.post("/audiences", data={"csrf": csrf, **FORM},
                              files={"directory": ("users.csv", EXPORT, "text/csv")})  # fmt: skip

    assert added.status_code == 303 and added.headers["location"] == "/audiences?saved=finance"
    with session_scope(engine) as session:
        spec = find_audience(session, "finance")
    assert spec is not None and spec.language == "de" and spec.contact.name == "Dana Weber"
    # Anna is in the box and in the file: listed once.
    assert [(m.name, m.email) for m in spec.members] == [
        ("Anna Schmidt", "anna@example.com"), ("Braun, Ben", "ben@example.com"), ("Cem Yilmaz", "cem@example.com")]  # fmt: skip
    listing = (await client.get("/audiences?saved=finance")).text
    assert "Saved “finance”" in listing and 'href="/audiences/finance/edit"' in listing
    api = (await client.get("/api/v1/audiences/finance", headers=editor)).json()
    assert len(api["members"]) == 3


async def test_problems_are_shown_at_their_field_and_nothing_is_saved(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    csrf = await signed_in(client, editor)
    bad = FORM | {"timezone": "Europe/Munich", "contact_email": "dana at example", "language": "zz",
                  "members": "Anna Schmidt, anna@example.com\nBen Braun, ben@\n"}  # fmt: skip

    answer = await client.post("/audiences", data={"csrf": csrf, **bad},
                               files={"directory": ("users.csv", b"Name,E-mail\nEva,\n", "text/csv")})  # fmt: skip

    assert answer.status_code == 422
    text = answer.text
    assert 'id="aud-timezone-error">unknown time zone &#39;Europe/Munich&#39;</p>' in text
    assert 'id="aud-language-error">unknown language &#39;zz&#39;' in text
    assert 'id="aud-contact_email-error">' in text and "is not an email address" in text
    assert 'id="aud-members-error">member 2 (Ben Braun) email:' in text
    assert 'id="aud-directory-error">line 2: &#39;Eva&#39; has no address.</p>' in text
    with session_scope(engine) as session:
        assert session.get(Audience, 1) is None


async def test_editing_keeps_other_settings_and_site_audiences_stay_read_only(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    csrf = await signed_in(client, editor)
    created = {"name": "finance", "timezone": "Europe/Berlin", "channels": ["file"], "daily_status": True,
               "contact": {"name": "Dana Weber", "email": "dana@example.com"},
               "members": [{"name": "Anna", "email": "anna@example.com"}]}  # fmt: skip
    assert (await client.post("/api/v1/audiences", headers=editor, json=created)).status_code == 201
    with session_scope(engine) as session:
        session.add(Audience(name="site-people", timezone="UTC", managed_by="site",
                             spec={"name": "site-people", "timezone": "UTC", "contact": {"name": "Ops"}}))  # fmt: skip

    form = (await client.get("/audiences/finance/edit")).text
    edited = await client.post(
        "/audiences/finance/edit", data={"csrf": csrf, **FORM, "members": "Eva, eva@example.com"}
    )
    site_form = (await client.get("/audiences/site-people/edit")).text
    site_post = await client.post("/audiences/site-people/edit", data={"csrf": csrf, **FORM})

    assert "Anna, anna@example.com" in form
    assert edited.status_code == 303
    with session_scope(engine) as session:
        spec = find_audience(session, "finance")
    assert spec is not None and [m.name for m in spec.members] == ["Eva"]
    assert spec.channels == ("file",) and spec.daily_status  # what the form does not show stays
    assert "read-only here" in site_form and 'action="/audiences/site-people/edit"' not in site_form
    assert site_post.status_code == 409
