"""Text as people can read it and every store can hold it.

Names, titles and addresses arrive from uploads, forms, API bodies and site
files, and leave again in email headers, feeds, pages and terminal output.
Characters with no business in such text are *unwanted* here:

- control characters (C0, DEL, C1): a BEL rings terminals, an ESC starts an
  escape sequence, CR and LF end a header line; tab and line breaks are fine
  in multi-line text only;
- the bidirectional embedding, override and isolate marks (U+202A..U+202E,
  U+2066..U+2069), which make text read differently from what it is;
- lone surrogates (U+D800..U+DFFF), which no UTF-8 database column accepts
  (a JSON ``"\\ud800"`` escape, or a file read as ``unicode_escape``, makes one).

This module is pure: :func:`unwanted_in` finds one, :func:`without_unwanted`
removes them, :func:`shown` escapes them for a terminal.
"""

from __future__ import annotations

import re

_BIDI = r"\u202a-\u202e\u2066-\u2069"
_SURROGATES = r"\ud800-\udfff"
# One line: every control character. Several lines: tab, LF and CR are allowed.
_UNWANTED_IN_LINE = re.compile(rf"[\x00-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
_UNWANTED_IN_TEXT = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
# On a terminal a CR returns to the start of the line and hides what came before.
_UNPRINTABLE = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")


def unwanted_in(text: str, *, lines: bool = False) -> str | None:
    """The first unwanted character of ``text`` as people can read it (``U+0007``), or None.

    ``lines`` allows tab and line breaks (a description, a message body).
    """
    found = (_UNWANTED_IN_TEXT if lines else _UNWANTED_IN_LINE).search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def without_unwanted(text: str, *, lines: bool = False) -> str:
    """``text`` with every unwanted character gone; in a single line, tabs and
    line breaks become spaces so words stay apart."""
    if lines:
        return _UNWANTED_IN_TEXT.sub("", text)
    return _UNWANTED_IN_LINE.sub("", re.sub(r"[\t\n\r]", " ", text))


def shown(text: str) -> str:
    """``text`` safe to print on a terminal: unwanted characters as ``\\x07`` escapes."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
