"""Validating an uploaded template set, so a broken one is refused when it is uploaded.

Each part is compiled in the sandbox, checked for names the context does not have, and
rendered with a full and a sparse sample context.
"""

from __future__ import annotations

import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError

from notifiers.environments import LAYOUTS, PARTS, TemplateSet, layout_names, sandbox_for
from notifiers.kinds import KINDS
from notifiers.samples import sample_context
from notifiers.sandbox import RenderLimit, budget, render_within_budget


def validate_override(template_set: TemplateSet, *, kind: str | None = None) -> list[str]:
    """Every problem in an uploaded template set, as "part: line N: what"; empty if fine.

    Each part is compiled in the sandbox, checked for names the context does not
    have, and rendered with a full and a sparse sample context (for ``kind``
    when given, so a heads-up that uses ``incident`` is refused).
    """
    if kind is not None and kind not in KINDS:
        return [f"unknown notice kind {kind!r}; expected one of {', '.join(KINDS)}"]
    samples = [sample_context(kind), sample_context(kind, sparse=True)]
    known = set(samples[0]) | layout_names()
    errors: list[str] = []
    for part in PARTS:
        env = sandbox_for(part)
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
