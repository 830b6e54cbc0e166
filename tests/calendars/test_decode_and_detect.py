"""Reading bytes and recognising the kind of source."""

from __future__ import annotations

import codecs

import pytest

from calendars.decode import decode_text
from calendars.errors import CalendarError
from calendars.load import detect_format


@pytest.mark.parametrize(
    "data",
    [
        "Inventur München".encode(),
        codecs.BOM_UTF8 + "Inventur München".encode(),
        "Inventur München".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom"],
)
def test_unicode_encodings_are_read(data: bytes) -> None:
    assert decode_text(data) == "Inventur München"


def test_latin1_is_refused_naming_the_line_unless_named() -> None:
    data = "line one\nInventur M\xfcnchen\n".encode("latin-1")

    with pytest.raises(CalendarError) as raised:
        decode_text(data)

    assert raised.value.line == 2
    assert "0xFC" in str(raised.value) and "--encoding" in str(raised.value)
    assert decode_text(data, encoding="latin-1") == "line one\nInventur München\n"


@pytest.mark.parametrize(
    ("data", "encoding", "fragment"),
    [(b"", None, "empty"), (b" \n\t", None, "empty"), (b"x", "klingon", "unknown encoding"),
     (b"BEGIN\x00\x01", None, "binary")],
)  # fmt: skip
def test_unreadable_bytes_are_refused(data: bytes, encoding: str | None, fragment: str) -> None:
    with pytest.raises(CalendarError, match=fragment):
        decode_text(data, encoding=encoding)


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ("BEGIN:VCALENDAR\r\n", None, "ics"),
        ("\r\n  BEGIN:VCALENDAR\r\n", "export.txt", "ics"),
        ("BEGIN:VEVENT\r\nSUMMARY:Close\r\n", "closing.ics", "ics"),
        ("title,start\nClose,2026-11-30\n", None, "csv"),
        ("title;start\nClose;2026-11-30\n", "sheet.csv", "csv"),
        ("periods:\n  - title: x\n", None, "rules"),
        ('{"periods": []}', None, "rules"),
        ("timezone: Europe/Berlin\n", "rules.yaml", "rules"),
    ],
)
def test_format_is_recognised(text: str, filename: str | None, expected: str) -> None:
    assert detect_format(text, filename) == expected


@pytest.mark.parametrize(
    ("text", "filename"),
    [("BEGIN:VCARD\r\n", None), ("hello", "closing.ics"), ("Dear all", None)],
)
def test_unrecognised_sources_are_refused(text: str, filename: str | None) -> None:
    with pytest.raises(CalendarError):
        detect_format(text, filename)


@pytest.mark.parametrize("encoding", ["rot13", "zlib_codec", "base64", "hex", "uu"])
def test_an_encoding_that_is_not_a_text_encoding_is_refused(encoding: str) -> None:
    with pytest.raises(CalendarError, match="not a text encoding"):
        decode_text(b"BEGIN:VCALENDAR\n", encoding=encoding)


def test_an_encoding_name_with_a_nul_is_unknown() -> None:
    with pytest.raises(CalendarError, match="unknown encoding"):
        decode_text(b"BEGIN:VCALENDAR\n", encoding="utf-8\x00")


def test_text_encodings_are_known_by_their_canonical_names() -> None:
    from calendars.decode import text_encoding

    assert text_encoding("Latin-1") == "iso8859-1"
    assert text_encoding("utf" + "-" * 40 + "8") == "utf-8"  # fits the stored column


@pytest.mark.parametrize("encoding", ["punycode", "idna"])
def test_bytes_a_text_encoding_cannot_read_are_refused_even_without_a_position(
    encoding: str,
) -> None:
    with pytest.raises(CalendarError, match=f"bytes that are not {encoding}"):
        decode_text(b"BEGIN:VCALENDAR\r\nSUMMARY:\xff::\r\n", encoding=encoding)
