"""Bytes to text, refusing clearly rather than storing mojibake."""

from __future__ import annotations

import codecs

from calendars.errors import CalendarError


def decode_text(data: bytes, *, encoding: str | None = None) -> str:
    """The text of an uploaded source.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a BOM are read as
    they are. Anything else must be named by the uploader (``encoding="latin-1"``);
    otherwise the error names the first line that is not UTF-8.
    """
    if not data.strip():
        raise CalendarError("the file is empty")
    if encoding:
        encoding = text_encoding(encoding)
        try:
            return _strip_bom(data.decode(encoding))
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise CalendarError(f"bytes that are not {encoding}", line=line) from None
        except UnicodeError:  # punycode and idna fail without saying where
            raise CalendarError(f"bytes that are not {encoding}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CalendarError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02X}); if the file was saved in a legacy "
            "encoding such as Latin-1 or Windows-1252, name it (--encoding latin-1)",
            line=line,
        ) from None
    if "\x00" in text:
        raise CalendarError(
            "binary data, not a calendar", line=text[: text.index("\x00")].count("\n") + 1
        )
    return text


def text_encoding(name: str) -> str:
    """The canonical name of the text encoding ``name`` (``latin-1`` → ``iso8859-1``).

    Only encodings that turn bytes into text: ``codecs`` also knows transforms such
    as ``rot13``, ``base64`` or ``zlib_codec``, which are not ways to write a calendar.
    """
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        raise CalendarError(f"unknown encoding {name!r}") from None
    if not codec._is_text_encoding:  # the flag codecs itself checks in bytes.decode
        raise CalendarError(
            f"{name!r} is not a text encoding; name the one the file was saved in, e.g. latin-1"
        )
    return codec.name


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text
