"""What an uploaded template may spend: time, text, numbers; refused before it is spent."""

from __future__ import annotations

import time

import pytest

from notifiers.render import SAMPLE_CONTEXT, TemplateSet, render_override, validate_override
from notifiers.sandbox import MAX_CHARS, BoundedSandbox, RenderLimit, budget, render_within_budget

SANDBOX = BoundedSandbox(filters={}, autoescape=False)


def problems_of(text: str) -> list[str]:
    parts = TemplateSet("Heads-up from {{ contact.name }}", text, "<p>{{ contact.name }}</p>")
    return validate_override(parts, kind="heads_up")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ 'x' * 1000000000 }}", "text: line 1: 'x' * 1000000000 makes too large a value"),
        ("{{ 2 ** 100000 }}", "text: line 1: 2 ** 100000 makes too large a value"),
        ("{{ 'x'|center(1000000000) }}", "too large an argument"),
        ("{{ '%1000000000s'|format('x') }}", "a format wider than 200,000 characters"),
        ("{{ '%1000000000s' % 'x' }}", "a format wider than 200,000 characters"),
        ("{{ '{:>1000000000}'.format('x') }}", "a format wider than 200,000 characters"),
        ("{{ ('x' * 100000).replace('', 'yy') }}", "replacing makes over 200,000 characters"),
        ("{{ ('x\n' * 50000)|indent(100) }}", "indenting makes over 200,000 characters"),
        ("{{ range(100000)|join('x' * 100) }}", "joining makes over 200,000 characters"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
            "{% endfor %}",
            "text: line 1: it makes a text or list of 262,144 items, over the limit of 200,000",
        ),
        (
            "{% for i in range(100000) %}{{ contact.name }}{% endfor %}",
            "the output is longer than the limit of 200,000 characters",
        ),
    ],
)
def test_a_template_that_would_make_too_much_is_refused_at_once(text: str, problem: str) -> None:
    started = time.monotonic()

    found = problems_of(text + "{{ contact.name }}")

    assert time.monotonic() - started < 3
    assert any(problem in line for line in found), found


@pytest.mark.parametrize(
    "text",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% for a in 'x' * 100000 %}{% for b in 'x' * 100000 %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    ],
)
def test_a_template_that_would_run_for_hours_stops_at_its_deadline(text: str) -> None:
    template = SANDBOX.from_string(text)
    started = time.monotonic()

    limit = r"rendering took longer than the limit of 0\.2 s"
    with pytest.raises(RenderLimit, match=limit), budget(0.2):
        render_within_budget(template, {})

    assert time.monotonic() - started < 2


def test_nothing_is_computed_while_compiling() -> None:
    started = time.monotonic()

    SANDBOX.from_string("{{ 'x' * 1000000000 }}{{ 'x'|center(1000000000) }}{{ 9 ** 9 ** 9 ** 9 }}")

    assert time.monotonic() - started < 2


def test_everyday_templates_render_as_before() -> None:
    parts = TemplateSet(
        "{{ period.category_label|capfirst }}: {{ occurrence.start|date }}",
        "{% for system in systems %}{{ loop.index }}. {{ system.plain_name }}\n{% endfor %}"
        "{{ systems|plain_list }} · {{ 'ok' * 3 }} · {{ '%-6s|' % 'a' }} · {{ '{:>4}'.format(7) }}"
        " · {{ (range(3)|list + [9])|join(',') }} · {{ 2 ** 10 }} · {{ contact.name ~ '!' }}",
        "<p>{{ contact.name }}</p>",
    )

    assert validate_override(parts, kind="heads_up") == []
    rendered = render_override(parts, dict(SAMPLE_CONTEXT))
    assert rendered.subject == "Month-end closing: Friday, 27 November"
    assert rendered.text.splitlines()[:3] == [
        "1. the invoicing system",
        "2. online banking for payments",
        "3. the finance shared drive",
    ]
    assert rendered.text.splitlines()[3] == (
        "the invoicing system, online banking for payments and the finance shared drive"
        " · okokok · a     | ·    7 · 0,1,2,9 · 1024 · Dana Weber!"
    )


def test_the_limit_is_large_enough_for_any_notice() -> None:
    assert MAX_CHARS >= 100 * 1200  # a hundred times the longest body the tone linter lets pass
