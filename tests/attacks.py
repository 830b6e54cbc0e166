"""What stalled closewatch in issue 10, as inputs: for the suite and ``tests/bench/stall_bench.py``.

Each builder returns what an attacker (or an honest user with a big calendar)
sends; none depends on the date, so the suite passes on any day.
"""

from __future__ import annotations

from datetime import date, timedelta

# Python's backtracking engine takes 2^28 steps for this pattern on this body.
BACKTRACKING_PATTERN = "(a+)+$"
BACKTRACKING_BODY = "a" * 28 + "b"

# Nine anchors of nine aliases each: 400 bytes that read as 387 million values.
_LOL = '"lol"'
ALIAS_BOMB = (
    "timezone: UTC\n"
    f"a: &a [{', '.join([_LOL] * 9)}]\n"
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "periods: *i\n"
).encode()

# Ten billion loop steps in an uploaded template, with nothing to print.
NESTED_RANGE_TEMPLATE = (
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    "Dear {{ reader.name }}, {{ contact.name }}"
)


def secondly_series(count: int = 500) -> bytes:
    """``count`` events repeating every second with no end: 60 KB for 500."""
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:tick-{index}@attacker\r\nDTSTAMP:20260101T000000Z\r\n"
        f"SUMMARY:Tick {index}\r\nDTSTART:20260101T000000Z\r\nDTEND:20260101T000001Z\r\n"
        "RRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n"
        for index in range(count)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//attacker//EN\r\n{events}END:VCALENDAR\r\n".encode()


def honest_calendar(
    events: int, *, around: date, description: int = 0, compact: bool = False
) -> bytes:
    """``events`` one-off all-day periods spread over the year after ``around``.

    ``description`` pads each event with that many characters of text, to reach
    a file size (20,000 events with 60 make 5 MB); ``compact`` writes only what is needed (no DTSTAMP, a one-day
    span without DTEND), so 50,000 events fit under the 5 MiB upload limit.
    """
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//finance//EN"]
    for index in range(events):
        day = around + timedelta(days=index % 365)
        if compact:
            lines += ["BEGIN:VEVENT", f"UID:c{index}@fin", f"SUMMARY:Closing {index}",
                      f"DTSTART;VALUE=DATE:{day:%Y%m%d}", "END:VEVENT"]  # fmt: skip
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:close-{index}@finance.example.com",
            "DTSTAMP:20260101T000000Z",
            f"SUMMARY:Month-end closing, entity {index}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=2):%Y%m%d}",
        ]
        if description:
            lines.append(
                "DESCRIPTION:" + ("Ledger review. " * (description // 15 + 1))[:description]
            )
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()
