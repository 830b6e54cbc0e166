"""Words that fit: number, tense, subjects of 78 characters, the work affected, buttons.

Every shipped default is rendered for every kind, in both languages, for one system and
for several, before and during its period, and what comes out passes the tone linter.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from monitor.paths import templates_dir
from notifiers.filters import FILTERS
from notifiers.linter import lint_message
from notifiers.render import KINDS, NoticeRenderer, sample_context
from notifiers.samples import sample_merged_context

LANGUAGES = ("en", "de")
LONG_TITLE = {
    "en": "The finance and invoicing system is not working as it should when you post "
    "invoices from the ledger.",
    "de": "Das Finanz- und Rechnungssystem funktioniert nicht richtig, wenn Sie Rechnungen "
    "aus dem Hauptbuch buchen.",
}


@pytest.fixture(scope="module")
def renderer() -> NoticeRenderer:
    return NoticeRenderer(templates_dir() / "notices")


def context(
    kind: str, lang: str, *, systems: int, during: bool, one_day: bool = False
) -> dict[str, Any]:
    ctx = sample_context(kind, language=lang)
    ctx["systems"] = ctx["systems"][:systems]
    if "occurrence" in ctx:  # not in the confirmation a subscriber is asked for
        ctx["occurrence"]["started"] = during
        if one_day:  # Friday, 27 November only, in Berlin
            ctx["occurrence"]["end"] = ctx["occurrence"]["start"] + timedelta(days=1)
    if "incident" in ctx:
        ctx["incident"]["title"] = ctx["incident"]["what_happened"] = LONG_TITLE[lang]
    return ctx


@pytest.mark.parametrize("one_day", [False, True], ids=["days", "one-day"])
@pytest.mark.parametrize("during", [False, True], ids=["before", "during"])
@pytest.mark.parametrize("systems", [1, 3], ids=["one-system", "several"])
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_default_passes_the_linter(
    renderer: NoticeRenderer, kind: str, lang: str, systems: int, during: bool, one_day: bool
) -> None:
    ctx = context(kind, lang, systems=systems, during=during, one_day=one_day)
    notice = renderer.render(kind, ctx, lang=lang)

    assert len(notice.subject) <= 78, notice.subject
    assert ".:" not in notice.subject and ".;" not in notice.subject, notice.subject
    text = lint_message(notice.subject, notice.text, kind=kind, contact_name="Dana Weber")
    html = lint_message(None, notice.html, kind=kind, contact_name="Dana Weber", html=True)
    assert text == [] and html == [], (notice.subject, notice.text, text, html)


@pytest.mark.parametrize(
    ("lang", "one", "several"),
    [
        ("en", "checked it", "checked them"),
        ("de", "dieses System", "diese Systeme"),
    ],
)
def test_number_follows_the_systems(
    renderer: NoticeRenderer, lang: str, one: str, several: str
) -> None:
    single = renderer.render(
        "wrap_up", context("wrap_up", lang, systems=1, during=False), lang=lang
    )
    many = renderer.render("wrap_up", context("wrap_up", lang, systems=3, during=False), lang=lang)

    assert one in single.text and several not in single.text
    assert several in many.text and one not in many.text


def test_a_heads_up_sent_during_its_period_speaks_of_the_present(
    renderer: NoticeRenderer,
) -> None:
    en = renderer.render("heads_up", context("heads_up", "en", systems=1, during=True), lang="en")
    de = renderer.render("heads_up", context("heads_up", "de", systems=1, during=True), lang="de")

    assert "began on Friday, 27 November and runs until Monday, 30 November" in en.text
    assert "starts on" not in en.text and "starts on" not in en.html
    assert en.subject == "Month-end closing until Monday, 30 November: IT is standing by"
    assert "seit Freitag, 27. November ist bei Ihnen Monatsabschluss" in de.text
    assert de.subject == "Monatsabschluss bis Montag, 30. November: Die IT ist für Sie da"


def test_a_german_reader_reads_german_plain_names_in_the_right_number(
    renderer: NoticeRenderer,
) -> None:
    notice = renderer.render(
        "heads_up", context("heads_up", "de", systems=1, during=False), lang="de"
    )

    assert (
        "behalten wir dieses System in diesen Tagen besonders genau im Blick: das Rechnungssystem."
        in notice.text
    )
    assert "So läuft das Rechnungssystem gerade" in notice.text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["incident", "update"])
def test_incident_subjects_shorten_the_words_and_keep_the_time(
    renderer: NoticeRenderer, kind: str, lang: str
) -> None:
    notice = renderer.render(kind, context(kind, lang, systems=1, during=True), lang=lang)

    assert len(notice.subject) <= 78
    assert "…" in notice.subject
    assert "14:30" in notice.subject  # the promise is never cut off
    assert LONG_TITLE[lang][:20] in notice.subject


def test_the_incident_names_the_work_it_holds_up(renderer: NoticeRenderer) -> None:
    notice = renderer.render(
        "incident", context("incident", "en", systems=1, during=True), lang="en"
    )

    assert "It affects closing the month." in notice.text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["resolved", "wrap_up"])
def test_the_two_answers_are_buttons(renderer: NoticeRenderer, kind: str, lang: str) -> None:
    ctx = context(kind, lang, systems=1, during=True)
    notice = renderer.render(kind, ctx, lang=lang)

    for answer in ("feedback_sorted", "feedback_problem"):
        link = ctx["links"][answer]
        # A table cell carries the button's colour and its padding in Outlook.
        cell, _, rest = notice.html.partition(f'<a href="{link}"')
        assert rest, answer
        assert cell.rsplit("<td", 1)[1].startswith(' align="center" bgcolor=')
        assert "mso-padding-alt:" in cell.rsplit("<td", 1)[1]
        assert "display:block;padding:1" in rest.split(">", 1)[0]


@pytest.mark.parametrize(
    ("words", "width", "expected"),
    [
        ("Short enough.", 40, "Short enough"),
        ("It stopped; ", 40, "It stopped"),
        ("The finance system is not working as it should.", 30, "The finance system is not…"),
        ("Unbrokenwordthatgoesonandonandon", 16, "Unbrokenwordtha…"),
        ("  spread\n over   lines ", 40, "spread over lines"),
    ],
)
def test_shorten_cuts_at_a_word_with_an_ellipsis(words: str, width: int, expected: str) -> None:
    shortened = FILTERS["shorten"](words, width)

    assert shortened == expected
    assert len(shortened) <= width


@pytest.mark.parametrize(
    "kinds",
    [("wrap_up", "heads_up"), ("heads_up", "heads_up"), ("daily_status", "heads_up"),
     ("wrap_up", "wrap_up"), ("heads_up", "daily_status", "wrap_up")],
    ids="+".join,
)  # fmt: skip
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_merged_message_names_each_period_and_passes_the_linter(
    renderer: NoticeRenderer, lang: str, kinds: tuple[str, ...]
) -> None:
    ctx = sample_merged_context(lang, kinds=kinds)
    notice = renderer.render_merged(ctx, lang=lang)

    assert len(notice.subject) <= 78, notice.subject
    for part in ctx["notices"]:
        assert part["name"] in notice.subject.lower() or part["name"] in notice.subject
        assert part["name"] in notice.text.lower() or part["name"] in notice.text
    text = lint_message(notice.subject, notice.text, contact_name="Dana Weber")
    html = lint_message(None, notice.html, contact_name="Dana Weber", html=True)
    assert text == [] and html == [], (notice.subject, notice.text, text, html)


@pytest.mark.parametrize(
    ("lang", "during", "expected"),
    [
        ("en", False, "Month-end closing is on Friday, 27 November. We know it is a busy day"),
        ("en", True, "Month-end closing is today, Friday, 27 November."),
        ("de", False, "am Freitag, 27. November, ist bei Ihnen Monatsabschluss."),
        ("de", True, "heute, Freitag, 27. November, ist bei Ihnen Monatsabschluss."),
    ],
)
def test_a_one_day_period_is_one_day_not_from_and_until_the_same_day(
    renderer: NoticeRenderer, lang: str, during: bool, expected: str
) -> None:
    ctx = context("heads_up", lang, systems=1, during=during, one_day=True)
    notice = renderer.render("heads_up", ctx, lang=lang)

    assert expected in notice.text
    assert "until Friday" not in notice.text and "bis Freitag" not in notice.text
