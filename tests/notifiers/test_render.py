"""The notice renderer: default templates, lookup order, the sandbox, Babel filters."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2.sandbox import SecurityError

from monitor.paths import templates_dir
from notifiers.render import (
    CATEGORY_LABELS,
    KINDS,
    SAMPLE_CONTEXT,
    NoticeRenderer,
    TemplateMissing,
    TemplateSet,
    sample_context,
    validate_override,
)

DEFAULTS = templates_dir() / "notices"
LANGUAGES = ("en", "de")
LINKS_BY_KIND = {
    "heads_up": ("report_problem", "status_page", "unsubscribe"),
    "daily_status": ("report_problem", "status_page", "unsubscribe"),
    "wrap_up": ("feedback_sorted", "feedback_problem", "feedback_rating", "unsubscribe"),
    "incident": ("report_problem", "unsubscribe"),
    "update": ("report_problem", "unsubscribe"),
    "resolved": ("feedback_sorted", "feedback_problem", "report_problem", "unsubscribe"),
    "subscribe": ("confirm",),
    "maintenance": ("status_page", "unsubscribe"),
}


@pytest.fixture(scope="module")
def renderer() -> NoticeRenderer:
    return NoticeRenderer(DEFAULTS)


def render_source(text: str, context: dict[str, Any] | None = None, **reader: str) -> str:
    """The text part of an override made of ``text`` alone, for trying filters."""
    ctx = copy.deepcopy(context) if context else sample_context()
    ctx["reader"].update(reader)
    key = (None, None, "heads_up", "en")
    sandboxed = NoticeRenderer(DEFAULTS, {key: TemplateSet(subject="s", text=text, html="h")})
    return sandboxed.render("heads_up", ctx, lang="en").text.strip()


# --- the default templates -----------------------------------------------------------------


def test_every_default_template_file_exists() -> None:
    for lang in LANGUAGES:
        for kind in KINDS:
            for name in ("subject.txt", "text.txt", "html.html"):
                assert (DEFAULTS / lang / kind / name).is_file(), f"{lang}/{kind}/{name}"


@pytest.mark.parametrize("sparse", [False, True], ids=["full", "sparse"])
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_default_renders_short_and_signed(
    renderer: NoticeRenderer, kind: str, lang: str, sparse: bool
) -> None:
    notice = renderer.render(kind, sample_context(kind, language=lang, sparse=sparse), lang=lang)

    assert notice.subject and "\n" not in notice.subject
    assert len(notice.subject) <= 78, notice.subject
    lines = notice.text.splitlines()
    assert len([line for line in lines if line]) <= 20, notice.text
    assert all(line == line.rstrip() for line in lines)
    for part in (notice.text, notice.html):
        assert "Dana Weber" in part
        assert "dana.weber@example.com" in part
        assert "{{" not in part and "{%" not in part
    assert notice.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in notice.html
    assert "max-width:600px" in notice.html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_default_carries_its_links_in_both_parts(
    renderer: NoticeRenderer, kind: str, lang: str
) -> None:
    ctx = sample_context(kind, language=lang)
    notice = renderer.render(kind, ctx, lang=lang)
    for name in LINKS_BY_KIND[kind]:
        assert ctx["links"][name] in notice.text, name
        assert f'href="{ctx["links"][name].replace("&", "&amp;")}"' in notice.html, name


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_no_empty_link_lines_when_links_are_empty(
    renderer: NoticeRenderer, kind: str, lang: str
) -> None:
    notice = renderer.render(kind, sample_context(kind, language=lang, sparse=True), lang=lang)

    assert "http" not in notice.text
    assert 'href=""' not in notice.html and 'href="tel:"' not in notice.html
    lines = notice.text.splitlines()
    for number, line in enumerate(lines):
        if line.endswith(":"):  # a colon promises something on the next line
            assert number + 1 < len(lines) and lines[number + 1], notice.text
    assert " · " not in notice.text  # no separators around a missing phone or chat


@pytest.mark.parametrize("kind", KINDS)
def test_html_is_escaped_and_text_is_not(renderer: NoticeRenderer, kind: str) -> None:
    ctx = sample_context(kind)
    script = "<script>alert(1)</script>"
    ctx["systems"][0]["plain_name"] = script
    if "status" in ctx:
        ctx["status"]["problems"][0]["system"] = script
    if "incident" in ctx:
        ctx["incident"]["affected"] = script
    ctx["contact"]["name"] = "Dana <b>Weber</b>"

    notice = renderer.render(kind, ctx, lang="en")

    assert "<script>" not in notice.html and "<b>" not in notice.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in notice.html
    assert "Dana &lt;b&gt;Weber&lt;/b&gt;" in notice.html
    assert script in notice.subject + notice.text
    assert "Dana <b>Weber</b>" in notice.text


def test_heads_up_names_period_dates_systems_and_contact(renderer: NoticeRenderer) -> None:
    en = renderer.render("heads_up", sample_context("heads_up"), lang="en")
    de = renderer.render("heads_up", sample_context("heads_up", language="de"), lang="de")

    assert en.subject == "Month-end closing from Friday, 27 November: IT is standing by"
    assert "runs until Monday, 30 November" in en.text
    assert "the invoicing system, online banking for payments and the finance shared drive" in (
        en.text
    )
    assert "what were you doing, what did you see, and since when?" in en.text
    assert de.subject == "Monatsabschluss ab Freitag, 27. November: Die IT ist für Sie da"
    assert "von Freitag, 27. November, bis Montag, 30. November, ist bei Ihnen Monatsabschluss" in (
        de.text
    )
    assert "das Online-Banking für Zahlungen und das Finanzlaufwerk" in de.text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("category", sorted(CATEGORY_LABELS["en"]))
def test_subjects_stay_short_for_every_category(
    renderer: NoticeRenderer, lang: str, category: str
) -> None:
    for kind in ("heads_up", "daily_status", "wrap_up"):
        ctx = sample_context(kind, language=lang)
        ctx["period"].update(category=category, category_label=CATEGORY_LABELS[lang][category])
        ctx["occurrence"]["start"] = datetime(2026, 9, 29, 22, 0, tzinfo=UTC)  # a long weekday
        assert len(renderer.render(kind, ctx, lang=lang).subject) <= 78


def test_category_label_is_filled_in_the_readers_language(renderer: NoticeRenderer) -> None:
    ctx = sample_context("heads_up", language="de")
    ctx["period"] = {"title": "Inventur Lager Nord", "category": "inventory_count", "level": "high"}

    notice = renderer.render("heads_up", ctx, lang="de")

    assert notice.subject.startswith("Inventur ab Freitag, 27. November")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_daily_status_tells_what_is_still_open(renderer: NoticeRenderer, lang: str) -> None:
    ctx = sample_context("daily_status", language=lang)
    ctx["status"]["problems"][0].update(fixed=None, minutes_to_fix=None)

    notice = renderer.render("daily_status", ctx, lang=lang)

    expected = {"en": "we're working on a problem with", "de": "Wir arbeiten an einer Störung"}
    assert expected[lang] in notice.subject
    assert {"en": "since Friday 10:05", "de": "seit Freitag 10:05 Uhr"}[lang] in notice.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrap_up_says_how_fast_problems_were_fixed(renderer: NoticeRenderer, lang: str) -> None:
    notice = renderer.render("wrap_up", sample_context("wrap_up", language=lang), lang=lang)

    assert {"en": "fixed within 12 minutes", "de": "nach 12 Minuten behoben"}[lang] in notice.text
    assert {"en": "available 99.8% of", "de": "99,8 % der Zeit"}[lang] in notice.text
    assert {"en": "4,320 times", "de": "4.320-mal"}[lang] in notice.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrap_up_without_problems_says_so(renderer: NoticeRenderer, lang: str) -> None:
    notice = renderer.render(
        "wrap_up", sample_context("wrap_up", language=lang, sparse=True), lang=lang
    )
    assert {"en": "There were no problems", "de": "Es gab keine Störungen"}[lang] in notice.text


# --- times in the reader's zone ------------------------------------------------------------

NEXT_UPDATES = [
    # instant (UTC), Berlin, New York
    (datetime(2026, 11, 27, 13, 30, tzinfo=UTC), "14:30", "08:30"),
    # 29 March 2026: Berlin moves from UTC+1 to UTC+2 at 01:00 UTC; New York is already on UTC-4.
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "01:30", "20:30"),
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "03:30", "21:30"),
    (datetime(2026, 3, 29, 7, 15, tzinfo=UTC), "09:15", "03:15"),
]


@pytest.mark.parametrize(("instant", "berlin", "new_york"), NEXT_UPDATES)
@pytest.mark.parametrize("kind", ["incident", "update"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_next_update_is_in_the_readers_zone(
    renderer: NoticeRenderer, kind: str, lang: str, instant: datetime, berlin: str, new_york: str
) -> None:
    for zone, expected in (("Europe/Berlin", berlin), ("America/New_York", new_york)):
        ctx = sample_context(kind, language=lang)
        ctx["reader"]["timezone"] = zone
        ctx["incident"]["next_update"] = instant

        notice = renderer.render(kind, ctx, lang=lang)

        promise = {"en": f"by {expected}", "de": f"{expected} Uhr"}[lang]
        assert promise in notice.subject, (zone, notice.subject)
        assert promise in notice.text and promise in notice.html, zone


# --- lookup order --------------------------------------------------------------------------


def _defaults(tmp_path: Path) -> Path:
    for folder, label in (
        ("en/heads_up", "default en"),
        ("en/heads_up/payroll", "default en payroll"),
        ("de/heads_up", "default de"),
    ):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "subject.txt").write_text(label)
        (tmp_path / folder / "text.txt").write_text(label + " text")
        (tmp_path / folder / "html.html").write_text("<p>{{ contact.name }}</p>")
    return tmp_path


def _set(label: str) -> TemplateSet:
    return TemplateSet(subject=label, text=label + " text", html="<p>{{ contact.name }}</p>")


def test_lookup_order_from_most_to_least_specific(tmp_path: Path) -> None:
    defaults = _defaults(tmp_path)
    overrides = {
        ("ap", "payroll", "heads_up", "en"): _set("audience+category"),
        ("ap", None, "heads_up", "en"): _set("audience"),
        (None, "payroll", "heads_up", "en"): _set("category"),
        (None, None, "heads_up", "en"): _set("everyone"),
    }
    ctx = sample_context("heads_up")
    expected = ["audience+category", "audience", "category", "everyone", "default en payroll"]
    for key, label in zip(list(overrides), expected, strict=False):
        renderer = NoticeRenderer(defaults, overrides)
        notice = renderer.render("heads_up", ctx, lang="en", category="payroll", audience="ap")
        assert notice.subject == label
        del overrides[key]
    renderer = NoticeRenderer(defaults, overrides)
    assert renderer.render("heads_up", ctx, lang="en", category="payroll").subject == (
        "default en payroll"
    )
    assert renderer.render("heads_up", ctx, lang="en", category="audit").subject == "default en"
    assert renderer.render("heads_up", ctx, lang="en").subject == "default en"


def test_overrides_for_other_audiences_and_categories_do_not_apply(tmp_path: Path) -> None:
    renderer = NoticeRenderer(
        _defaults(tmp_path),
        {
            ("warehouse", None, "heads_up", "en"): _set("warehouse"),
            (None, "audit", "heads_up", "en"): _set("audit"),
            (None, None, "wrap_up", "en"): _set("wrap-up"),
        },
    )
    ctx = sample_context("heads_up")
    notice = renderer.render("heads_up", ctx, lang="en", category="payroll", audience="ap")
    assert notice.subject == "default en payroll"


def test_language_falls_back_to_english(tmp_path: Path) -> None:
    renderer = NoticeRenderer(
        _defaults(tmp_path), {("ap", None, "heads_up", "en"): _set("ap in English")}
    )
    ctx = sample_context("heads_up")

    assert renderer.render("heads_up", ctx, lang="fr").subject == "default en"
    assert renderer.render("heads_up", ctx, lang="de-CH").subject == "default de"
    # The reader's own language wins over an English override...
    assert renderer.render("heads_up", ctx, lang="de", audience="ap").subject == "default de"
    # ...and when there is none, the English chain applies, overrides first.
    assert renderer.render("heads_up", ctx, lang="fr", audience="ap").subject == "ap in English"


def test_missing_template_and_unknown_kind(tmp_path: Path) -> None:
    renderer = NoticeRenderer(_defaults(tmp_path))
    with pytest.raises(TemplateMissing):
        renderer.render("wrap_up", sample_context("wrap_up"), lang="de")
    with pytest.raises(ValueError, match="unknown notice kind"):
        renderer.render("heads-up", sample_context(), lang="en")


def test_category_cannot_reach_outside_the_templates(tmp_path: Path) -> None:
    renderer = NoticeRenderer(_defaults(tmp_path))
    ctx = sample_context("heads_up")
    assert renderer.render("heads_up", ctx, lang="en", category="../de").subject == "default en"


def test_subject_is_one_line_and_text_is_tidy(tmp_path: Path) -> None:
    override = TemplateSet(subject="  Two\nlines  ", text="\n\nA  \n\n\n\nB\t\n\n", html="<p></p>")
    renderer = NoticeRenderer(_defaults(tmp_path), {(None, None, "heads_up", "en"): override})
    notice = renderer.render("heads_up", sample_context("heads_up"), lang="en")
    assert notice.subject == "Two lines"
    assert notice.text == "A\n\nB\n"


# --- uploads: the sandbox and validation ---------------------------------------------------


def test_defaults_pass_validation_as_uploads() -> None:
    for lang in LANGUAGES:
        for kind in KINDS:
            folder = DEFAULTS / lang / kind
            template_set = TemplateSet(
                subject=(folder / "subject.txt").read_text(),
                text=(folder / "text.txt").read_text(),
                html=(folder / "html.html").read_text(),
            )
            assert validate_override(template_set, kind=kind) == [], (lang, kind)


def test_valid_override_renders_autoescaped_html(tmp_path: Path) -> None:
    template_set = TemplateSet(
        subject="{{ period.category_label|capfirst }} starts {{ occurrence.start|date }}",
        text="Hi {{ reader.name }}: {{ systems|plain_list }}",
        html="<p>{{ systems|plain_list }}</p>",
    )
    assert validate_override(template_set, kind="heads_up") == []
    renderer = NoticeRenderer(_defaults(tmp_path), {(None, None, "heads_up", "en"): template_set})
    ctx = sample_context("heads_up")
    ctx["systems"][0]["plain_name"] = "<script>x</script>"

    notice = renderer.render("heads_up", ctx, lang="en")

    assert notice.subject == "Month-end closing starts Friday, 27 November"
    assert "<script>x</script>" in notice.text
    assert "&lt;script&gt;x&lt;/script&gt;" in notice.html


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ reader.__class__.__subclasses__() }}",
        "{{ links.clear() }}",
        "{% do systems.append(1) %}",
        "{{ contact.update(name='x') }}",
    ],
)
def test_sandbox_refuses_reaching_into_python(tmp_path: Path, source: str) -> None:
    broken = TemplateSet(subject="ok", text="line one\n" + source, html="<p>ok</p>")

    errors = validate_override(broken)

    assert errors, source
    assert errors[0].startswith("text: line ")

    if "do " in source:  # not even compiled: the expression-statement extension is off
        return
    renderer = NoticeRenderer(_defaults(tmp_path), {(None, None, "heads_up", "en"): broken})
    with pytest.raises(SecurityError):
        renderer.render("heads_up", sample_context("heads_up"), lang="en")


def test_unsafe_attribute_is_reported_with_part_and_line() -> None:
    broken = TemplateSet(subject="ok", text="ok", html="<p>\nfine\n{{ ''.__class__ }}\n</p>")
    errors = validate_override(broken)
    assert len(errors) == 1
    assert errors[0].startswith("html: line 3: not allowed: ")
    assert "__class__" in errors[0]


def test_syntax_error_is_reported_with_part_and_line() -> None:
    broken = TemplateSet(
        subject="{{ period.title }}",
        text="Hello\n\n{% if links.report_problem %}\nReport: {{ links.report_problem }}\n",
        html="<p>{{ contact.name }</p>",
    )
    errors = validate_override(broken)
    assert len(errors) == 2
    assert errors[0].startswith("text: line 4: Unexpected end of template")
    assert errors[1].startswith("html: line 1: ")


def test_undefined_names_are_reported_with_part_and_line() -> None:
    broken = TemplateSet(
        subject="{{ period.title }}",
        text="Hello {{ reader.name }}\n{{ contact.nmae }}",
        html="<p>\n{{ incidnet.title }}</p>",
    )
    errors = validate_override(broken, kind="incident")
    assert errors == [
        "text: line 2: 'dict object' has no attribute 'nmae'",
        "html: line 2: unknown name 'incidnet'",
    ]


def test_names_the_kind_does_not_receive_are_refused() -> None:
    heads_up = TemplateSet(subject="{{ incident.title }}", text="ok", html="ok")
    assert validate_override(heads_up, kind="heads_up") == [
        "subject: line 1: unknown name 'incident'"
    ]
    assert validate_override(heads_up, kind="incident") == []


def test_a_branch_only_taken_with_empty_links_is_tried_too() -> None:
    template_set = TemplateSet(
        subject="ok",
        text="{% if links.report_problem %}{{ links.report_problem }}{% else %}{{ contact.fax }}{% endif %}",
        html="ok",
    )
    assert validate_override(template_set) == ["text: line 1: 'dict object' has no attribute 'fax'"]


# --- the shared layout ---------------------------------------------------------------------


def test_every_html_default_extends_the_one_layout_and_repeats_no_frame() -> None:
    defaults = sorted(DEFAULTS.glob("*/*/html.html"))
    assert len(defaults) == len(LANGUAGES) * (len(KINDS) + 1)  # and the merged message
    for path in defaults:
        source = path.read_text()
        assert source.startswith('{% extends "layout.html" %}'), path
        # A table of buttons is content; the frame (the centred 600 px table) is the layout's.
        assert "max-width" not in source and "<html" not in source and "<body" not in source, path


def test_an_override_may_extend_the_shipped_layout(tmp_path: Path) -> None:
    template_set = TemplateSet(
        subject="{{ period.category_label|capfirst }}",
        text="{{ systems|plain_list }}",
        html='{% extends "layout.html" %}{% block title %}Heads-up{% endblock %}'
        '{% block body %}<p style="{{ p }}">{{ systems|plain_list }}</p>{% endblock %}',
    )
    assert validate_override(template_set, kind="heads_up") == []
    renderer = NoticeRenderer(DEFAULTS, {(None, None, "heads_up", "en"): template_set})

    html = renderer.render("heads_up", sample_context("heads_up"), lang="en").html

    assert "<title>Heads-up</title>" in html and "max-width:600px" in html
    assert '<p style="margin:0 0 16px 0;' in html and "Unsubscribe</a>" in html


def test_an_override_may_use_the_layouts_way_to_reach_the_contact() -> None:
    template_set = TemplateSet(
        subject="{{ period.category_label|capfirst }}",
        text="{{ contact.name }}",
        html='{% extends "layout.html" %}{% block body %}<p>{{ contact.name }}<br>'
        '{{ reach("chat") }}</p>{% endblock %}',
    )
    assert validate_override(template_set, kind="heads_up") == []
    renderer = NoticeRenderer(DEFAULTS, {(None, None, "heads_up", "en"): template_set})

    html = renderer.render("heads_up", sample_context("heads_up"), lang="en").html

    assert 'href="mailto:dana.weber@example.com"' in html and "white-space:nowrap" in html


@pytest.mark.parametrize(
    "source",
    [
        '{% extends "en/heads_up/html.html" %}',
        '{% include "../../pages/base.html" %}',
        '{% import "/etc/passwd" as secrets %}',
        '{% extends "layout.html/../en/heads_up/html.html" %}',
    ],
)
def test_an_override_reaches_no_other_file(source: str) -> None:
    errors = validate_override(TemplateSet(subject="ok", text="ok", html=source))
    assert len(errors) == 1 and errors[0].startswith("html: line 1: ")
    assert "a template may extend only layout.html" in errors[0]


# --- Babel filters -------------------------------------------------------------------------

FRIDAY = datetime(2026, 11, 27, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        ("en", "{{ occurrence.start|date }}", "Friday, 27 November"),
        ("de", "{{ occurrence.start|date }}", "Freitag, 27. November"),
        ("en", "{{ occurrence.start|weekday }}", "Friday"),
        ("de", "{{ occurrence.start|weekday }}", "Freitag"),
        ("en", "{{ occurrence.start|time }}", "14:30"),
        ("de", "{{ occurrence.start|time }}", "14:30"),
        ("en-US", "{{ occurrence.start|time }}", "14:30"),
        ("en", "{{ occurrence.start|datetime }}", "Friday, 27 November, 14:30"),
        ("de", "{{ occurrence.start|datetime }}", "Freitag, 27. November, 14:30"),
        ("en", "{{ ['A', 'B', 'C']|plain_list }}", "A, B and C"),
        ("de", "{{ ['A', 'B', 'C']|plain_list }}", "A, B und C"),
        ("de", "{{ ['A', '', 'B']|plain_list('or') }}", "A oder B"),
        ("en", "{{ [{'name': 'sap', 'plain_name': 'invoicing'}]|plain_list }}", "invoicing"),
        ("en", "{{ 1|minutes }} / {{ 12|minutes }}", "1 minute / 12 minutes"),
        ("de", "{{ 1|minutes }} / {{ 12|minutes }}", "1 Minute / 12 Minuten"),
        ("en", "{{ 4320|number }} {{ 99.8|number }}", "4,320 99.8"),
        ("de", "{{ 4320|number }} {{ 99.8|number }}", "4.320 99,8"),
        ("en", "{{ 'month-end closing'|capfirst }}", "Month-end closing"),
    ],
)
def test_filters_speak_the_readers_language(language: str, source: str, expected: str) -> None:
    ctx = sample_context()
    ctx["occurrence"]["start"] = FRIDAY
    assert render_source(source, ctx, language=language) == expected


def test_times_are_24_hour_in_the_readers_zone() -> None:
    evening = datetime(2026, 11, 27, 20, 5, tzinfo=UTC)
    ctx = sample_context()
    ctx["occurrence"]["start"] = evening
    source = "{{ occurrence.start|weekday }} {{ occurrence.start|time }}"
    assert render_source(source, ctx, timezone="America/New_York", language="en") == "Friday 15:05"
    assert render_source(source, ctx, timezone="Asia/Tokyo", language="de") == "Samstag 05:05"


def test_until_shows_the_last_day_of_an_all_day_span() -> None:
    ctx = sample_context()  # ends 1 December 00:00 in Berlin
    assert render_source("{{ occurrence.end|until }}", ctx) == "Monday, 30 November"
    assert render_source("{{ occurrence.end|until }}", ctx, language="de") == "Montag, 30. November"
    # The same end seen from New York is 18:00 on the Monday.
    assert render_source("{{ occurrence.end|until }}", ctx, timezone="America/New_York") == (
        "Monday, 30 November, 18:00"
    )


def test_naive_datetimes_are_refused() -> None:
    ctx = sample_context()
    ctx["occurrence"]["start"] = datetime(2026, 11, 27, 9, 0)
    with pytest.raises(ValueError, match="naive datetime"):
        render_source("{{ occurrence.start|time }}", ctx)


def test_sample_context_is_not_shared() -> None:
    ctx = sample_context()
    ctx["reader"]["name"] = "changed"
    assert SAMPLE_CONTEXT["reader"]["name"] == "Anna Schmidt"
    assert "incident" not in sample_context("heads_up")
    assert "status" not in sample_context("resolved")
