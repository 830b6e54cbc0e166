"""Which system an alert concerns, from its labels.

An alert labelled ``closewatch_system="sap-fi"`` concerns ``sap-fi``. Alerts
that carry no such label (rules written before closewatch, Grafana alerts)
concern the systems whose ``alerts`` matchers in the site file (or the API)
they match: a matcher is a mapping of label names to values, and every one of
them must be equal. The first system in name order wins, so the answer does not
depend on the order the database returns rows in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated

from pydantic import AfterValidator, Field

SYSTEM_LABEL = "closewatch_system"
MAX_MATCHERS = 50  # per system; every alert is compared with each
MAX_LABEL_VALUE = 1000
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _label_names(matcher: dict[str, str]) -> dict[str, str]:
    for name, value in matcher.items():
        if not LABEL_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        if len(value) > MAX_LABEL_VALUE:
            raise ValueError(f"the value of {name!r} is over {MAX_LABEL_VALUE:,} characters")
    return matcher


AlertMatcher = Annotated[
    dict[str, str], Field(min_length=1, max_length=20), AfterValidator(_label_names)
]


def system_of(
    labels: Mapping[str, str],
    known: Iterable[str],
    matchers: Mapping[str, Iterable[Mapping[str, str]]],
) -> str | None:
    """The system ``labels`` concern: named by :data:`SYSTEM_LABEL`, else matched; or None."""
    named = labels.get(SYSTEM_LABEL)
    if named is not None:
        return named if named in set(known) else None
    for system in sorted(matchers):
        if any(_matches(labels, matcher) for matcher in matchers[system]):
            return system
    return None


def _matches(labels: Mapping[str, str], matcher: Mapping[str, str]) -> bool:
    return all(labels.get(name) == value for name, value in matcher.items())
