"""Template overrides: uploaded per kind, language, audience and category.

An uploaded template is compiled and test-rendered in the sandbox before it is
stored, and the running notice service renders with it from then on.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Query, Response

from calendars import Category
from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.problems import Problem, invalid_field
from monitor.api.renderers import reload_renderer
from monitor.api.routes_audiences import no_audience
from monitor.api.schemas_notices import (
    TemplateIn,
    TemplateOut,
)
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.notices.overrides import check_override
from monitor.store.audiences import find_audience
from monitor.store.templates import (
    delete_override,
    list_overrides,
    save_override,
)
from notifiers.languages import known_language, template_language
from notifiers.render import KINDS, OverrideKey, TemplateSet

router = APIRouter(prefix="/api/v1")

_ERROR = re.compile(r"^(?P<part>subject|text|html): line (?P<line>\d+|\?): (?P<message>.*)$", re.S)
_CATEGORIES = tuple(category.value for category in Category)


@router.get(
    "/templates",
    response_model=list[TemplateOut],
    tags=["templates"],
    summary="List uploaded template overrides",
)
def get_templates(app: App, _token: Viewer) -> list[TemplateOut]:
    with session_scope(app.engine) as session:
        return [TemplateOut.of(row) for row in list_overrides(session)]


@router.put(
    "/templates/{kind}/{lang}",
    response_model=TemplateOut,
    tags=["templates"],
    summary="Upload a template override; 201 when new, 200 when it replaced one",
    responses={201: {"description": "A new override"}, **problems(404)},
)
def put_template(
    kind: str,
    lang: str,
    body: TemplateIn,
    response: Response,
    app: App,
    _token: Editor,
    audience: str | None = Query(None, description="Only for this audience; default every one."),
    category: str | None = Query(None, description="Only for this category; default every one."),
) -> TemplateOut:
    key = _template_key(kind, lang, audience, category)
    templates = TemplateSet(subject=body.subject, text=body.text, html=body.html)
    errors = check_override(app.settings, templates, kind=kind)
    if errors:
        raise _invalid_template(errors)
    with session_scope(app.engine) as session:
        if audience is not None and find_audience(session, audience) is None:
            raise no_audience(audience)
        row, created = save_override(session, key, templates, now=app.clock())
        saved = TemplateOut.of(row)
    response.status_code = 201 if created else 200
    reload_renderer(app)
    return saved


@router.delete(
    "/templates/{kind}/{lang}",
    status_code=204,
    tags=["templates"],
    summary="Delete a template override",
    responses=problems(404),
)
def remove_template(
    kind: str,
    lang: str,
    app: App,
    _token: Editor,
    audience: str | None = Query(None),
    category: str | None = Query(None),
) -> Response:
    key = _template_key(kind, lang, audience, category)
    with session_scope(app.engine) as session:
        if not delete_override(session, key):
            raise Problem(404, f"no {_describe(key)} override")
    reload_renderer(app)
    return Response(status_code=204)


def _template_key(kind: str, lang: str, audience: str | None, category: str | None) -> OverrideKey:
    if kind not in KINDS:
        raise invalid_field(
            "kind", f"unknown notice kind {kind!r}; expected one of {', '.join(KINDS)}"
        )
    if not known_language(lang) or template_language(lang) != lang:  # templates are per language
        raise invalid_field("lang", f"unknown language {lang!r}: templates are per language, a code Babel knows such as en, de or fr")  # fmt: skip
    if category is not None and category not in _CATEGORIES:
        raise invalid_field(
            "category", f"unknown category {category!r}; expected one of {', '.join(_CATEGORIES)}"
        )
    return (audience or None, category or None, kind, lang)


def _invalid_template(errors: list[str]) -> Problem:
    listed = []
    for error in errors:
        found = _ERROR.match(error)
        part, line = (found["part"], found["line"]) if found else (None, "?")
        listed.append(
            {
                "field": f"body.{part}" if part else "body",
                "part": part,
                "line": int(line) if line.isdigit() else None,
                "message": found["message"] if found else error,
            }
        )
    return Problem(422, "; ".join(errors), title="Invalid template", errors=listed)


def _describe(key: OverrideKey) -> str:
    audience, category, kind, lang = key
    return f"{kind}/{lang} (audience {audience or 'any'}, category {category or 'any'})"
