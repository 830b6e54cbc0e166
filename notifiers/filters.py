"""The Jinja filters notice templates use, in the reader's zone and language.

``date`` ("Friday, 27 November" / "Freitag, 27. November"), ``time`` ("14:30"),
``datetime`` (both), ``weekday``, ``until`` (the last day of an exclusive end: an end
at local midnight shows the day before, otherwise the day and the time), ``minutes``
("12 minutes" / "12 Minuten"), ``number`` ("4,320" / "4.320"), ``plain_list`` ("A, B
and C" / "A, B und C"; takes strings or systems, skips empty items; ``plain_list("or")``
for "A, B or C"), ``capfirst``, ``shorten(width)`` (one line of at most ``width``
characters without closing punctuation, cut at a word with "…": for subjects that
must fit 78 characters with a time after them). When the reader's language has no templates, they
format in the language the templates are written in (see :mod:`notifiers.languages`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_unit

from notifiers.languages import FALLBACK_LANGUAGE, babel_locale, template_language

_DATE_PATTERNS = {"en": "EEEE, d MMMM", "de": "EEEE, d. MMMM"}
# Set by render when the reader's language has no templates: the filters then format in
# the language the templates are written in (see notifiers.languages).
FORMAT_LANGUAGE = "_format_language"


def _reader(ctx: jinja2.runtime.Context) -> tuple[ZoneInfo, str]:
    reader = ctx.get("reader") or {}
    language = ctx.get(FORMAT_LANGUAGE) or reader.get("language") or FALLBACK_LANGUAGE
    return ZoneInfo(reader.get("timezone") or "UTC"), language


def _local(ctx: jinja2.runtime.Context, value: datetime) -> tuple[datetime, str]:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: times in a context must be aware")
    zone, language = _reader(ctx)
    return value.astimezone(zone), language


def _format_day(day: date, language: str) -> str:
    pattern = _DATE_PATTERNS.get(template_language(language))
    if pattern is None:
        return format_skeleton("MMMMEEEEd", day, locale=babel_locale(language))
    return format_date(day, pattern, locale=babel_locale(language))


@jinja2.pass_context
def _date_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local, language = _local(ctx, value)
    return _format_day(local.date(), language)


@jinja2.pass_context
def _time_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local, language = _local(ctx, value)
    return format_time(local, "HH:mm", locale=babel_locale(language))


@jinja2.pass_context
def _datetime_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    return f"{_date_filter(ctx, value)}, {_time_filter(ctx, value)}"


@jinja2.pass_context
def _weekday_filter(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local, language = _local(ctx, value)
    return format_date(local.date(), "EEEE", locale=babel_locale(language))


@jinja2.pass_context
def _until_filter(ctx: jinja2.runtime.Context, end: datetime) -> str:
    local, language = _local(ctx, end)
    if local.time() == datetime.min.time():
        return _format_day(local.date() - timedelta(days=1), language)
    return _datetime_filter(ctx, end)


@jinja2.pass_context
def _minutes_filter(ctx: jinja2.runtime.Context, value: int) -> str:
    _, language = _reader(ctx)
    return format_unit(value, "duration-minute", length="long", locale=babel_locale(language))


@jinja2.pass_context
def _number_filter(ctx: jinja2.runtime.Context, value: float) -> str:
    _, language = _reader(ctx)
    return format_decimal(value, locale=babel_locale(language))


@jinja2.pass_context
def _plain_list_filter(
    ctx: jinja2.runtime.Context, items: Iterable[Any], style: str = "standard"
) -> str:
    _, language = _reader(ctx)
    names = [
        str(item.get("plain_name") or item.get("name") or "")
        if isinstance(item, Mapping)
        else str(item)
        for item in items
    ]
    names = [name for name in names if name]
    if not names:
        return ""
    return format_list(
        names, style="or" if style == "or" else "standard", locale=babel_locale(language)
    )


# What ends a sentence or a clause: dropped before a subject goes on (no ".:" or ".;").
_CLOSING_PUNCTUATION = " .,;:!?\u2013-"  # \u2013: an en dash
_SHORTEST = 12  # never shortened to less than this: a word or two must remain


def _shorten(value: str, width: int = 78) -> str:
    text = " ".join(str(value).split()).rstrip(_CLOSING_PUNCTUATION)
    width = max(int(width), _SHORTEST)
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut[_SHORTEST // 2 :]:  # at a word, unless that leaves almost nothing
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(_CLOSING_PUNCTUATION) + "…"


def _capfirst(value: str) -> str:
    value = str(value)
    return value[:1].upper() + value[1:]


FILTERS: dict[str, Callable[..., Any]] = {
    "date": _date_filter,
    "time": _time_filter,
    "datetime": _datetime_filter,
    "weekday": _weekday_filter,
    "until": _until_filter,
    "minutes": _minutes_filter,
    "number": _number_filter,
    "plain_list": _plain_list_filter,
    "capfirst": _capfirst,
    "shorten": _shorten,
}
