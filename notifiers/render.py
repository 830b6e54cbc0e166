"""Turning a notice's context into its subject, text and HTML parts.

Templates are triplets (``subject.txt``, ``text.txt``, ``html.html``) under
``templates/notices/<lang>/<kind>/``, optionally specialised per period
category in ``templates/notices/<lang>/<kind>/<category>/``. Users may upload
overrides for an audience, a category, both, or neither.

Lookup for ``render(kind, ctx, lang=, category=, audience=)``, first match wins,
first in the reader's language and then, if nothing matched, in ``en``:

1. override ``(audience, category)``
2. override ``(audience, None)``
3. override ``(None, category)``
4. override ``(None, None)`` (any override beats any shipped default)
5. default ``<lang>/<kind>/<category>/``
6. default ``<lang>/<kind>/``

Defaults are trusted and render in a plain Jinja environment; overrides render
in :class:`~notifiers.sandbox.BoundedSandbox` (Jinja's immutable sandbox, with a
budget of time and size for every render), through :meth:`NoticeRenderer.render_override`,
which a service may send to another process. The HTML defaults extend one shared
frame, ``layout.html``; overrides may extend it too, through a read-only loader
that reaches the shipped layouts and no other file. Both use
``StrictUndefined`` (a misspelt name fails instead of printing nothing; in the
sandbox this also makes a refused attribute raise ``SecurityError`` where
``ChainableUndefined`` would print an empty string and hide the attempt),
autoescape for the HTML part only, and ``trim_blocks``/``lstrip_blocks``.
:func:`validate_override` compiles and test-renders an upload so a broken one
is refused when it is uploaded, not when a notice is due.

The context (plain dicts, lists, strings and aware UTC datetimes):

- ``reader``: ``name``, ``language`` ("en", "de", "de-CH"), ``timezone`` (IANA)
- ``audience``: ``name``
- ``contact``: the IT person who signs: ``name``, ``email``, ``phone``, ``chat``
  (phone and chat may be empty)
- ``period``: ``title``, ``category``, ``category_label`` (the period in the
  reader's words, filled from :data:`CATEGORY_LABELS` when missing), ``level``
- ``occurrence``: ``start``, ``end`` (``end`` exclusive)
- ``systems``: list of ``{name, plain_name}``
- ``status`` (daily_status: so far during the occurrence; wrap_up: all of it):
  ``checks_run``, ``checks_failed``, ``availability_percent`` (or None),
  ``problems``: list of ``{system (plain name), what, started, fixed (None while
  open), minutes_to_fix (None while open)}``
- ``incident`` (incident, update, resolved): ``title``, ``what_happened`` (for
  an update: the latest news), ``affected`` (the work it holds up),
  ``handler`` ``{name}``, ``next_update``, ``summary`` (resolved: what was
  wrong, one sentence), ``what_you_can_do`` (may be empty)
- ``links``: ``feedback_sorted``, ``feedback_problem``, ``feedback_rating``,
  ``unsubscribe``, ``report_problem``, ``status_page`` (empty when not offered)

Filters, in the reader's zone and language (or in English when the reader's
language has no templates: see :mod:`notifiers.languages`): ``date`` ("Friday, 27 November" /
"Freitag, 27. November"), ``time`` ("14:30"), ``datetime`` (both),
``weekday``, ``until`` (the last day of an exclusive end: an end at local
midnight shows the day before, otherwise the day and the time), ``minutes``
("12 minutes" / "12 Minuten"), ``number`` ("4,320" / "4.320"), ``plain_list``
("A, B and C" / "A, B und C"; takes strings or systems, skips empty items;
``plain_list("or")`` for "A, B or C"), ``capfirst``.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_unit
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError

from notifiers.kinds import KINDS
from notifiers.languages import (
    FALLBACK_LANGUAGE,
    babel_locale,
    template_language,
)
from notifiers.paths import templates_dir
from notifiers.sandbox import BoundedSandbox, RenderLimit, budget, render_within_budget

__all__ = [
    "CATEGORY_LABELS",
    "KINDS",
    "SAMPLE_CONTEXT",
    "NoticeRenderer",
    "OverrideKey",
    "RenderedNotice",
    "TemplateMissing",
    "TemplateSet",
    "render_override",
    "sample_context",
    "validate_override",
]

PARTS = ("subject", "text", "html")
_FILES = {"subject": "subject.txt", "text": "text.txt", "html": "html.html"}
LAYOUTS = frozenset({"layout.html"})  # the shipped files an override may extend
_SAFE_SEGMENT = re.compile(r"^[a-z0-9_]+$")

# Plain noun phrases: "Month-end closing starts on ...", "ist bei Ihnen Inventur".
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "month_end_close": "month-end closing",
        "quarter_end": "quarter-end closing",
        "year_end": "year-end closing",
        "inventory_count": "inventory counting",
        "payroll": "the payroll run",
        "audit": "the audit",
        "go_live": "the switch to the new system",
        "custom": "the busy period",
    },
    "de": {
        "month_end_close": "Monatsabschluss",
        "quarter_end": "Quartalsabschluss",
        "year_end": "Jahresabschluss",
        "inventory_count": "Inventur",
        "payroll": "Lohnabrechnung",
        "audit": "Audit",
        "go_live": "Systemumstellung",
        "custom": "Hochbetrieb",
    },
}

# (audience, category, kind, lang); None means "any".
OverrideKey = tuple[str | None, str | None, str, str]


@dataclass(frozen=True, slots=True)
class TemplateSet:
    """Template sources for one notice: subject, text part, HTML part."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    subject: str
    text: str
    html: str


class TemplateMissing(LookupError):
    """No override and no default template for a kind, in any language tried."""


# --- filters -------------------------------------------------------------------------------

_DATE_PATTERNS = {"en": "EEEE, d MMMM", "de": "EEEE, d. MMMM"}
# Set by render when the reader's language has no templates: the filters then format in
# the language the templates are written in (see notifiers.languages).
FORMAT_LANGUAGE = "_format_language"


def _reader(ctx: jinja2.runtime.Context) -> tuple[ZoneInfo, str]:
    reader = ctx.get("reader") or {}
    language = ctx.get(FORMAT_LANGUAGE) or reader.get("language") or FALLBACK_LANGUAGE
    return ZoneInfo(reader.get("timezone") or "UTC"), language


def _local(ctx: jinja2.runtime.Context, value: datetime) -> tuple[datetime, str]:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: times in a context must be aware")
    zone, language = _reader(ctx)
    return value.astimezone(zone), language


def _format_day(day: date, language: str) -> str:
    pattern = _DATE_PATTERNS.get(template_language(language))
    if pattern is None:
        return format_skeleton("MMMMEEEEd", day, locale=babel_locale(language))
    return format_date(day, pattern, locale=babel_locale(language))


@jinja2.pass_context
def _date_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local, language = _local(ctx, value)
    return _format_day(local.date(), language)


@jinja2.pass_context
def _time_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local, language = _local(ctx, value)
    return format_time(local, "HH:mm", locale=babel_locale(language))


@jinja2.pass_context
def _datetime_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    return f"{_date_filter(ctx, value)}, {_time_filter(ctx, value)}"


@jinja2.pass_context
def _weekday_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local, language = _local(ctx, value)
    return format_date(local.date(), "EEEE", locale=babel_locale(language))


@jinja2.pass_context
def _until_filter(ctx: jinja2.runtime.Context, end: datetime) -> str:
    local, language = _local(ctx, end)
    if local.time() == datetime.min.time():
        return _format_day(local.date() - timedelta(days=1), language)
    return _datetime_filter(ctx, end)


@jinja2.pass_context
def _minutes_filter(ctx: jinja2.runtime.Context, value: int) -> str:
    _, language = _reader(ctx)
    return format_unit(value, "duration-minute", length="long", locale=babel_locale(language))


@jinja2.pass_context
def _number_filter(ctx: jinja2.runtime.Context, value: float) -> str:
    _, language = _reader(ctx)
    return format_decimal(value, locale=babel_locale(language))


@jinja2.pass_context
def _plain_list_filter(
    ctx: jinja2.runtime.Context, items: Iterable[Any], style: str = "standard"
) -> str:
    _, language = _reader(ctx)
    names = [
        str(item.get("plain_name") or item.get("name") or "")
        if isinstance(item, Mapping)
        else str(item)
        for item in items
    ]
    names = [name for name in names if name]
    if not names:
        return ""
    return format_list(
        names, style="or" if style == "or" else "standard", locale=babel_locale(language)
    )


def _capfirst(value: str) -> str:
    value = str(value)
    return value[:1].upper() + value[1:]


FILTERS: dict[str, Callable[..., Any]] = {
    "date": _date_filter,
    "time": _time_filter,
    "datetime": _datetime_filter,
    "weekday": _weekday_filter,
    "until": _until_filter,
    "minutes": _minutes_filter,
    "number": _number_filter,
    "plain_list": _plain_list_filter,
    "capfirst": _capfirst,
}

# --- environments --------------------------------------------------------------------------

_OPTIONS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
}


class LayoutLoader(jinja2.BaseLoader):
    """Read-only access to the shipped layouts, and to nothing else.

    The sandbox loads templates through it, so an override can say
    ``{% extends "layout.html" %}`` but never include or extend another file."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if template not in LAYOUTS:
            raise jinja2.TemplateNotFound(template)
        path = self.directory / template
        try:
            source, mtime = path.read_text(encoding="utf-8"), path.stat().st_mtime
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        return source, str(path), lambda: path.is_file() and path.stat().st_mtime == mtime


_LAYOUTS = LayoutLoader(templates_dir() / "notices")
_SANDBOX_TEXT = BoundedSandbox(autoescape=False, filters=FILTERS, loader=_LAYOUTS, **_OPTIONS)
_SANDBOX_HTML = BoundedSandbox(autoescape=True, filters=FILTERS, loader=_LAYOUTS, **_OPTIONS)


@functools.cache
def _layout_names() -> frozenset[str]:
    """Names the layouts set (their styles), which a template extending one may use."""
    names: set[str] = set()
    for layout in LAYOUTS:
        try:
            tree = _SANDBOX_HTML.parse(_LAYOUTS.get_source(_SANDBOX_HTML, layout)[0])
        except jinja2.TemplateNotFound:
            continue
        names |= {node.name for node in tree.find_all(nodes.Name) if node.ctx == "store"}
    return frozenset(names)


def _sandbox_for(part: str) -> BoundedSandbox:
    return _SANDBOX_HTML if part == "html" else _SANDBOX_TEXT


@functools.lru_cache(maxsize=256)
def _compiled_override(part: str, source: str) -> jinja2.Template:
    return _sandbox_for(part).from_string(source)


def render_override(templates: TemplateSet, context: Mapping[str, Any]) -> RenderedNotice:
    """An uploaded template set rendered in the sandbox, under one budget for the notice.

    ``context`` is as :meth:`NoticeRenderer.render` passes it (category label
    filled in). RenderLimit past the budget, SecurityError if it reaches too far.
    """
    ctx = dict(context)
    with budget():
        subject, text, html = (
            render_within_budget(_compiled_override(part, getattr(templates, part)), ctx)
            for part in PARTS
        )
    return _finished(subject, text, html)


def _finished(subject: str, text: str, html: str) -> RenderedNotice:
    return RenderedNotice(
        subject=" ".join(subject.split()), text=_tidy_text(text), html=html.strip() + "\n"
    )


# --- the renderer --------------------------------------------------------------------------


class NoticeRenderer:
    """Renders notices from the shipped defaults and the users' overrides."""

    def __init__(
        self, defaults_dir: Path, overrides: Mapping[OverrideKey, TemplateSet] | None = None
    ) -> None:
        self._defaults_dir = Path(defaults_dir)
        self._overrides = dict(overrides or {})
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self._defaults_dir),
            autoescape=jinja2.select_autoescape(("html",), default_for_string=False),
            **_OPTIONS,
        )
        self._env.filters.update(FILTERS)

    @property
    def has_overrides(self) -> bool:
        return bool(self._overrides)

    def render(
        self,
        kind: str,
        context: Mapping[str, Any],
        *,
        lang: str,
        category: str | None = None,
        audience: str | None = None,
    ) -> RenderedNotice:
        """Render ``kind`` for one reader; SecurityError if an override reaches too far."""
        found, rendered_in = self._find(kind, template_language(lang), category, audience)
        ctx = _with_category_label(context, lang)
        if rendered_in != template_language(lang):  # no templates in the reader's language
            ctx[FORMAT_LANGUAGE] = rendered_in
        if isinstance(found, TemplateSet):
            return self.render_override(found, ctx)
        subject, text, html = (
            self._env.get_template(f"{found}/{_FILES[part]}").render(ctx) for part in PARTS
        )
        return _finished(subject, text, html)

    def render_override(self, templates: TemplateSet, context: dict[str, Any]) -> RenderedNotice:
        """An uploaded template set, rendered here; a service may render it elsewhere."""
        return render_override(templates, context)

    def _find(
        self, kind: str, lang: str, category: str | None, audience: str | None
    ) -> tuple[TemplateSet | str, str]:
        """The override that applies, or the folder of the shipped default; and the
        language it is written in."""
        if kind not in KINDS:
            raise ValueError(f"unknown notice kind {kind!r}; expected one of {', '.join(KINDS)}")
        languages = dict.fromkeys((lang, FALLBACK_LANGUAGE))
        for language in languages:
            for who, what in (
                (audience, category),
                (audience, None),
                (None, category),
                (None, None),
            ):
                key: OverrideKey = (who, what, kind, language)
                if key in self._overrides:
                    return self._overrides[key], language
            if not _SAFE_SEGMENT.match(language):
                continue
            folders = [f"{language}/{kind}"]
            if category and _SAFE_SEGMENT.match(category):
                folders.insert(0, f"{language}/{kind}/{category}")
            for folder in folders:
                if (self._defaults_dir / folder / _FILES["subject"]).is_file():
                    return folder, language
        raise TemplateMissing(
            f"no {kind} template for language {lang!r} or {FALLBACK_LANGUAGE!r} "
            f"in {self._defaults_dir} or the overrides"
        )


def _with_category_label(context: Mapping[str, Any], lang: str) -> dict[str, Any]:
    ctx = dict(context)
    period = ctx.get("period")
    if isinstance(period, Mapping) and not period.get("category_label"):
        labels = CATEGORY_LABELS.get(template_language(lang), CATEGORY_LABELS[FALLBACK_LANGUAGE])
        category = period.get("category") or "custom"
        ctx["period"] = {**period, "category_label": labels.get(category, labels["custom"])}
    return ctx


def _tidy_text(text: str) -> str:
    """Trailing spaces off, runs of blank lines down to one, no blank lines at either end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


# --- validating uploads --------------------------------------------------------------------

_PROBLEM_AT = datetime(2026, 11, 27, 9, 5, tzinfo=UTC)

SAMPLE_CONTEXT: dict[str, Any] = {
    "reader": {"name": "Anna Schmidt", "language": "en", "timezone": "Europe/Berlin"},
    "audience": {"name": "Accounts payable"},
    "contact": {
        "name": "Dana Weber",
        "email": "dana.weber@example.com",
        "phone": "+49 30 1234 5678",
        "chat": "@dana.weber",
    },
    "period": {
        "title": "November closing",
        "category": "month_end_close",
        "category_label": "month-end closing",
        "level": "high",
    },
    # All-day 27-30 November in Berlin: [27 Nov 00:00, 1 Dec 00:00) local.
    "occurrence": {
        "start": datetime(2026, 11, 26, 23, 0, tzinfo=UTC),
        "end": datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
    },
    "systems": [
        {"name": "sap-fi", "plain_name": "the invoicing system"},
        {"name": "bank-gw", "plain_name": "online banking for payments"},
        {"name": "fs-finance", "plain_name": "the finance shared drive"},
    ],
    "status": {
        "checks_run": 4320,
        "checks_failed": 6,
        "availability_percent": 99.8,
        "problems": [
            {
                "system": "the invoicing system",
                "what": "invoices could not be saved",
                "started": _PROBLEM_AT,
                "fixed": _PROBLEM_AT + timedelta(minutes=12),
                "minutes_to_fix": 12,
            }
        ],
    },
    "incident": {
        "title": "The invoicing system is not responding",
        "what_happened": "The invoicing system stops responding when you save an invoice.",
        "affected": "creating and sending invoices",
        "handler": {"name": "Jonas Berg"},
        "next_update": datetime(2026, 11, 27, 13, 30, tzinfo=UTC),
        "summary": "A full disk stopped the invoicing system from saving invoices; "
        "we have made room and it now warns us long before it fills up.",
        "what_you_can_do": "Invoices you already saved are safe; keep new ones as drafts for now.",
    },
    "links": {
        "feedback_sorted": "https://closewatch.example.com/f/7Qx2?answer=sorted",
        "feedback_problem": "https://closewatch.example.com/f/7Qx2?answer=problem",
        "feedback_rating": "https://closewatch.example.com/f/7Qx2/rate",
        "unsubscribe": "https://closewatch.example.com/u/7Qx2",
        "report_problem": "https://closewatch.example.com/report/ap",
        "status_page": "https://closewatch.example.com/status/ap",
    },
}

_KIND_EXTRAS = {
    "heads_up": (),
    "daily_status": ("status",),
    "wrap_up": ("status",),
    "incident": ("incident",),
    "update": ("incident",),
    "resolved": ("incident",),
}


# The same sample in German words, so German overrides are tried on German text.
_SAMPLE_DE: dict[str, Any] = {
    "systems": ["das Rechnungssystem", "das Online-Banking für Zahlungen", "das Finanzlaufwerk"],
    "problem": {"system": "das Rechnungssystem", "what": "Rechnungen ließen sich nicht speichern"},
    "incident": {
        "title": "Das Rechnungssystem reagiert nicht",
        "what_happened": "Das Rechnungssystem reagiert nicht, wenn Sie eine Rechnung speichern.",
        "affected": "Rechnungen anlegen und versenden",
        "summary": "Eine volle Festplatte hat das Speichern von Rechnungen verhindert; "
        "wir haben Platz geschaffen, und das System warnt uns jetzt rechtzeitig.",
        "what_you_can_do": "Gespeicherte Rechnungen sind sicher; legen Sie neue bitte vorerst "
        "als Entwurf an.",
    },
    "resolved_what_you_can_do": "Sie können wieder Rechnungen anlegen und versenden; bitte "
    "prüfen Sie die, die Sie heute Nachmittag gespeichert haben.",
}
_RESOLVED_WHAT_YOU_CAN_DO = (
    "You can create and send invoices again; please check any you saved this afternoon."
)


def sample_context(
    kind: str | None = None, *, language: str = "en", sparse: bool = False
) -> dict[str, Any]:
    """A fresh copy of :data:`SAMPLE_CONTEXT`, with only what ``kind`` receives.

    ``language`` "de" gives German labels and texts. ``sparse`` empties what may be
    empty: the links, the contact's phone and chat, the reader's name, the
    problems, what the reader can do.
    """
    ctx = copy.deepcopy(SAMPLE_CONTEXT)
    lang = template_language(language)
    ctx["reader"]["language"] = language
    labels = CATEGORY_LABELS.get(lang, CATEGORY_LABELS[FALLBACK_LANGUAGE])
    ctx["period"]["category_label"] = labels[ctx["period"]["category"]]
    ctx["incident"]["what_you_can_do"] = (
        _RESOLVED_WHAT_YOU_CAN_DO if kind == "resolved" else (ctx["incident"]["what_you_can_do"])
    )
    if lang == "de":
        for system, plain_name in zip(ctx["systems"], _SAMPLE_DE["systems"], strict=True):
            system["plain_name"] = plain_name
        ctx["status"]["problems"][0].update(_SAMPLE_DE["problem"])
        ctx["incident"].update(_SAMPLE_DE["incident"])
        if kind == "resolved":
            ctx["incident"]["what_you_can_do"] = _SAMPLE_DE["resolved_what_you_can_do"]
    if kind is not None:
        for extra in ("status", "incident"):
            if extra not in _KIND_EXTRAS[kind]:
                del ctx[extra]
    if sparse:
        ctx["links"] = dict.fromkeys(ctx["links"], "")
        ctx["contact"].update(phone="", chat="")
        ctx["reader"]["name"] = ""
        if "status" in ctx:
            ctx["status"].update(problems=[], checks_failed=0, availability_percent=None)
        if "incident" in ctx:
            ctx["incident"]["what_you_can_do"] = ""
    return ctx


def validate_override(template_set: TemplateSet, *, kind: str | None = None) -> list[str]:
    """Every problem in an uploaded template set, as "part: line N: what"; empty if fine.

    Each part is compiled in the sandbox, checked for names the context does not
    have, and rendered with a full and a sparse sample context (for ``kind``
    when given, so a heads-up that uses ``incident`` is refused).
    """
    if kind is not None and kind not in KINDS:
        return [f"unknown notice kind {kind!r}; expected one of {', '.join(KINDS)}"]
    samples = [sample_context(kind), sample_context(kind, sparse=True)]
    known = set(samples[0]) | _layout_names()
    errors: list[str] = []
    for part in PARTS:
        env = _sandbox_for(part)
        source = getattr(template_set, part)
        try:
            template = env.from_string(source)
            unknown = meta.find_undeclared_variables(env.parse(source)) - known
        except jinja2.TemplateSyntaxError as exc:
            errors.append(f"{part}: line {exc.lineno}: {exc.message}")
            continue
        for name in sorted(unknown, key=lambda n: (_first_line_of(env, source, n), n)):
            line = _first_line_of(env, source, name)
            errors.append(f"{part}: line {line}: unknown name {name!r}")
        if unknown:
            continue
        for sample in samples:
            try:
                with budget():
                    render_within_budget(template, sample)
            except RenderLimit as exc:  # one spent budget is enough to know
                errors.append(f"{part}: line {_template_line(exc)}: {exc}")
                break
            except SecurityError as exc:
                errors.append(f"{part}: line {_template_line(exc)}: not allowed: {exc}")
            except jinja2.TemplateNotFound as exc:
                shipped = ", ".join(sorted(LAYOUTS))
                errors.append(f"{part}: line {_template_line(exc)}: {exc.name!r} cannot be used; "
                              f"a template may extend only {shipped}")  # fmt: skip
            except Exception as exc:  # anything a template can raise is a reason to refuse it
                errors.append(f"{part}: line {_template_line(exc)}: {exc}")
    return list(dict.fromkeys(errors))


def _first_line_of(env: jinja2.Environment, source: str, name: str) -> int:
    for lineno, token, value in env.lex(source):
        if token == "name" and value == name:
            return lineno
    return 1


def _template_line(exc: BaseException) -> int | str:
    """The template line Jinja put into the traceback, or "?"."""
    line: int | str = "?"
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
