"""Audiences managed from pages: the list, a form to add one, and a form to edit one.

The form holds what people change most: the zone, the language, the IT contact, and the
members, one a line (``name, email`` and optionally ``, chat URL``), to which a CSV export
of a directory (Outlook, Entra ID, Google Workspace; see :mod:`monitor.directory_csv`) adds
people. The rest of an audience (channels, quiet hours, heads-up days, concerns) keeps what
it was, and is changed through the API. The rules are the API's
(:class:`~monitor.site.AudienceSpec`), each problem shown at its field; audiences from the
site file are shown read-only, saying so.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from monitor.api.pages.plumbing import gate, message_page, posted_with, render_page, see
from monitor.api.session import UiSession
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Audience
from monitor.directory_csv import DirectoryError, read_directory
from monitor.roles import Role
from monitor.site import AudienceSpec
from monitor.store.audiences import save_audience
from monitor.store.systems import API, SITE
from monitor.subscribers.audiences import SUBSCRIBER_MANAGED, SUBSCRIBERS

router = APIRouter(include_in_schema=False)

FIELDS = (
    "name",
    "timezone",
    "language",
    "contact_name",
    "contact_email",
    "contact_phone",
    "members",
    "directory",
)
MAX_DIRECTORY_BYTES = 2 * 1024 * 1024


@router.get("/audiences", response_class=HTMLResponse)
def audiences_page(request: Request) -> Response:
    who = gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    return _list(request, who, values={"timezone": _site_zone(request), "language": "en"})


@router.post("/audiences", response_class=HTMLResponse)
async def create_form(request: Request) -> Response:
    return await _save_form(request, None)


@router.get("/audiences/{name}/edit", response_class=HTMLResponse)
def edit_page(name: str, request: Request) -> Response:
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    with session_scope(state_of(request).engine) as session:
        audience = _find(session, name)
        if audience is None:
            return _missing(request, who, name)
        values, site = _values_of(audience.spec), audience.managed_by == SITE
        signup = audience.managed_by == SUBSCRIBERS
    return render_page(request, "audience_edit", who, values=values, errors={}, site=site,
                       signup=signup)  # fmt: skip


@router.post("/audiences/{name}/edit", response_class=HTMLResponse)
async def edit_form(name: str, request: Request) -> Response:
    return await _save_form(request, name)


async def _save_form(request: Request, name: str | None) -> Response:
    """Add the audience the form describes (``name`` None) or change the one named: one path."""
    posted = await posted_with(request, Role.EDITOR, _form)
    if isinstance(posted, Response):
        return posted
    who, form, directory = posted
    values = {field: str(form.get(field, "")) for field in FIELDS}
    state = state_of(request)
    try:
        with session_scope(state.engine) as session:
            audience = _find(session, name) if name is not None else None
            if name is not None:
                refused = _read_only(request, who, name, audience)
                if refused is not None:
                    return refused
                values["name"] = name
            base = dict(audience.spec) if audience is not None else {}
            spec, errors, values = _spec(values, directory, base=base)
            if spec is not None and audience is None and _find(session, spec.name) is not None:
                errors["name"] = _exists(spec.name)
            elif spec is not None and not errors:
                if audience is None:
                    audience = Audience(name=spec.name, timezone=spec.timezone)
                save_audience(session, audience, spec, managed_by=API, now=state.clock())
    except IntegrityError:  # created meanwhile by another request
        if name is not None or spec is None:
            raise
        errors["name"] = _exists(spec.name)
    if spec is None or errors:
        if name is None:
            return _list(request, who, values=values, errors=errors, status=422)
        return render_page(
            request, "audience_edit", who, status=422, values=values, errors=errors, site=False
        )
    state.changed()
    return see(f"/audiences?saved={spec.name if name is None else name}")


def _read_only(
    request: Request, who: UiSession, name: str, audience: Audience | None
) -> HTMLResponse | None:
    """The refusal to change ``name`` here: missing, or managed elsewhere; None when it may."""
    if audience is None:
        return _missing(request, who, name)
    if audience.managed_by == SITE:
        return message_page(request, who, 409, "Managed by the site file",
                            f"“{name}” comes from the site file; change it there.")  # fmt: skip
    if audience.managed_by == SUBSCRIBERS:
        return message_page(request, who, 409, "Made of people who asked for notices",
                            f"“{name}” is {SUBSCRIBER_MANAGED}.")  # fmt: skip
    return None


def _list(
    request: Request,
    who: UiSession,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with session_scope(state_of(request).engine) as session:
        rows = [{"name": a.name, "timezone": a.timezone, "language": a.language, "contact": a.contact_name,
                 "members": len(a.spec.get("members", ())), "site": a.managed_by == SITE,
                 "signup": a.managed_by == SUBSCRIBERS}
                for a in session.execute(select(Audience).order_by(col(Audience.name))).scalars()]  # fmt: skip
    saved = request.query_params.get("saved", "")
    return render_page(request, "audiences", who, status=status, rows=rows, values=values,
                       errors=errors or {}, saved=saved)  # fmt: skip


def _spec(
    values: dict[str, str], directory: str | DirectoryError | None, *, base: dict[str, Any]
) -> tuple[AudienceSpec | None, dict[str, str], dict[str, str]]:
    """The audience the form describes over ``base`` (its stored spec), or the problems at
    their fields; and the values to show again (with the directory's people added)."""
    errors: dict[str, str] = {}
    members = _members(values["members"], errors)
    if isinstance(directory, DirectoryError):
        errors["directory"] = f"{directory}."
    elif directory is not None:
        try:
            known = {m.get("email", "").lower() for m in members}
            added = [
                {"name": p.name, "email": p.email}
                for p in read_directory(directory)
                if p.email.lower() not in known
            ]
            members += added
            values = values | {"members": _members_text(members)}
        except DirectoryError as exc:
            errors["directory"] = f"{exc}."
    contact = {"name": values["contact_name"].strip(), "email": values["contact_email"].strip(),
               "phone": values["contact_phone"].strip()}  # fmt: skip
    data = base | {"name": values["name"].strip(), "timezone": values["timezone"].strip(),
                   "language": values["language"].strip() or "en", "members": members,
                   "contact": (base.get("contact") or {}) | contact}  # fmt: skip
    try:
        spec = AudienceSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key, message = _field_of(error["loc"], data), error["msg"].removeprefix("Value error, ")
            loc = error["loc"]
            if loc[:1] == ("members",) and len(loc) > 1 and isinstance(loc[1], int):
                who = members[loc[1]].get("name") or members[loc[1]].get("email") or ""
                detail = f" {loc[2]}" if len(loc) > 2 else ""
                message = f"member {loc[1] + 1} ({who}){detail}: {message}"
            errors[key] = f"{errors[key]}; {message}" if key in errors else message
        return None, errors, values
    return (None if errors else spec), errors, values


def _field_of(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    parts = [str(part) for part in loc]
    if parts[:1] == ["contact"]:
        return (
            f"contact_{parts[1]}"
            if len(parts) > 1 and f"contact_{parts[1]}" in FIELDS
            else "contact_name"
        )
    if parts[:1] == ["members"]:
        return "members"
    return parts[0] if parts and parts[0] in FIELDS else "name"


def _members(text: str, errors: dict[str, str]) -> list[dict[str, str]]:
    """``name, email[, chat]`` a line; quotes allow a comma in a name (``"Schmidt, Anna", ...``)."""
    members = []
    for number, row in enumerate(csv.reader(io.StringIO(text), skipinitialspace=True), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) > 3:
            errors.setdefault(
                "members", f"line {number}: write name, email and optionally a chat URL"
            )
            continue
        name, email, chat = [*cells, "", ""][:3]
        members.append(
            {
                key: value
                for key, value in (("name", name), ("email", email), ("chat", chat))
                if value
            }
        )
    return members


def _members_text(members: list[dict[str, str]]) -> str:
    """The members one a line, ``name, email[, chat]``, quoting what holds a comma or a quote."""

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"') else text

    return "".join(
        ", ".join(
            cell(m.get(key, ""))
            for key in ("name", "email", "chat")
            if key != "chat" or m.get("chat")
        )
        + "\n"
        for m in members
    )


def _values_of(spec: dict[str, Any]) -> dict[str, str]:
    contact = spec.get("contact") or {}
    return {"name": spec.get("name", ""), "timezone": spec.get("timezone", ""), "language": spec.get("language", "en"),
            "contact_name": contact.get("name", ""), "contact_email": contact.get("email", ""),
            "contact_phone": contact.get("phone", ""), "members": _members_text(list(spec.get("members", ())))}  # fmt: skip


async def _form(request: Request) -> tuple[FormData, str | DirectoryError | None]:
    """The text fields, and the directory file's text (or why not) when one was chosen."""
    try:
        async with request.form(max_files=1, max_fields=len(FIELDS) + 2) as form:
            fields = FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
            upload = form.get("directory")
            data = (
                await upload.read(MAX_DIRECTORY_BYTES + 1)
                if isinstance(upload, UploadFile)
                else b""
            )
    except MultiPartException:
        return FormData(), None
    if not data:
        return fields, None
    if len(data) > MAX_DIRECTORY_BYTES:
        return fields, DirectoryError(
            f"the file is over {MAX_DIRECTORY_BYTES // 1024 // 1024} MiB; split it"
        )
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return fields, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return fields, data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows


def _find(session: Any, name: str) -> Audience | None:
    found: Audience | None = session.execute(
        select(Audience).where(col(Audience.name) == name)
    ).scalar_one_or_none()
    return found


def _site_zone(request: Request) -> str:
    state = state_of(request)
    return state.site.spec.timezone or state.settings.timezone


def _exists(name: str) -> str:
    return f"An audience named “{name}” exists already: edit it instead."


def _missing(request: Request, who: UiSession, name: str) -> HTMLResponse:
    return message_page(
        request, who, 404, "No such audience", f"There is no audience named “{name}”."
    )
