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
- ``occurrence``: ``start``, ``end`` (``end`` exclusive), ``started`` (whether the
  notice is written after the occurrence began: it then speaks of the present)
- ``systems``: list of ``{name, plain_name}``, ``plain_name`` in the reader's language
- ``status`` (daily_status: so far during the occurrence; wrap_up: all of it):
  ``checks_run``, ``checks_failed``, ``availability_percent`` (or None),
  ``problems``: list of ``{system (plain name), what, started, fixed (None while
  open), minutes_to_fix (None while open)}``
- ``incident`` (incident, update, resolved): ``title``, ``what_happened`` (for
  an update: the latest news), ``affected`` (the work it holds up),
  ``handler`` ``{name}``; ``affected`` is the work of the periods behind the incident
  ("closing the month", "den Monatsabschluss") or, with none, "your work with" the system, ``next_update``, ``summary`` (resolved: what was
  wrong, one sentence), ``what_you_can_do`` (may be empty)
- ``links``: ``feedback_sorted``, ``feedback_problem``, ``feedback_rating``,
  ``unsubscribe``, ``report_problem``, ``status_page`` (empty when not offered)

Several planned notices due to one reader at one moment go out as one message,
rendered by :meth:`NoticeRenderer.render_merged` from the shipped ``<lang>/merged/``
triplet (no overrides): its context has ``reader``, ``audience``, ``contact``, the
shared ``links`` (``report_problem``, ``status_page``, ``unsubscribe``), and
``notices``, a list of ``{kind, name, period, occurrence, systems, status, links}``:
each part as its own notice would see it, ``name`` saying which period it is
("month-end closing", or its title when two parts share a category).

Filters (``date``, ``time``, ``until``, ``plain_list``, ...) are in :mod:`notifiers.filters`;
the sandbox and its loader in :mod:`notifiers.environments`; validation of uploads
in :mod:`notifiers.validation`, with the sample context of :mod:`notifiers.samples`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from notifiers.categories import CATEGORY_LABELS, with_category_label
from notifiers.environments import (
    FILES,
    OPTIONS,
    PARTS,
    RenderedNotice,
    TemplateSet,
    finished,
    render_override,
)
from notifiers.filters import FILTERS, FORMAT_LANGUAGE
from notifiers.kinds import KINDS
from notifiers.languages import FALLBACK_LANGUAGE, template_language
from notifiers.samples import SAMPLE_CONTEXT, sample_context
from notifiers.validation import validate_override

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

_SAFE_SEGMENT = re.compile(r"^[a-z0-9_]+$")
MERGED = "merged"  # the folder of the message that carries several planned notices

# (audience, category, kind, lang); None means "any".
OverrideKey = tuple[str | None, str | None, str, str]


class TemplateMissing(LookupError):
    """No override and no default template for a kind, in any language tried."""


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
            **OPTIONS,
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
        ctx = with_category_label(context, lang)
        occurrence = ctx.get("occurrence")
        if isinstance(occurrence, Mapping) and "started" not in occurrence:
            ctx["occurrence"] = {**occurrence, "started": False}  # contexts made before it existed
        if rendered_in != template_language(lang):  # no templates in the reader's language
            ctx[FORMAT_LANGUAGE] = rendered_in
        if isinstance(found, TemplateSet):
            return self.render_override(found, ctx)
        subject, text, html = (
            self._env.get_template(f"{found}/{FILES[part]}").render(ctx) for part in PARTS
        )
        return finished(subject, text, html)

    def has_override(
        self, kind: str, *, lang: str, category: str | None = None, audience: str | None = None
    ) -> bool:
        """Whether an uploaded template, not a shipped one, renders ``kind`` for this reader."""
        if not self._overrides:
            return False
        found, _language = self._find(kind, template_language(lang), category, audience)
        return isinstance(found, TemplateSet)

    def render_merged(self, context: Mapping[str, Any], *, lang: str) -> RenderedNotice:
        """Several planned notices for one reader at one moment, as one message."""
        language = template_language(lang)
        if not (self._defaults_dir / language / MERGED / FILES["subject"]).is_file():
            language = FALLBACK_LANGUAGE
        ctx = dict(context)
        if language != template_language(lang):
            ctx[FORMAT_LANGUAGE] = language
        subject, text, html = (
            self._env.get_template(f"{language}/{MERGED}/{FILES[part]}").render(ctx)
            for part in PARTS
        )
        return finished(subject, text, html)

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
                if (self._defaults_dir / folder / FILES["subject"]).is_file():
                    return folder, language
        raise TemplateMissing(
            f"no {kind} template for language {lang!r} or {FALLBACK_LANGUAGE!r} "
            f"in {self._defaults_dir} or the overrides"
        )
