"""Body patterns, matched by RE2: time in proportion to the body, whatever the pattern.

Python's ``re`` backtracks: ``(a+)+$`` against 28 a's and a b takes 2^28 steps,
and a check's pattern ran on the event loop, where every other check waits.
RE2 (``google-re2``) matches in one pass over the text, at most ``MAX_BODY``
bytes of it; in exchange it has no backreferences (``\\1``) and no lookaround
(``(?=...)``, ``(?<!...)``). A pattern it cannot compile is refused when the
check is saved, in the site file or the API, with RE2's reason.
"""

from __future__ import annotations

import functools

import re2

MAX_PATTERN = 1000  # characters; RE2's work per byte of body grows with the pattern

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the reason goes to the user, not to standard error


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re2._Regexp:
    """``pattern`` compiled by RE2; ValueError with RE2's reason if it cannot be."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"not a regular expression closewatch can use: {reason} "
            "(patterns run on RE2: no backreferences, no lookahead or lookbehind)"
        ) from None
