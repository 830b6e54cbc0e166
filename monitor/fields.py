"""What people may type into closewatch: checked where it enters, never fixed up later.

The site file and the API bodies are pydantic models built on :class:`Checked`,
so every text in them, at any depth (names, titles, addresses, a check's
headers), is refused when it holds an unwanted character (a control
character, a bidirectional override, a lone surrogate: see
:mod:`calendars.text`), naming the field and the character:

    audiences[0].contact.name: contains a control character (U+000A)

Fields listed in a model's ``MULTILINE`` may hold tabs and line breaks.
:data:`Email` is an address email-validator accepts (no DNS lookup, no
display name, ASCII before the ``@``); :data:`Language` a language Babel
knows (:func:`notifiers.languages.known_language`); :func:`at_most` a length
that fits the column the text ends up in.

Rows written before these rules read back with ``context=STORED``: the shape
is still checked, the rules for what may enter are not, so an older audience
keeps working, and what is wrong in it is stopped on the way out (email
headers refuse line breaks, terminal output escapes controls).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ValidationInfo, field_validator

from calendars.text import unwanted_in

STORED: dict[str, Any] = {"stored": True}
# Ids are INTEGER columns: PostgreSQL's hold 32 bits (a larger value in a query fails with
# "integer out of range"), SQLite's 64. Offsets and limits are bigint in both.
LARGEST_ID = 2**31 - 1
LARGEST_OFFSET = 2**63 - 1


def is_stored(info: ValidationInfo) -> bool:
    """Whether the model is being read back from the database (``context=STORED``)."""
    return bool(isinstance(info.context, dict) and info.context.get("stored"))


class Checked(BaseModel):
    """A model whose texts, at every depth, hold no unwanted characters."""

    MULTILINE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _wanted_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if not is_stored(info):
            found = _first_unwanted(value, lines=info.field_name in cls.MULTILINE)
            if found:
                raise ValueError(f"contains a control character ({found})")
        return value


def _first_unwanted(value: Any, *, lines: bool) -> str | None:
    """The first unwanted character in a text, or in the texts of a list or mapping."""
    if isinstance(value, str):
        return unwanted_in(value, lines=lines)
    if isinstance(value, list | tuple | set | frozenset):
        items: Any = value
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, BaseModel) and not isinstance(value, Checked):
        items = list(value.__dict__.values())  # a model from elsewhere (calendars' working days)
    else:
        return None  # numbers, and Checked models, which checked themselves
    return next((found for item in items if (found := _first_unwanted(item, lines=lines))), None)


def at_most(limit: int) -> AfterValidator:
    """A text of at most ``limit`` characters (the column it is stored in)."""

    def check(value: str, info: ValidationInfo) -> str:
        if len(value) > limit and not is_stored(info):
            raise ValueError(f"is {len(value):,} characters long; at most {limit} fit")
        return value

    return AfterValidator(check)


def _email(value: str, info: ValidationInfo) -> str:
    if not value or is_stored(info):
        return value
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not an email address: {exc}") from None
    # An internationalised domain travels as its ASCII (IDNA) form; anything else as written.
    return value if value.isascii() else checked.ascii_email or value


def known_zone(value: str | None) -> str | None:
    """An IANA zone name the zone database has (None stays None); else the error naming it."""
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
            raise ValueError(f"unknown time zone {value!r}") from None
    return value


def email_domain(value: str) -> str:
    """A domain as an address's domain part is compared: lower case, in its ASCII (IDNA) form."""
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(f"x@{value}", check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not an email domain: {exc}") from None
    return checked.ascii_domain.lower()


def _language(value: str, info: ValidationInfo) -> str:
    from notifiers.languages import known_language

    if is_stored(info) or known_language(value):
        return value
    raise ValueError(
        f"unknown language {value!r}: use a language code Babel knows, such as en, de, fr or de-CH"
    )


Email = Annotated[str, AfterValidator(_email)]
Language = Annotated[str, AfterValidator(_language)]
