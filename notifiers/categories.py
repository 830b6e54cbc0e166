"""The kinds of critical period in the reader's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notifiers.languages import FALLBACK_LANGUAGE, template_language

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


def with_category_label(context: Mapping[str, Any], lang: str) -> dict[str, Any]:
    ctx = dict(context)
    period = ctx.get("period")
    if isinstance(period, Mapping) and not period.get("category_label"):
        labels = CATEGORY_LABELS.get(template_language(lang), CATEGORY_LABELS[FALLBACK_LANGUAGE])
        category = period.get("category") or "custom"
        ctx["period"] = {**period, "category_label": labels.get(category, labels["custom"])}
    return ctx
