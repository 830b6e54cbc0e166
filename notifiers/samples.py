"""A sample context for every notice kind, in English and German.

Uploaded templates are tried on it before they are stored (see
:mod:`notifiers.validation`), and the previews and tests render with it.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from notifiers.categories import CATEGORY_LABELS
from notifiers.languages import FALLBACK_LANGUAGE, template_language

_PROBLEM_AT = datetime(2026, 11, 27, 9, 5, tzinfo=UTC)

SAMPLE_CONTEXT: dict[str, Any] = {
    "reader": {"name": "Anna Schmidt", "language": "en", "timezone": "Europe/Berlin"},
    "audience": {"name": "Accounts payable"},
    "contact": {
        "name": "Dana Weber",
        "email": "dana.weber@example.com",
        "phone": "+49 30 1234 5678",
        "chat": "@dana.weber",
    },
    "period": {
        "title": "November closing",
        "category": "month_end_close",
        "category_label": "month-end closing",
        "level": "high",
    },
    # All-day 27-30 November in Berlin: [27 Nov 00:00, 1 Dec 00:00) local.
    "occurrence": {
        "start": datetime(2026, 11, 26, 23, 0, tzinfo=UTC),
        "end": datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
        "started": False,  # written before the occurrence began
    },
    "systems": [
        {"name": "sap-fi", "plain_name": "the invoicing system"},
        {"name": "bank-gw", "plain_name": "online banking for payments"},
        {"name": "fs-finance", "plain_name": "the finance shared drive"},
    ],
    "status": {
        "checks_run": 4320,
        "checks_failed": 6,
        "availability_percent": 99.8,
        "problems": [
            {
                "system": "the invoicing system",
                "what": "invoices could not be saved",
                "started": _PROBLEM_AT,
                "fixed": _PROBLEM_AT + timedelta(minutes=12),
                "minutes_to_fix": 12,
            }
        ],
    },
    "incident": {
        "title": "The invoicing system is not responding",
        "what_happened": "The invoicing system stops responding when you save an invoice.",
        "affected": "closing the month",
        "handler": {"name": "Jonas Berg"},
        "next_update": datetime(2026, 11, 27, 13, 30, tzinfo=UTC),
        "summary": "A full disk stopped the invoicing system from saving invoices; "
        "we have made room and it now warns us long before it fills up.",
        "what_you_can_do": "Invoices you already saved are safe; keep new ones as drafts for now.",
    },
    "maintenance": {
        "start": datetime(2026, 12, 5, 21, 0, tzinfo=UTC),
        "end": datetime(2026, 12, 5, 23, 0, tzinfo=UTC),
        "reason": "we install the invoicing system's yearly update",
    },
    "links": {
        "feedback_sorted": "https://closewatch.example.com/f/7Qx2?answer=sorted",
        "feedback_problem": "https://closewatch.example.com/f/7Qx2?answer=problem",
        "feedback_rating": "https://closewatch.example.com/f/7Qx2/rate",
        "unsubscribe": "https://closewatch.example.com/u/7Qx2",
        "report_problem": "https://closewatch.example.com/report/ap",
        "status_page": "https://closewatch.example.com/status/ap",
    },
}

_KIND_EXTRAS = {
    "heads_up": (),
    "daily_status": ("status",),
    "wrap_up": ("status",),
    "incident": ("incident",),
    "update": ("incident",),
    "resolved": ("incident",),
    "subscribe": ("subscriber",),  # and no period: it is about systems, not a period
    "maintenance": ("maintenance",),
}
_SUBSCRIPTION = {"expires": datetime(2026, 11, 29, 14, 30, tzinfo=UTC)}
_CONFIRM_LINK = "https://closewatch.example.com/subscribe/confirm/7Qx2"


# The same sample in German words, so German overrides are tried on German text.
_SAMPLE_DE: dict[str, Any] = {
    "systems": ["das Rechnungssystem", "das Online-Banking für Zahlungen", "das Finanzlaufwerk"],
    "problem": {"system": "das Rechnungssystem", "what": "Rechnungen ließen sich nicht speichern"},
    "incident": {
        "title": "Das Rechnungssystem reagiert nicht",
        "what_happened": "Das Rechnungssystem reagiert nicht, wenn Sie eine Rechnung speichern.",
        "affected": "den Monatsabschluss",
        "summary": "Eine volle Festplatte hat das Speichern von Rechnungen verhindert; "
        "wir haben Platz geschaffen, und das System warnt uns jetzt rechtzeitig.",
        "what_you_can_do": "Gespeicherte Rechnungen sind sicher; legen Sie neue bitte vorerst "
        "als Entwurf an.",
    },
    "maintenance_reason": "wir spielen das jährliche Update des Rechnungssystems ein",
    "resolved_what_you_can_do": "Sie können wieder Rechnungen anlegen und versenden; bitte "
    "prüfen Sie die, die Sie heute Nachmittag gespeichert haben.",
}
_RESOLVED_WHAT_YOU_CAN_DO = (
    "You can create and send invoices again; please check any you saved this afternoon."
)


def sample_context(
    kind: str | None = None, *, language: str = "en", sparse: bool = False
) -> dict[str, Any]:
    """A fresh copy of :data:`SAMPLE_CONTEXT`, with only what ``kind`` receives.

    ``language`` "de" gives German labels and texts. ``sparse`` empties what may be
    empty: the links, the contact's phone and chat, the reader's name, the
    problems, what the reader can do.
    """
    ctx = copy.deepcopy(SAMPLE_CONTEXT)
    lang = template_language(language)
    ctx["reader"]["language"] = language
    labels = CATEGORY_LABELS.get(lang, CATEGORY_LABELS[FALLBACK_LANGUAGE])
    ctx["period"]["category_label"] = labels[ctx["period"]["category"]]
    ctx["incident"]["what_you_can_do"] = (
        _RESOLVED_WHAT_YOU_CAN_DO if kind == "resolved" else (ctx["incident"]["what_you_can_do"])
    )
    if lang == "de":
        for system, plain_name in zip(ctx["systems"], _SAMPLE_DE["systems"], strict=True):
            system["plain_name"] = plain_name
        ctx["status"]["problems"][0].update(_SAMPLE_DE["problem"])
        ctx["incident"].update(_SAMPLE_DE["incident"])
        ctx["maintenance"]["reason"] = _SAMPLE_DE["maintenance_reason"]
        if kind == "resolved":
            ctx["incident"]["what_you_can_do"] = _SAMPLE_DE["resolved_what_you_can_do"]
    if kind == "maintenance":  # a window is work on one system
        ctx["systems"] = ctx["systems"][:1]
    if kind is not None:
        for extra in ("status", "incident", "maintenance"):
            if extra not in _KIND_EXTRAS[kind]:
                del ctx[extra]
    if kind == "subscribe":
        del ctx["period"], ctx["occurrence"]
        ctx["subscription"] = copy.deepcopy(_SUBSCRIPTION)
        # Nothing to leave or answer yet: the one link confirms.
        ctx["links"] = dict.fromkeys(ctx["links"], "") | {"confirm": _CONFIRM_LINK}
    if sparse:
        ctx["links"] = dict.fromkeys(ctx["links"], "")
        ctx["contact"].update(phone="", chat="")
        ctx["reader"]["name"] = ""
        if "status" in ctx:
            ctx["status"].update(problems=[], checks_failed=0, availability_percent=None)
        if "incident" in ctx:
            ctx["incident"]["what_you_can_do"] = ""
    return ctx


def sample_merged_context(
    language: str = "en", *, kinds: tuple[str, ...] = ("wrap_up", "heads_up")
) -> dict[str, Any]:
    """A message carrying several planned notices: by default November's closing just
    ended and the payroll run comes next (see :meth:`NoticeRenderer.render_merged`)."""
    lang = template_language(language)
    labels = CATEGORY_LABELS.get(lang, CATEGORY_LABELS[FALLBACK_LANGUAGE])
    notices = []
    for number, kind in enumerate(kinds):
        part = sample_context(kind, language=language)
        if number % 2:  # every other part is the payroll run, a week later
            part["period"].update(title="December payroll", category="payroll",
                                  category_label=labels["payroll"])  # fmt: skip
            part["occurrence"] = {
                key: value + timedelta(days=7) if isinstance(value, datetime) else value
                for key, value in part["occurrence"].items()
            }
        notices.append({
            "kind": kind,
            "name": part["period"]["category_label"],
            **{key: part.get(key, {}) for key in ("period", "occurrence", "systems", "status")},
            "links": {name: part["links"][name] for name in
                      ("feedback_sorted", "feedback_problem", "feedback_rating")},
        })  # fmt: skip
    ctx = sample_context(language=language)
    shared = {key: ctx[key] for key in ("reader", "audience", "contact")}
    shared["links"] = {
        name: ctx["links"][name] for name in ("report_problem", "status_page", "unsubscribe")
    }
    return {**shared, "notices": notices}
