"""The words closewatch writes on its own, and the names of systems, in the reader's language.

An incident stores the English defaults (what IT, the status page and the API show).
A notice for a reader in another language swaps each default for its translation;
words IT wrote themselves go out as written. A system's plain name is the one for
the reader's language (``plain_names``: "de-CH", then "de"), else ``plain_name``.
"""

from __future__ import annotations

from collections.abc import Mapping

from notifiers.languages import FALLBACK_LANGUAGE, template_language

NOT_WORKING = "not_working"  # an incident opened on its own
WORKING_AGAIN = "working_again"  # the checks saw it recover
CARRY_ON = "carry_on"
STILL_WORKING = "still_working"  # a promised update came with nothing new posted
PROBLEM = "problem"  # one line of a daily status or wrap-up, after the system's name
FOLLOWERS = "followers"  # the label of a system's subscribers, on the pages they open

DEFAULTS: dict[str, dict[str, str]] = {
    "en": {
        NOT_WORKING: "{System} is not working as it should.",
        WORKING_AGAIN: "{System} is working normally again.",
        CARRY_ON: "You can carry on where you left off.",
        STILL_WORKING: "We are still working on it. It is not fixed yet.",
        PROBLEM: "not working as it should",
        FOLLOWERS: "people who follow {system}",
    },
    "de": {
        NOT_WORKING: "{System} funktioniert gerade nicht richtig.",
        WORKING_AGAIN: "{System} läuft wieder normal.",
        CARRY_ON: "Sie können dort weitermachen, wo Sie aufgehört haben.",
        STILL_WORKING: "Wir arbeiten noch daran. Es ist noch nicht behoben.",
        PROBLEM: "funktionierte nicht richtig",
        FOLLOWERS: "alle, die {system} verfolgen",
    },
}


def default_words(key: str, *, system: str = "", language: str = FALLBACK_LANGUAGE) -> str:
    words = DEFAULTS.get(template_language(language), DEFAULTS[FALLBACK_LANGUAGE])
    return words[key].format(System=system[:1].upper() + system[1:], system=system)


def in_reader_words(text: str, language: str, *, system: str, system_here: str) -> str:
    """``text`` for the reader: a default written for ``system`` (its English plain name)
    becomes the same default in ``language``, about ``system_here``; other text stays."""
    if template_language(language) == FALLBACK_LANGUAGE:
        return text
    for key in DEFAULTS[FALLBACK_LANGUAGE]:
        if text == default_words(key, system=system):
            return default_words(key, system=system_here, language=language)
    return text


def plain_name_in(plain_name: str, plain_names: Mapping[str, str], language: str) -> str:
    """The system's name for a reader in ``language``: "de-CH", then "de", then the default."""
    wanted = (language, language.replace("_", "-"), template_language(language))
    return next((plain_names[code] for code in wanted if plain_names.get(code)), plain_name)
