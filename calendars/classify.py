"""Deciding a period's category, level, systems and audiences.

Explicit information wins (``X-CLOSEWATCH-*`` properties, CSV columns, rule
fields), then iCalendar CATEGORIES, then the first mapping rule whose pattern
matches the summary, description or location. What nothing matches becomes a
``custom`` period at ``elevated``, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from calendars.model import Category, Classification, Level, parse_category

DEFAULT_LEVELS: Mapping[Category, Level] = {
    Category.MONTH_END_CLOSE: Level.HIGH,
    Category.QUARTER_END: Level.HIGH,
    Category.YEAR_END: Level.CRITICAL,
    Category.INVENTORY_COUNT: Level.HIGH,
    Category.PAYROLL: Level.HIGH,
    Category.AUDIT: Level.ELEVATED,
    Category.GO_LIVE: Level.CRITICAL,
    Category.CUSTOM: Level.ELEVATED,
}

MATCHED_FIELDS = ("summary", "description", "location")


@dataclass(frozen=True, slots=True)
class MappingRule:
    """``pattern`` (a case-insensitive regular expression) found in any of
    ``fields`` gives the category, and optionally the level, systems, audiences."""

    name: str
    pattern: re.Pattern[str]
    category: Category
    level: Level | None = None
    systems: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    fields: tuple[str, ...] = MATCHED_FIELDS

    @classmethod
    def build(
        cls,
        name: str,
        pattern: str,
        category: str,
        *,
        level: str | None = None,
        systems: Iterable[str] = (),
        audiences: Iterable[str] = (),
        fields: Iterable[str] = MATCHED_FIELDS,
    ) -> MappingRule:
        """A rule from plain values; raises ValueError naming the bad value."""
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"invalid pattern {pattern!r}: {exc}") from None
        unknown = set(fields) - set(MATCHED_FIELDS)
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)} (expected {MATCHED_FIELDS})")
        return cls(
            name=name,
            pattern=compiled,
            category=parse_category(category),
            level=Level.parse(level) if level else None,
            systems=tuple(systems),
            audiences=tuple(audiences),
            fields=tuple(fields),
        )

    def matches(self, texts: Mapping[str, str]) -> bool:
        return any(self.pattern.search(texts.get(name) or "") for name in self.fields)


def _rule(name: str, pattern: str, category: Category) -> MappingRule:
    return MappingRule(name, re.compile(pattern, re.IGNORECASE), category)


# Built-in patterns in English and German; user rules are tried first.
# Year and quarter come before month, so "year-end close" is not a month end.
# English words must start a word; German stems match inside compounds too
# ("Stichtagsinventur", "Konzernjahresabschluss").
DEFAULT_RULES: tuple[MappingRule, ...] = (
    _rule(
        "year end",
        r"\b(year[- ]?end|fiscal year close|annual close)|jahresabschluss|jahresende",
        Category.YEAR_END,
    ),
    _rule(
        "quarter end",
        r"\b(quarter[- ]?end|quarter close|quarterly close|q[1-4] close)|quartalsabschluss",
        Category.QUARTER_END,
    ),
    _rule(
        "month end",
        r"\b(month[- ]?end|monthly close|closing)|monatsabschluss|abschluss",
        Category.MONTH_END_CLOSE,
    ),
    _rule(
        "inventory",
        r"\b(inventory|stock ?take|stock count)|inventur",
        Category.INVENTORY_COUNT,
    ),
    _rule(
        "payroll",
        r"\b(payroll|pay run|salary run)|lohnlauf|gehaltslauf|entgeltabrechnung|lohnabrechnung",
        Category.PAYROLL,
    ),
    _rule("audit", r"\baudit|prüfung|pruefung", Category.AUDIT),
    _rule("go-live", r"\b(go[- ]?live|cut[- ]?over|launch)|produktivstart", Category.GO_LIVE),
)


def split_list(value: str | None) -> tuple[str, ...]:
    """``"sap-fi, crm ;wms"`` → ``("sap-fi", "crm", "wms")``."""
    if not value:
        return ()
    return tuple(part.strip() for part in re.split(r"[,;]", value) if part.strip())


def classify(
    texts: Mapping[str, str],
    *,
    category: str | None = None,
    level: str | None = None,
    systems: Iterable[str] = (),
    audiences: Iterable[str] = (),
    categories: Iterable[str] = (),
    rules: Iterable[MappingRule] = DEFAULT_RULES,
) -> Classification:
    """Classify one event or row.

    ``category``, ``level``, ``systems`` and ``audiences`` are what the source
    said explicitly; ``categories`` are free-form tags (iCalendar CATEGORIES).
    Raises ValueError for an explicit category or level that is not known.
    """
    explicit_level = Level.parse(level) if level else None
    systems, audiences = tuple(systems), tuple(audiences)

    if category:
        found = parse_category(category)
        return _complete(found, explicit_level, systems, audiences, "property", None, texts, rules)

    for tag in categories:
        try:
            found = parse_category(tag)
        except ValueError:
            continue
        return _complete(
            found, explicit_level, systems, audiences, "categories", None, texts, rules
        )

    for rule in rules:
        if rule.matches(texts):
            return Classification(
                category=rule.category,
                level=explicit_level or rule.level or DEFAULT_LEVELS[rule.category],
                systems=systems or rule.systems,
                audiences=audiences or rule.audiences,
                source="mapping",
                rule=rule.name,
            )

    return Classification(
        category=Category.CUSTOM,
        level=explicit_level or DEFAULT_LEVELS[Category.CUSTOM],
        systems=systems,
        audiences=audiences,
        source="default",
    )


def _complete(
    category: Category,
    level: Level | None,
    systems: tuple[str, ...],
    audiences: tuple[str, ...],
    source: str,
    rule_name: str | None,
    texts: Mapping[str, str],
    rules: Iterable[MappingRule],
) -> Classification:
    """Fill systems and audiences the source left out from a matching rule of the same category."""
    if not (systems and audiences):
        for rule in rules:
            if rule.category == category and rule.matches(texts):
                systems = systems or rule.systems
                audiences = audiences or rule.audiences
                rule_name = rule.name
                break
    return Classification(
        category=category,
        level=level or DEFAULT_LEVELS[category],
        systems=systems,
        audiences=audiences,
        source=source,
        rule=rule_name,
    )
