"""The environments notice templates render in, and the parts they render to.

Defaults are trusted and render in a plain Jinja environment (see
:class:`notifiers.render.NoticeRenderer`); overrides render here, in
:class:`~notifiers.sandbox.BoundedSandbox` (Jinja's immutable sandbox, with a budget of
time and size for every render). Both share :data:`OPTIONS` and
:data:`~notifiers.filters.FILTERS`. The sandbox loads through :class:`LayoutLoader`,
which reaches the shipped layouts and no other file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes

from notifiers.filters import FILTERS
from notifiers.paths import templates_dir
from notifiers.sandbox import BoundedSandbox, budget, render_within_budget

PARTS = ("subject", "text", "html")
FILES = {"subject": "subject.txt", "text": "text.txt", "html": "html.html"}
LAYOUTS = frozenset({"layout.html"})  # the shipped files an override may extend


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


OPTIONS: dict[str, Any] = {
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
_SANDBOX_TEXT = BoundedSandbox(autoescape=False, filters=FILTERS, loader=_LAYOUTS, **OPTIONS)
_SANDBOX_HTML = BoundedSandbox(autoescape=True, filters=FILTERS, loader=_LAYOUTS, **OPTIONS)


@functools.cache
def layout_names() -> frozenset[str]:
    """Names the layouts set (their styles) or define (their macros), which a template
    extending one may use."""
    names: set[str] = set()
    for layout in LAYOUTS:
        try:
            tree = _SANDBOX_HTML.parse(_LAYOUTS.get_source(_SANDBOX_HTML, layout)[0])
        except jinja2.TemplateNotFound:
            continue
        names |= {node.name for node in tree.find_all(nodes.Name) if node.ctx == "store"}
        names |= {node.name for node in tree.find_all(nodes.Macro)}
    return frozenset(names)


def sandbox_for(part: str) -> BoundedSandbox:
    return _SANDBOX_HTML if part == "html" else _SANDBOX_TEXT


@functools.lru_cache(maxsize=256)
def _compiled_override(part: str, source: str) -> jinja2.Template:
    return sandbox_for(part).from_string(source)


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
    return finished(subject, text, html)


def finished(subject: str, text: str, html: str) -> RenderedNotice:
    return RenderedNotice(
        subject=" ".join(subject.split()), text=_tidy_text(text), html=html.strip() + "\n"
    )


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
