"""Members from a directory's CSV export: Outlook and Exchange contacts, Entra ID (Azure AD)
and Google Workspace user lists, or any sheet with a name and an address column.

The header names the columns, in any order and case; what is in brackets is ignored
(Google's ``Email Address [Required]``). The name is a display-name column, else first and
last name joined; the address is a mail column, else ``userPrincipalName``. Commas,
semicolons (as German Excel saves) and tabs all work. Rows with neither a name nor an
address (blank lines, group rows) are skipped; a row with a name and no address, or more
rows than :data:`MAX_ROWS`, is a problem naming its line. Addresses are checked later, with
the audience, by the same rules as the API's.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

MAX_ROWS = 10_000
NAME_COLUMNS = ("displayname", "name", "fullname", "cn")
FIRST_COLUMNS = ("firstname", "givenname")
LAST_COLUMNS = ("lastname", "surname", "sn", "familyname")
MAIL_COLUMNS = (
    "email",
    "mail",
    "emailaddress",
    "email1emailaddress",
    "primarysmtpaddress",
    "emailaddress1",
)
FALLBACK_MAIL_COLUMNS = ("userprincipalname", "upn")


class DirectoryError(ValueError):
    """A file that cannot be read as a directory export; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str
    line: int


def read_directory(text: str) -> list[Person]:
    """The people in a directory export, in file order."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        raise DirectoryError("the file is empty")
    dialect = _dialect(lines[0])
    rows = csv.reader(io.StringIO("\n".join(lines)), dialect)
    header = [_key(cell) for cell in next(rows)]
    name, first, last = (
        _find(header, NAME_COLUMNS),
        _find(header, FIRST_COLUMNS),
        _find(header, LAST_COLUMNS),
    )
    mail = _find(header, MAIL_COLUMNS)
    mail = mail if mail is not None else _find(header, FALLBACK_MAIL_COLUMNS)
    if mail is None or (name is None and first is None):
        raise DirectoryError(
            "the first line must name a name column (Name, Display Name, or First Name and Last Name) "
            "and an address column (E-mail Address, mail or userPrincipalName)",
            1,
        )
    people: list[Person] = []
    for number, row in enumerate(rows, start=2):
        cells = [cell.strip() for cell in row]

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return cells[index] if index is not None and index < len(cells) else ""

        full = cell(name) or " ".join(part for part in (cell(first), cell(last)) if part)
        address = cell(mail)
        if not full and not address:
            continue
        if not address:
            raise DirectoryError(f"{full!r} has no address", number)
        if len(people) == MAX_ROWS:
            raise DirectoryError(f"more than {MAX_ROWS:,} people; split the file", number)
        people.append(Person(full or address.split("@")[0], address, number))
    return people


def _dialect(first_line: str) -> type[csv.Dialect]:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    delimiter = max(counts, key=lambda found: counts[found])

    class Found(csv.excel):
        pass

    Found.delimiter = delimiter
    return Found


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.sub(r"\[[^\]]*\]|\([^)]*\)", "", header.lower()))


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    for wanted in names:
        if wanted in header:
            return header.index(wanted)
    return None
