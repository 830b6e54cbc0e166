"""The tone linter: checks a notice (a template or a rendered message) against VOICE.md.

``lint_message`` takes a subject and a body and returns findings sorted by
line (line 0 is the subject, body lines count from 1). It reads plain text,
Jinja2 templates and HTML; Jinja2 tags (``{{ }}``, ``{% %}``, ``{# #}``) never
trigger a finding themselves, and in HTML only the visible text counts.

Rules: ``jargon``, ``apology``, ``contact``, ``next-update`` (incident and
update notices), ``subject-length`` and ``length``.

``contact``: a template must use ``{{ contact.name }}``; a finished message must
name ``contact_name`` when it is given, and whether or not it is, must not be
signed by a team alone ("Regards, IT", "Your IT team", "Ihr IT-Team").

A jargon entry is a word or phrase, matched as a whole word with an optional
plural "s": case-insensitively when written in lower case ("kernel"), exactly
otherwise ("SLA", "Basis"). An entry starting with ``re:`` is a regular
expression, matched as a whole word and case-sensitively unless it says
otherwise (``(?i:...)``).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from functools import lru_cache

DEFAULT_JARGON: tuple[str, ...] = (
    "SLA", "RFC", "kernel", "latency", "deadlock", "DNS", "TLS", "SSL", "transport",
    "Basis", "timeout", "stack trace", "root cause", "P1", "P2",
    r"re:(?i:HTTP)(?:[ /-]?(?i:error|status|fehler))?[ :/-]?[45]\d\d",  # HTTP 500, HTTP 404
    r"re:(?i:error|fehler)[ :]+[45]\d\d",  # error 503
    r"re:[45]\d\d[ -](?i:errors?|fehler)",  # 500 error
    r"re:(?:INC|CHG|PRB|RITM|REQ|SCTASK|TASK)\d{5,}",  # ticket numbers: INC0012345
    r"re:[A-Z][A-Z0-9]+-\d+",  # issue keys: OPS-1234
)  # fmt: skip

INCIDENT_KINDS = frozenset({"incident", "update"})
EXPRESSION_WIDTH = 12  # a typical rendered {{ ... }}, for measuring templates


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    line: int  # 1-based body line; 0 means the subject
    message: str
    excerpt: str


@dataclass(frozen=True)
class LintConfig:
    jargon: tuple[str, ...] = DEFAULT_JARGON
    max_subject: int = 78
    max_body_lines: int = 25
    max_body_chars: int = 1200
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Compiled here so a bad entry fails when the config is made (ValueError).
        object.__setattr__(self, "_compiled", _compile_jargon(tuple(self.jargon)))


@lru_cache(maxsize=32)
def _compile_jargon(entries: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for entry in entries:
        if entry.startswith("re:"):
            try:
                pattern = re.compile(rf"(?<!\w)(?:{entry[3:]})(?!\w)")
            except re.error as error:
                raise ValueError(f"jargon entry {entry!r}: {error}") from None
        else:
            words = entry.split()
            if not words:
                continue
            body = r"\s+".join(re.escape(word) for word in words)
            flags = 0 if any(char.isupper() for char in entry) else re.IGNORECASE
            pattern = re.compile(rf"(?<!\w){body}s?(?!\w)", flags)
        compiled.append((entry, pattern))
    return tuple(compiled)


_NOUNS = r"(?:inconveniences?|disruptions?|trouble|problems|issues)"
APOLOGIES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # we apologize / apologise / apologies / sorry / we regret ... any inconvenience (caused)
        rf"\b(?:apolog(?:i[sz]e|ies|y)|sorry|regret)\b[^.!?]{{0,40}}?\b(?:inconveniences?|any\s+{_NOUNS})\b"
        r"(?:\s+(?:this\s+)?(?:may\s+(?:have\s+)?)?(?:caused?|causing))?",
        r"\bthank\s+you\s+for\s+your\s+understanding\b",
        r"\b(?:entschuldig|bedauer|verzeih)\w*\b[^.!?]{0,50}?\bunannehmlichkeit(?:en)?\b",
        r"\bunannehmlichkeit(?:en)?\b[^.!?]{0,30}?\b(?:zu\s+)?entschuldigen\b",
        r"\b(?:wir\s+)?bitten\s+(?:sie\s+)?um\s+(?:ihr\s+|euer\s+)?(?:verständnis|nachsicht)\b",
        r"\b(?:vielen\s+)?dank\s+für\s+(?:ihr|euer)\s+verständnis\b",
    )
)

TIMES = re.compile(
    r"(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])"  # 14:30
    r"|\b(?:1[0-2]|0?[1-9])(?::[0-5]\d)?\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)"  # 2:30 pm, 2pm
    r"|\b(?:[01]?\d|2[0-3])(?:[.:][0-5]\d)?\s*Uhr\b"  # 14 Uhr, 14.30 Uhr
    r"|\b(?:noon|midnight|mittags)\b",
    re.IGNORECASE,
)

SINCE = re.compile(r"\b(?:since|seit)\s+(?:about\s+|etwa\s+|ca\.\s*)?$", re.IGNORECASE)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
NEXT_UPDATE_REF = re.compile(r"\bnext_update\b")
CONTACT_REF = re.compile(r"\bcontact\s*(?:\.\s*name\b|\[\s*['\"]name['\"]\s*\])")
# Link targets and addresses are not prose: "jira.example.com/browse/OPS-1" is no jargon.
ADDRESSES = re.compile(r"(?:https?://|mailto:|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HIDDEN_HTML = re.compile(
    r"<!--.*?-->|<(style|script|head|title)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE
)
TAG = re.compile(r"<[^>]*>")

_CLOSING = (r"(?:(?:best|kind|warm)\s+)?regards|best(?:\s+wishes)?|thanks|thank\s+you|cheers"
            r"|sincerely|(?:viele|beste|freundliche|liebe)\s+grüße|mit\s+freundlichen\s+grüßen"
            r"|grüße|gruß|danke|vielen\s+dank")  # fmt: skip
_TEAM = (r"(?:(?:your|the|ihr|ihre|euer|eure|das|die|vom|von)\s+)?"
         r"(?:it|edv)?(?:[\s-]*(?:team|support|service[\s-]*desk|help[\s-]*desk|helpdesk"
         r"|department|abteilung|operations|ops|administration))*")  # fmt: skip
# A sign-off that names a team and no one in it: "Regards, IT", "Your IT team", "Ihr IT-Team".
TEAM_SIGNOFF = re.compile(
    rf"^(?:(?:{_CLOSING})\s*[,.!]?\s*)?(?=\S)(?:{_TEAM})\s*[.!]?$", re.IGNORECASE
)
CLOSING_ALONE = re.compile(rf"^(?:{_CLOSING})\s*[,.!]?$", re.IGNORECASE)
FOOTER = re.compile(r"unsubscribe|no longer want|abmelden|nicht mehr erhalten", re.IGNORECASE)


def lint_message(
    subject: str | None,
    body: str,
    *,
    kind: str | None = None,
    contact_name: str | None = None,
    html: bool = False,
    config: LintConfig = LintConfig(),  # frozen, so sharing it is safe
) -> list[Finding]:
    """Every finding in SUBJECT (line 0) and BODY (lines from 1), sorted by line."""
    found: list[tuple[int, int, Finding]] = []  # (line, offset, finding) for a stable order
    if subject is not None:
        found += _lint_subject(" ".join(subject.split()), config)

    body = body.replace("\r\n", "\n").replace("\r", "\n")
    raw_lines = body.split("\n")
    is_template = JINJA.search(body) is not None
    prose = _visible(JINJA.sub(_blank, body), html)

    for line, offset, rule, message in _scan(prose, config):
        found.append((line, offset, Finding(rule, line, message, _excerpt(raw_lines[line - 1]))))

    tags = " ".join(match.group() for match in JINJA.finditer(body))
    if contact_name is not None:
        named = _squash(contact_name).casefold() in _squash(prose).casefold()
        if not named and not CONTACT_REF.search(tags):
            message = f"the notice does not name {contact_name}: sign it with the IT contact and a way to reach them"
            found.append(_whole_body("contact", message, raw_lines))
    elif is_template and not CONTACT_REF.search(tags):
        message = (
            "the template names no person: sign it with {{ contact.name }} and a way to reach them"
        )
        found.append(_whole_body("contact", message, raw_lines))
    elif not is_template and (signoff := _team_signoff(prose)) is not None:
        message = "the message is signed by a team, not a person: sign it with the IT contact's name and a way to reach them"
        found.append((signoff, 1 << 62, Finding("contact", signoff, message, _excerpt(raw_lines[signoff - 1]))))  # fmt: skip

    if kind in INCIDENT_KINDS and not _promises_time(prose) and not NEXT_UPDATE_REF.search(tags):
        message = f'an {kind} notice must say when the next update will come, e.g. "we\'ll write again by 14:30"'
        if is_template:
            message += " or {{ next_update | time }}"
        found.append((1, -1, Finding("next-update", 1, message, _excerpt(raw_lines[0]))))

    estimate_lines = _visible(JINJA.sub(_estimate, body), html).split("\n")
    found += _lint_length(estimate_lines, raw_lines, config)
    return [finding for _, _, finding in sorted(found, key=lambda item: item[:2])]


def _lint_subject(subject: str, config: LintConfig) -> list[tuple[int, int, Finding]]:
    found = []
    masked = JINJA.sub(_blank, subject)
    for _, offset, rule, message in _scan(masked, config):
        found.append((0, offset, Finding(rule, 0, message, subject)))
    measured = JINJA.sub(_estimate, subject)
    if len(measured) > config.max_subject:
        message = (
            f"subject is {len(measured)} characters, over {config.max_subject}: a phone cuts it off"
        )
        if measured != subject:
            message += f" (each {{{{ ... }}}} counted as {EXPRESSION_WIDTH} characters)"
        found.append((0, -1, Finding("subject-length", 0, message, subject)))
    return found


def _scan(text: str, config: LintConfig) -> list[tuple[int, int, str, str]]:
    """Jargon and apologies in TEXT: (line, offset, rule, message), overlaps dropped."""
    hits: list[tuple[int, int, str, str]] = []
    for _, pattern in config._compiled:
        for match in pattern.finditer(text):
            word = " ".join(match.group().split())
            message = f'"{word}" is jargon: say what it means for the reader\'s work'
            hits.append((match.start(), match.end(), "jargon", message))
    for pattern in APOLOGIES:
        for match in pattern.finditer(text):
            phrase = " ".join(match.group().split())
            message = f'"{phrase}" is a boilerplate apology: acknowledge the concrete effect on the reader\'s work instead'
            hits.append((match.start(), match.end(), "apology", message))
    kept: list[tuple[int, int, str, str]] = []
    for start, end, rule, message in sorted(hits, key=lambda hit: (hit[0], -hit[1])):
        if kept and start < kept[-1][1] and rule == kept[-1][2]:
            continue
        kept.append((start, end, rule, message))
    return [(text.count("\n", 0, start) + 1, start, rule, msg) for start, _, rule, msg in kept]


def _lint_length(
    lines: list[str], raw_lines: list[str], config: LintConfig
) -> list[tuple[int, int, Finding]]:
    found = []
    count = chars = 0
    too_many_lines = too_many_chars = 0
    for number, line in enumerate(lines, start=1):
        text = " ".join(line.split())
        if not text:
            continue
        count += 1
        chars += len(text)
        if count > config.max_body_lines and not too_many_lines:
            too_many_lines = number
        if chars > config.max_body_chars and not too_many_chars:
            too_many_chars = number
    if too_many_lines:
        message = f"body has {count} lines of text, more than {config.max_body_lines}: keep it to one phone screen"
        found.append((too_many_lines, -1, Finding("length", too_many_lines, message, _excerpt(raw_lines[too_many_lines - 1]))))  # fmt: skip
    if too_many_chars:
        message = f"body has {chars} characters of text, more than {config.max_body_chars}: keep it to one phone screen"
        found.append((too_many_chars, -1, Finding("length", too_many_chars, message, _excerpt(raw_lines[too_many_chars - 1]))))  # fmt: skip
    return found


def _whole_body(rule: str, message: str, raw_lines: list[str]) -> tuple[int, int, Finding]:
    """A finding about something missing: at the last line, where a signature goes."""
    line = max(len(raw_lines) - (raw_lines[-1] == ""), 1)
    return (
        line,
        1 << 62,
        Finding(rule, line, message, _excerpt(raw_lines[line - 1])),
    )  # after the rest


def _team_signoff(text: str) -> int | None:
    """The line of a sign-off that names a team and no person, or None.

    The sign-off is what follows the last closing ("Regards,") among the last lines
    before any unsubscribe footer, or without a closing the last line itself."""
    lines = [(number, " ".join(line.split())) for number, line in enumerate(text.split("\n"), 1)]
    lines = [(number, line) for number, line in lines if line]
    while lines and FOOTER.search(lines[-1][1]):
        lines.pop()
    tail = lines[-4:]
    closings = [i for i, (_number, line) in enumerate(tail) if CLOSING_ALONE.match(line)]
    signature = tail[closings[-1] + 1 :] if closings else tail[-1:]
    if not signature or any(not TEAM_SIGNOFF.match(line) for _number, line in signature):
        return None
    return signature[0][0]


def _promises_time(text: str) -> bool:
    """Whether TEXT states a time that is not merely when the trouble began ("since 9:00")."""
    return any(
        not SINCE.search(text, max(match.start() - 24, 0), match.start())
        for match in TIMES.finditer(text)
    )


def _visible(text: str, html: bool) -> str:
    """TEXT as the reader sees it, line for line: without addresses and, for HTML, tags."""
    if html:
        text = TAG.sub(_blank, HIDDEN_HTML.sub(_blank, text))
        text = "\n".join(htmllib.unescape(line).replace("\n", " ") for line in text.split("\n"))
    return ADDRESSES.sub(_blank, text)


def _blank(match: re.Match[str]) -> str:
    """The match as spaces, keeping its line breaks: offsets and lines stay put."""
    return re.sub(r"[^\n]", " ", match.group())


def _estimate(match: re.Match[str]) -> str:
    """A Jinja2 tag as roughly what it renders: an expression as 12 characters, else nothing."""
    width = EXPRESSION_WIDTH if match.group().startswith("{{") else 0
    return "x" * width + "\n" * match.group().count("\n")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _excerpt(line: str, width: int = 80) -> str:
    line = line.strip()
    return line if len(line) <= width else line[: width - 1] + "…"
