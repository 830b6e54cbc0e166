"""The public problem-report form: what were you doing, what did you see, since when.

No sign-in: anyone who can reach closewatch can tell IT about a problem, so
each address may send only a few reports in a while, counted from those
stored. A report is stored first and then sent on to the helpdesk through the
outbox, marked with the critical period active at the time as the reason for
urgency. Pages show systems by their plain names only, and never anything
technical; what the reporter typed is shown escaped and sent as plain text.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from calendars import Level
from calendars.text import without_unwanted
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, ProblemReport
from monitor.notices.report import REPORT
from notifiers.render import CATEGORY_LABELS

router = APIRouter(include_in_schema=False)

RATE_LIMIT = 5  # reports from one address ...
RATE_WINDOW = timedelta(minutes=10)  # ... in this long
REFERENCE_CHARACTERS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read out
HELPDESK_AUDIENCE = "helpdesk"

# (form field, question as the reader sees it, longest answer kept, several lines allowed)
QUESTIONS = (
    ("doing", "What were you doing?", 2000, True),
    ("seen", "What did you see?", 2000, True),
    ("since", "Since when?", 200, False),
    ("name", "Your name", 200, False),
    ("contact", "How can IT reach you?", 320, False),
)
# Control characters, and the invisible marks that reorder text on screen.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Now:
    """What the page needs to know about the moment: the critical period, the systems."""

    period_words: str  # "month-end closing", for the reporter; empty when none is on
    period_title: str  # the periods' own titles, for the helpdesk
    systems: list[str]  # plain names


def clean(value: object, limit: int, *, lines: bool) -> str:
    """The answer as typed, without control characters, at most ``limit`` characters."""
    text = value if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not lines:
        text = " ".join(text.split())
    text = _UNWANTED.sub("", text).replace("\t", " ")
    return text.strip()[:limit]


def new_reference() -> str:
    return "CW-" + "".join(secrets.choice(REFERENCE_CHARACTERS) for _ in range(6))


def _now(request: Request) -> Now:
    state = state_of(request)
    loaded = state.intensity.current()
    titles: list[str] = []
    words: list[str] = []
    for segment in loaded.index.all_at(state.clock()).values():
        if segment.level <= Level.NORMAL:
            continue
        for cause in segment.causes:
            label = CATEGORY_LABELS["en"].get(cause.category)
            said = cause.title if label is None or cause.category == "custom" else label
            titles += [cause.title] if cause.title not in titles else []
            words += [said] if said not in words else []
    systems = sorted(set(loaded.systems.values()), key=str.casefold)
    # Titles become the helpdesk's subject: nothing stored before titles were cleaned may ring.
    return Now(_plain_list(words), without_unwanted("; ".join(titles))[:500], systems)


def _plain_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _page(request: Request, status: int = 200, **context: object) -> HTMLResponse:
    html = (
        state_of(request)
        .pages.get_template("pages/report.html")
        .render(questions=QUESTIONS, **context)
    )
    return HTMLResponse(html, status_code=status)


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request) -> HTMLResponse:
    now = _now(request)
    return _page(request, now=now, answers={}, missing=[])


@router.post("/report", response_class=HTMLResponse)
async def report_problem(request: Request) -> HTMLResponse:
    form = await request.form()
    answers = {field: clean(form.get(field), limit, lines=lines)
               for field, _question, limit, lines in QUESTIONS}  # fmt: skip
    now = await run_in_threadpool(_now, request)
    system = clean(form.get("system"), 200, lines=False)
    answers["system"] = system if system in now.systems else ""
    missing = [field for field, _question, _limit, _lines in QUESTIONS if not answers[field]]
    if missing:
        return _page(request, 400, now=now, answers=answers, missing=missing)
    client = (request.client.host if request.client else "")[:64]
    reference = await run_in_threadpool(_store, request, answers, now.period_title, client)
    if reference is None:
        return _page(request, 429, now=now, answers=answers, missing=[], too_many=True)
    return _page(request, now=now, answers=answers, missing=[], reference=reference)


def _store(request: Request, answers: dict[str, str], period: str, client: str) -> str | None:
    """Store the report and queue it for the helpdesk; None when the address sent too many."""
    state = state_of(request)
    at: datetime = state.clock()
    helpdesk: str | None = state.settings.helpdesk
    with session_scope(state.engine) as session:
        recent = session.execute(
            select(func.count()).select_from(ProblemReport)
            .where(col(ProblemReport.client) == client, col(ProblemReport.at) > at - RATE_WINDOW)
        ).scalar_one()  # fmt: skip
        if recent >= RATE_LIMIT:
            return None
        reference = new_reference()
        while session.execute(
            select(col(ProblemReport.id)).where(col(ProblemReport.reference) == reference)
        ).first():
            reference = new_reference()
        report = ProblemReport(reference=reference, critical_period=period, client=client, at=at,
                               name=answers["name"], contact=answers["contact"], doing=answers["doing"],
                               seen=answers["seen"], since=answers["since"], system=answers["system"])  # fmt: skip
        session.add(report)
        session.flush()
        if helpdesk:
            session.add(Delivery(
                dedupe_key=f"{REPORT}/{report.id}", kind=REPORT,
                channel="chat" if "://" in helpdesk else "email", audience=HELPDESK_AUDIENCE,
                recipient_name="Helpdesk", recipient_address=helpdesk,
                due_at=at, first_due_at=at, created_at=at, updated_at=at,
            ))  # fmt: skip
        return reference
