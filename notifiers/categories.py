"""The kinds of critical period in the reader's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.lists import format_list

from notifiers.languages import FALLBACK_LANGUAGE, babel_locale, template_language

# Plain noun phrases: "Month-end closing starts on ...", "ist bei Ihnen Inventur".
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "month_end_close": "month-end closing",
        "quarter_end": "quarter-end closing",
        "year_end": "year-end closing",
        "inventory_count": "inventory counting",
        "payroll": "the payroll run",
        "audit": "the audit",
        "go_live": "the switch to the new system",
        "custom": "the busy period",
    },
    "de": {
        "month_end_close": "Monatsabschluss",
        "quarter_end": "Quartalsabschluss",
        "year_end": "Jahresabschluss",
        "inventory_count": "Inventur",
        "payroll": "Lohnabrechnung",
        "audit": "Audit",
        "go_live": "Systemumstellung",
        "custom": "Hochbetrieb",
    },
}


# The work a period is, as the object of "It affects ..." / "Das betrifft ...": what an
# incident holds up, in the reader's words, rather than the system that failed.
CATEGORY_WORK: dict[str, dict[str, str]] = {
    "en": {
        "month_end_close": "closing the month",
        "quarter_end": "closing the quarter",
        "year_end": "closing the year",
        "inventory_count": "the inventory count",
        "payroll": "the payroll run",
        "audit": "the audit",
        "go_live": "the switch to the new system",
        "custom": "your work in these busy days",
    },
    "de": {
        "month_end_close": "den Monatsabschluss",
        "quarter_end": "den Quartalsabschluss",
        "year_end": "den Jahresabschluss",
        "inventory_count": "die Inventur",
        "payroll": "die Lohnabrechnung",
        "audit": "das Audit",
        "go_live": "die Systemumstellung",
        "custom": "Ihre Arbeit in diesen vollen Tagen",
    },
}
# When no period is behind an incident: the work with the system, which the notice names.
WORK_WITH_SYSTEM = {"en": "your work with {system}", "de": "Ihre Arbeit mit diesem System"}


def work_of(categories: list[str], lang: str, *, system: str) -> str:
    """The work these categories of period stand for, in ``lang`` ("closing the month and
    the payroll run"); with none, the work with ``system``."""
    language = template_language(lang)
    works = CATEGORY_WORK.get(language, CATEGORY_WORK[FALLBACK_LANGUAGE])
    found = list(dict.fromkeys(works.get(category, works["custom"]) for category in categories))
    if found:
        return format_list(found, locale=babel_locale(lang if language in CATEGORY_WORK else "en"))
    fallback = WORK_WITH_SYSTEM.get(language, WORK_WITH_SYSTEM[FALLBACK_LANGUAGE])
    return fallback.format(system=system)


def with_category_label(context: Mapping[str, Any], lang: str) -> dict[str, Any]:
    ctx = dict(context)
    period = ctx.get("period")
    if isinstance(period, Mapping) and not period.get("category_label"):
        labels = CATEGORY_LABELS.get(template_language(lang), CATEGORY_LABELS[FALLBACK_LANGUAGE])
        category = period.get("category") or "custom"
        ctx["period"] = {**period, "category_label": labels.get(category, labels["custom"])}
    return ctx
