"""Classification: explicit beats CATEGORIES beats mapping beats the default."""

from __future__ import annotations

import pytest

from calendars.classify import classify, split_list
from calendars.errors import CalendarError
from calendars.mapping import parse_mapping
from calendars.model import Category, Level


@pytest.mark.parametrize(
    ("summary", "category", "rule"),
    [
        ("Month-end closing November", Category.MONTH_END_CLOSE, "month end"),
        ("Monatsabschluss 11/2026", Category.MONTH_END_CLOSE, "month end"),
        ("Year-end close FY2026", Category.YEAR_END, "year end"),
        ("Jahresabschluss", Category.YEAR_END, "year end"),
        ("Q4 close", Category.QUARTER_END, "quarter end"),
        ("Inventur Lager Nord", Category.INVENTORY_COUNT, "inventory"),
        ("Stocktake", Category.INVENTORY_COUNT, "inventory"),
        ("Payroll run", Category.PAYROLL, "payroll"),
        ("Lohnlauf Dezember", Category.PAYROLL, "payroll"),
        ("External audit (KPMG)", Category.AUDIT, "audit"),
        ("S/4HANA go-live", Category.GO_LIVE, "go-live"),
    ],
)
def test_builtin_rules_recognise_english_and_german(
    summary: str, category: Category, rule: str
) -> None:
    found = classify({"summary": summary})

    assert (found.category, found.source, found.rule) == (category, "mapping", rule)


def test_unmatched_event_is_custom_at_elevated() -> None:
    found = classify({"summary": "Team lunch"})

    assert (found.category, found.level, found.source) == (
        Category.CUSTOM,
        Level.ELEVATED,
        "default",
    )


def test_explicit_category_beats_categories_and_mapping() -> None:
    found = classify({"summary": "Payroll run"}, category="audit", categories=["inventory_count"])

    assert (found.category, found.level, found.source) == (
        Category.AUDIT,
        Level.ELEVATED,
        "property",
    )


def test_categories_tag_in_readable_form() -> None:
    found = classify({"summary": "Lager"}, categories=["Work", "Inventory Count"])

    assert (found.category, found.source) == (Category.INVENTORY_COUNT, "categories")


def test_explicit_level_wins_over_the_category_default() -> None:
    assert classify({"summary": "Go-live"}, level="elevated").level == Level.ELEVATED


@pytest.mark.parametrize(("field", "value"), [("category", "closing"), ("level", "extreme")])
def test_unknown_explicit_values_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=value):
        classify({"summary": "x"}, **{field: value})


def test_user_mapping_comes_first_and_supplies_systems() -> None:
    rules = parse_mapping(
        """
        - name: SAP closing
          pattern: "FI/CO"
          fields: [location]
          category: month_end_close
          level: critical
          systems: [sap-fi]
          audiences: [finance]
        """
    )

    found = classify({"summary": "Payroll", "location": "SAP FI/CO"}, rules=rules)

    assert found.rule == "SAP closing"
    assert (found.level, found.systems, found.audiences) == (
        Level.CRITICAL,
        ("sap-fi",),
        ("finance",),
    )


def test_mapping_fills_systems_for_an_explicit_category() -> None:
    rules = parse_mapping("- {pattern: inventur, category: inventory_count, systems: [wms]}")

    found = classify({"summary": "Inventur"}, categories=["inventory_count"], rules=rules)

    assert (found.source, found.systems) == ("categories", ("wms",))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- {pattern: x}", "missing category"),
        ("- {pattern: '(', category: audit}", "invalid pattern"),
        ("- {pattern: x, category: audit, colour: red}", "unknown key"),
        ("- {pattern: x, category: closing}", "unknown category"),
        ("- {pattern: x, category: audit, fields: [title]}", "unknown field"),
        ("pattern: [", "not valid YAML"),
        ("just text", "must be a list"),
    ],
)
def test_bad_mapping_is_refused_clearly(text: str, fragment: str) -> None:
    with pytest.raises(CalendarError, match=fragment):
        parse_mapping(text)


def test_split_list_accepts_commas_and_semicolons() -> None:
    assert split_list(" sap-fi, crm ;wms ,") == ("sap-fi", "crm", "wms")
