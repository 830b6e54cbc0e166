"""Systems managed from pages: the list, a form to add one, and a form to edit one.

A system's checks are written as in the site file (a YAML list, one check a line or a
block), so every kind and option the site file knows works here too, and a problem is
shown at its field with the check and key it concerns. Systems from the site file are
shown read-only, saying so; they change in the site file. The rules are the API's
(:class:`~monitor.site.SystemSpec`), and so are the names: a system is created once.
"""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from calendars.yamldoc import DocumentError, load_document
from monitor.api.pages.plumbing import gate, message_page, posted_form, render_page, see
from monitor.api.session import UiSession
from monitor.api.state import state_of
from monitor.checks.specs import HttpCheck, TcpCheck, TlsCheck
from monitor.db.engine import session_scope
from monitor.db.models import System
from monitor.roles import Role
from monitor.site import SystemSpec
from monitor.store.systems import API, SITE, checks_of, find_system, save_system

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = ("name", "plain_name", "owner_team", "description", "checks")
KIND_MODELS: dict[str, type[HttpCheck | TcpCheck | TlsCheck]] = {
    "http": HttpCheck,
    "tcp": TcpCheck,
    "tls": TlsCheck,
}
CHECKS_HINT = '- {name: web, kind: http, url: "https://sap.example.com/health"}'


@router.get("/systems", response_class=HTMLResponse)
def systems_page(request: Request) -> Response:
    who = gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    return _list(request, who)


@router.post("/systems", response_class=HTMLResponse)
async def create_form(request: Request) -> Response:
    return await _save_form(request, None)


@router.get("/systems/{name}/edit", response_class=HTMLResponse)
def edit_page(name: str, request: Request) -> Response:
    who = gate(request, Role.EDITOR)
    if isinstance(who, Response):
        return who
    with session_scope(state_of(request).engine) as session:
        system = find_system(session, name)
        if system is None:
            return _missing(request, who, name)
        values = _values_of(session, system)
        managed_by = system.managed_by
    return render_page(request, "system_edit", who, values=values, errors={}, site=managed_by == SITE,
                       hint=CHECKS_HINT)  # fmt: skip


@router.post("/systems/{name}/edit", response_class=HTMLResponse)
async def edit_form(name: str, request: Request) -> Response:
    return await _save_form(request, name)


async def _save_form(request: Request, name: str | None) -> Response:
    """Add the system the form describes (``name`` None) or change the one named: one path."""
    posted = await posted_form(request, Role.EDITOR, max_fields=8)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    values = {field: str(form.get(field, "")) for field in TEXT_FIELDS}
    if name is not None:
        values["name"] = name
    spec, errors = _spec(values)
    state = state_of(request)
    try:
        with session_scope(state.engine) as session:
            system = find_system(session, name) if name is not None else None
            if name is not None and system is None:
                return _missing(request, who, name)
            if system is not None and system.managed_by == SITE:
                return message_page(request, who, 409, "Managed by the site file",
                                    f"“{name}” comes from the site file; change it there.")  # fmt: skip
            if spec is not None and system is None and find_system(session, spec.name) is not None:
                errors["name"] = _exists(spec.name)
            elif spec is not None:
                if system is None:
                    system = System(name=spec.name, plain_name=spec.plain_name)
                save_system(session, system, spec, managed_by=API, now=state.clock())
    except IntegrityError:  # created meanwhile by another request
        if name is not None or spec is None:
            raise
        errors["name"] = _exists(spec.name)
    if spec is None or errors:
        if name is None:
            return _list(request, who, values=values, errors=errors, status=422)
        return render_page(request, "system_edit", who, status=422, values=values, errors=errors, site=False,
                           hint=CHECKS_HINT)  # fmt: skip
    state.changed()
    return see(f"/systems/{spec.name if name is None else name}?saved=1")


def _list(
    request: Request,
    who: UiSession,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with session_scope(state_of(request).engine) as session:
        systems = list(session.execute(select(System).order_by(col(System.name))).scalars())
        checks = checks_of(session, [s.id or 0 for s in systems])
        rows = [{"name": s.name, "plain_name": s.plain_name, "owner_team": s.owner_team,
                 "site": s.managed_by == SITE, "checks": [c.name for c in checks.get(s.id or 0, [])]}
                for s in systems]  # fmt: skip
    return render_page(request, "systems", who, status=status, rows=rows, values=values or {},
                       errors=errors or {}, hint=CHECKS_HINT)  # fmt: skip


def _values_of(session: Any, system: System) -> dict[str, str]:
    checks = checks_of(session, [system.id or 0]).get(system.id or 0, [])
    return {"name": system.name, "plain_name": system.plain_name, "owner_team": system.owner_team,
            "description": system.description, "checks": "".join(_check_line(c.kind, c.spec) for c in checks)}  # fmt: skip


def _check_line(kind: str, spec: dict[str, Any]) -> str:
    """One check as one line of the site file, leaving out what is at its default."""
    model = KIND_MODELS.get(kind)
    fields = model.model_fields if model else {}
    shown = {"name": spec.get("name"), "kind": kind}
    for key, value in spec.items():
        field = fields.get(key)
        if key in shown or (
            field is not None and _same(value, field.get_default(call_default_factory=True))
        ):
            continue
        shown[key] = value
    text = yaml.safe_dump(
        shown, sort_keys=False, default_flow_style=True, width=10_000, allow_unicode=True
    )
    return f"- {text.strip()}\n"


def _same(value: Any, default: Any) -> bool:
    if isinstance(default, tuple):
        return bool(list(default) == value)
    return bool(value == default) or (value in ({}, [], None) and default in ({}, [], (), None))


def _spec(values: dict[str, str]) -> tuple[SystemSpec | None, dict[str, str]]:
    """The system the form describes, or the problems, each under the field it concerns."""
    checks: Any = []
    if values["checks"].strip():
        try:
            checks = load_document(values["checks"]).data
        except DocumentError as exc:
            where = f"line {exc.line}: " if exc.line else ""
            return None, {"checks": f"{where}{exc}"}
        if not isinstance(checks, list):
            return None, {"checks": "Write the checks as a list: each one starts with “- ”."}
    data = {key: values[key].strip() for key in ("name", "plain_name", "owner_team", "description")}
    try:
        return SystemSpec.model_validate(data | {"checks": checks}), {}
    except ValidationError as exc:
        return None, _field_errors(exc)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        field = loc[0] if loc else "name"
        message = error["msg"].removeprefix("Value error, ")
        if field == "checks" and len(loc) > 1:
            # "check 2 (kind http), url: ..." rather than pydantic's union path.
            where = f"check {int(loc[1]) + 1}" if loc[1].isdigit() else "checks"
            keys = [part for part in loc[2:] if part not in ("http", "tcp", "tls")]
            message = f"{where}{', ' + '.'.join(keys) if keys else ''}: {message}"
        key = field if field in TEXT_FIELDS else "name"
        errors[key] = f"{errors[key]}; {message}" if key in errors else message
    return errors


def _exists(name: str) -> str:
    return f"A system named “{name}” exists already: edit it instead."


def _missing(request: Request, who: UiSession, name: str) -> HTMLResponse:
    return message_page(
        request, who, 404, "No such system", f"closewatch watches no system named “{name}”."
    )
