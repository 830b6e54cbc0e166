"""``closewatch lint``: the tone linter over notice templates and rendered messages.

What a file is follows from its name: ``.eml`` is a rendered email (subject
from its header, body from its text part, else its HTML part), ``subject.txt``
and ``*.subject.txt`` a subject alone, ``.html`` an HTML body, anything else a
text body. A notice's kind comes from ``--kind``, else from the path
(``templates/notices/en/incident/body.txt`` is an incident notice).

Every file is read before any is linted, so a file that cannot be read stops
the run (exit status 2) before any output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.common import FILE, UsageProblem, read_file, read_text, say
from notifiers.kinds import KINDS

if TYPE_CHECKING:
    from notifiers.linter import Finding, LintConfig


@dataclass(frozen=True, slots=True)
class _Notice:
    path: Path
    subject: str | None
    body: str
    html: bool
    kind: str | None
    subject_only: bool = False


@click.command()
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=FILE)
@click.option(
    "--kind", metavar="KIND", help=f"The notice kind ({', '.join(KINDS)}); default: from the path."
)
@click.option(
    "--jargon",
    metavar="FILE",
    type=FILE,
    help="A file with one jargon word per line; replaces the built-in list.",
)
@click.option(
    "--also",
    metavar="WORD",
    multiple=True,
    help="A word to add to the jargon list; may be given more than once.",
)
@click.option(
    "--contact",
    metavar="NAME",
    help="The IT contact every notice must name (for rendered messages).",
)
def lint(
    files: tuple[Path, ...],
    kind: str | None,
    jargon: Path | None,
    also: tuple[str, ...],
    contact: str | None,
) -> None:
    """Check notices against the voice rules; one line per finding, exit status 1 if any.

    Each FILE is a template or rendered message: .eml, .html, subject.txt, other text."""
    if kind is not None and kind not in KINDS:
        raise UsageProblem(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    config = _config(jargon, also)
    notices = [_read(path, kind) for path in files]
    dirty = False
    for notice in notices:
        findings = _lint(notice, contact, config)
        for finding in findings:
            say(_format(notice.path, finding))
        if not findings:
            say(f"{notice.path}: clean")
        dirty = dirty or bool(findings)
    if dirty:
        raise click.exceptions.Exit(1)


def _config(jargon_file: Path | None, also: tuple[str, ...]) -> LintConfig:
    from notifiers.linter import DEFAULT_JARGON, LintConfig

    words = DEFAULT_JARGON
    if jargon_file is not None:
        lines = (line.strip() for line in read_text(jargon_file).splitlines())
        words = tuple(line for line in lines if line and not line.startswith("#"))
        try:
            LintConfig(jargon=words)
        except ValueError as error:
            raise UsageProblem(f"{jargon_file}: {error}") from None
    try:
        return LintConfig(jargon=(*words, *also))
    except ValueError as error:
        raise UsageProblem(f"--also: {error}") from None


def _read(path: Path, kind: str | None) -> _Notice:
    kind = kind or _kind_from_path(path)
    name = path.name.lower()
    if name.endswith(".eml"):
        return _read_email(path, kind)
    if name == "subject.txt" or name.endswith(".subject.txt"):
        return _Notice(path, read_text(path), "", html=False, kind=None, subject_only=True)
    html = name.endswith((".html", ".htm"))
    return _Notice(path, None, read_text(path), html=html, kind=kind)


def _read_email(path: Path, kind: str | None) -> _Notice:
    import email
    import email.policy
    from email.message import EmailMessage

    message = email.message_from_bytes(read_file(path), policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # what the default policy makes
    subject = message["subject"]
    part = message.get_body(preferencelist=("plain",))
    html = part is None
    if part is None:
        part = message.get_body(preferencelist=("html",))
    try:
        body = part.get_content() if part is not None else ""
    except (LookupError, ValueError) as error:
        raise UsageProblem(f"{path}: the message body cannot be decoded ({error})") from None
    return _Notice(path, None if subject is None else str(subject), body, html=html, kind=kind)


def _kind_from_path(path: Path) -> str | None:
    """The deepest path part naming a kind: a directory, or the file's name up to its first dot."""
    parts = [*path.absolute().parts[:-1], path.name.split(".")[0]]
    return next((part for part in reversed(parts) if part in KINDS), None)


def _lint(notice: _Notice, contact: str | None, config: LintConfig) -> list[Finding]:
    from notifiers.linter import lint_message

    if notice.subject_only:
        return lint_message(notice.subject, "", config=config)
    return lint_message(
        notice.subject,
        notice.body,
        kind=notice.kind,
        contact_name=contact,
        html=notice.html,
        config=config,
    )


def _format(path: Path, finding: Finding) -> str:
    where = f"{path}: subject" if finding.line == 0 else f"{path}:{finding.line}"
    return f"{where}: {finding.rule}: {finding.message}"
