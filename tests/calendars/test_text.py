"""Unwanted characters: found, removed, or shown escaped."""

from __future__ import annotations

import pytest

from calendars.text import shown, unwanted_in, without_unwanted


@pytest.mark.parametrize(
    ("text", "found"),
    [("Inventur München 😀", None), ("bell\x07", "U+0007"), ("esc\x1b[31m", "U+001B"),
     ("two\nlines", "U+000A"), ("c1\x85", "U+0085"), ("\u202egnp.exe", "U+202E"),
     ("lone \ud800", "U+D800"), ("del\x7f", "U+007F")],
)  # fmt: skip
def test_unwanted_characters_are_named_by_their_code_point(text: str, found: str | None) -> None:
    assert unwanted_in(text) == found


def test_several_lines_may_hold_tabs_and_line_breaks_but_no_other_control() -> None:
    assert unwanted_in("a\tb\r\nc", lines=True) is None
    assert unwanted_in("a\nb\x07", lines=True) == "U+0007"


def test_removing_keeps_words_apart_on_one_line_and_lines_in_text() -> None:
    assert without_unwanted("Month\tend\nclosing\x07") == "Month end closing"
    assert without_unwanted("Zwei\nZeilen\x1b", lines=True) == "Zwei\nZeilen"


def test_a_terminal_sees_escapes_instead_of_controls() -> None:
    assert shown("red\x1b[31m\rover\n") == "red\\x1b[31m\\x0dover\n"
    assert shown("\u202e") == "\\u202e"
