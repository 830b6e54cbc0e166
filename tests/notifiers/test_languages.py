"""Reader languages: what Babel knows, which templates and which formats a reader gets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.paths import templates_dir
from notifiers.languages import babel_locale, known_language, template_language
from notifiers.render import NoticeRenderer, TemplateSet, sample_context

FRIDAY = datetime(2026, 11, 27, 13, 30, tzinfo=UTC)
DATE_AND_NUMBER = "{{ occurrence.start|date }} · {{ 4320|number }}"


@pytest.mark.parametrize("code", ["en", "de", "fr", "de-CH", "de_CH", "en-US", "fil", "pt_BR"])
def test_languages_babel_knows_are_known(code: str) -> None:
    assert known_language(code)


@pytest.mark.parametrize(
    "code", ["zz", "en-ZZ", "und", "root", "", "EN", "de-ch", "en\n", "x" * 30, "en_US_POSIX"]
)
def test_languages_babel_does_not_know_as_written_are_not(code: str) -> None:
    assert not known_language(code)


def test_a_reader_language_picks_its_template_folder_and_its_own_locale() -> None:
    assert template_language("de-CH") == "de"
    assert (babel_locale("de-CH"), babel_locale("en"), babel_locale("en-US")) == (
        "de_CH",
        "en_GB",
        "en_US",
    )


def test_an_unknown_stored_language_formats_as_english() -> None:
    assert babel_locale("zz") == "en_GB"


def render(language: str, overrides: dict[str, str] | None = None) -> str:
    """The text part for a reader of ``language``, from an override per language in ``overrides``."""
    sets = {
        (None, None, "heads_up", lang): TemplateSet(subject="s", text=text, html="h")
        for lang, text in (overrides or {}).items()
    }
    ctx = sample_context("heads_up", language=language)
    ctx["occurrence"]["start"] = FRIDAY
    notice = NoticeRenderer(templates_dir() / "notices", sets).render(
        "heads_up", ctx, lang=language
    )
    return notice.text.strip()


def test_a_language_without_templates_reads_english_formatted_in_english() -> None:
    english = {"en": f"EN {DATE_AND_NUMBER}"}

    assert render("fr", english) == "EN Friday, 27 November · 4,320"
    assert render("zz", english) == "EN Friday, 27 November · 4,320"


def test_a_language_with_templates_is_formatted_in_the_readers_own_locale() -> None:
    texts = {"en": f"EN {DATE_AND_NUMBER}", "de": f"DE {DATE_AND_NUMBER}", "fr": f"FR {DATE_AND_NUMBER}"}  # fmt: skip

    assert render("fr", texts) == "FR ven. 27 novembre · 4\u202f320"
    assert render("de-CH", texts) == "DE Freitag, 27. November · 4'320"
    assert render("de", texts) == "DE Freitag, 27. November · 4.320"


def test_the_shipped_german_templates_serve_swiss_readers() -> None:
    ctx = sample_context("heads_up", language="de-CH")
    notice = NoticeRenderer(templates_dir() / "notices").render("heads_up", ctx, lang="de-CH")

    assert "Freitag, 27. November" in notice.text
