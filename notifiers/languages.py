"""A reader's language: which templates speak to them, and which locale formats for them.

A language is a code Babel knows, as written: ``en``, ``de``, ``fr``, and with a
region ``de-CH`` (or ``de_CH``). :func:`known_language` is the check where a
language enters (an audience, a preview, a template upload): ``zz`` is refused
there, and so is ``en-ZZ``, which Babel would quietly read as ``en_US``.

Templates live in a folder per language (``en``, ``de``, and whatever overrides
people upload). A reader's language picks the folder by its first part
(:func:`template_language`: ``de-CH`` reads ``de``), and dates, times, numbers and
lists are formatted in the reader's own locale (Swiss numbers for ``de-CH``).
A language without templates of its own (``fr``) reads the English ones, and
then everything is formatted in English too (the renderer sees to it), so one
message never mixes two languages ("starts on vendredi 27 novembre"). A
language stored before it was checked (``zz``) formats as English as well,
rather than turning every notice for it into a dead letter.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError

FALLBACK_LANGUAGE = "en"
# Bare "en" formats lists and numbers the British way ("A, B and C"); "en-US" is American.
_DEFAULT_LOCALES = {"en": "en_GB"}
# A language, and optionally a region: en, fil, de-CH, pt_BR.
_CODE = re.compile(r"^(?P<language>[a-z]{2,3})(?:[-_](?P<region>[A-Z]{2}))?$")


def known_language(code: str) -> bool:
    """Whether Babel knows ``code`` as it is written (its language, and its region if any)."""
    found = _CODE.fullmatch(code)
    if found is None:
        return False
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    # Babel fills gaps from likely subtags ("und" is en_US, "en_ZZ" en_US): not what was asked.
    return locale.language == found["language"] and locale.territory in (None, found["region"])


def template_language(language: str) -> str:
    """The template folder for a reader's language: "de-CH" -> "de"."""
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower() or FALLBACK_LANGUAGE


@lru_cache(maxsize=256)
def babel_locale(language: str) -> str:
    """The Babel locale for ``language``: "de-CH" -> "de_CH", bare "en" -> "en_GB"; a
    language Babel does not know formats as the fallback."""
    code = language.strip().replace("-", "_") or FALLBACK_LANGUAGE
    if not known_language(code):
        code = FALLBACK_LANGUAGE
    return _DEFAULT_LOCALES.get(code, code)
