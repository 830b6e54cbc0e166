"""Mapping rules from a YAML or JSON document.

```yaml
- name: SAP closing                # optional, defaults to the pattern
  pattern: "SAP|FI/CO"             # case-insensitive regular expression
  fields: [summary, location]      # optional: summary, description, location
  category: month_end_close
  level: critical                  # optional: else the category's default
  systems: [sap-fi]
  audiences: [finance]
```
The rules are tried in order, before the built-in English and German ones.
"""

from __future__ import annotations

from typing import Any

from calendars.classify import DEFAULT_RULES, MappingRule
from calendars.errors import CalendarError
from calendars.tidy import NAME_LENGTH
from calendars.yamldoc import DocumentError, load_data

_KEYS = {"name", "pattern", "fields", "category", "level", "systems", "audiences"}


def parse_mapping(text: str) -> tuple[MappingRule, ...]:
    """The user's rules followed by the built-in ones."""
    try:
        document = load_data(text)
    except DocumentError as exc:
        raise CalendarError(f"mapping: {exc}", line=exc.line) from None
    if document is None:
        return DEFAULT_RULES
    if isinstance(document, dict) and "rules" in document:
        document = document["rules"]
    if not isinstance(document, list):
        raise CalendarError("mapping must be a list of rules")
    return tuple(_rule(index, entry) for index, entry in enumerate(document, 1)) + DEFAULT_RULES


def _rule(index: int, entry: Any) -> MappingRule:
    where = f"mapping rule {index}"
    if not isinstance(entry, dict):
        raise CalendarError("each rule must be a mapping with pattern and category", event=where)
    unknown = set(entry) - _KEYS
    if unknown:
        raise CalendarError(f"unknown key(s) {', '.join(sorted(unknown))}", event=where)
    missing = {"pattern", "category"} - set(entry)
    if missing:
        raise CalendarError(f"missing {', '.join(sorted(missing))}", event=where)
    name = str(entry.get("name") or "")
    if len(name) > NAME_LENGTH:
        raise CalendarError(f"name is {len(name):,} characters long; at most {NAME_LENGTH} fit", event=where)  # fmt: skip
    try:
        return MappingRule.build(
            name or str(entry["pattern"])[:NAME_LENGTH],
            str(entry["pattern"]),
            str(entry["category"]),
            level=entry.get("level"),
            systems=[str(s) for s in entry.get("systems") or ()],
            audiences=[str(a) for a in entry.get("audiences") or ()],
            fields=entry.get("fields") or ("summary", "description", "location"),
        )
    except ValueError as exc:
        raise CalendarError(str(exc), event=where) from None
