"""Reading the site file: every problem with its line, or the valid file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import ValidationError

from calendars.workdays import public_holidays
from calendars.yamldoc import Document, DocumentError, Problem, first_problem, load_document
from monitor.site.base import HOLIDAY_PROBE_YEAR
from monitor.site.file import EMPTY_SITE, SiteFile


def check_site(text: str) -> tuple[SiteFile | None, list[Problem]]:
    """The site file, or every problem found in it, each with its line."""
    try:
        document = load_document(text)
    except DocumentError as exc:
        return None, [Problem((), str(exc), exc.line)]
    if document.data is None:
        return EMPTY_SITE, []
    if not isinstance(document.data, dict):
        return None, [Problem((), "the site file is a mapping (systems, policy, ramps ...)", 1)]
    try:
        site = SiteFile.model_validate(document.data)
    except ValidationError as error:
        return None, _all_problems(error, document)
    problems = (
        _duplicates(site, document)
        + _audience_duplicates(site, document)
        + _holiday_problems(site, document)
    )
    return (None, problems) if problems else (site, [])


def load_site(text: str) -> SiteFile:
    """The site file; ValueError naming the first problem and its line."""
    site, problems = check_site(text)
    if problems or site is None:
        first = problems[0]
        where = f"line {first.line}: " if first.line else ""
        raise ValueError(f"{where}{first.where}: {first.message}")
    return site


def read_site_file(path: Path) -> SiteFile:
    """The site file at ``path``; ValueError naming the file, line and problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return load_site(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _all_problems(error: ValidationError, document: Document) -> list[Problem]:
    problems = []
    for index in range(len(error.errors())):
        single = ValidationError.from_exception_data(error.title, [error.errors()[index]])  # type: ignore[list-item]  # an ErrorDetails re-raised as the InitErrorDetails it came from
        problems.append(first_problem(single, document))
    return sorted(problems, key=lambda problem: problem.line or 0)


def _duplicates(site: SiteFile, document: Document) -> list[Problem]:
    problems = []
    counts = Counter(system.name for system in site.systems)
    for index, system in enumerate(site.systems):
        if counts[system.name] > 1:
            path: tuple[str | int, ...] = ("systems", index, "name")
            problems.append(
                Problem(
                    path,
                    f"system {system.name!r} is defined more than once",
                    document.line_of(path),
                )
            )
        names = Counter(check.name for check in system.checks)
        for position, check in enumerate(system.checks):
            if names[check.name] > 1:
                path = ("systems", index, "checks", position, "name")
                problems.append(
                    Problem(
                        path,
                        f"check {check.name!r} appears twice in {system.name!r}",
                        document.line_of(path),
                    )
                )
    return problems


def _audience_duplicates(site: SiteFile, document: Document) -> list[Problem]:
    counts = Counter(audience.name for audience in site.audiences)
    return [
        Problem(("audiences", index, "name"), f"audience {audience.name!r} is defined more than once",
                document.line_of(("audiences", index, "name")))
        for index, audience in enumerate(site.audiences)
        if counts[audience.name] > 1
    ]  # fmt: skip


def _holiday_problems(site: SiteFile, document: Document) -> list[Problem]:
    spec = site.working_days
    try:  # any year tells whether the country, subdivision or market exists
        public_holidays(
            [HOLIDAY_PROBE_YEAR],
            country=spec.country,
            subdivision=spec.subdivision,
            market=spec.market,
        )
    except ValueError as exc:
        path = ("working_days",)
        return [Problem(path, str(exc), document.line_of(path))]
    return []
