"""Import a large calendar and compare with bare recurring-ical-events expansion.

Generates a 5,000-event iCalendar file with 500 recurring series (weekly,
monthly last-weekday, daily with a count, yearly; Europe/Berlin with a
VTIMEZONE, plus all-day events), then times, in the same process and
alternating so drift hits both alike:

- baseline: ``icalendar.Calendar.from_ical`` + ``recurring_ical_events.of(...).between(...)``
  over 13 months, materialised as a list;
- closewatch preview: ``calendars.load.load_calendar`` over the same horizon
  (decode, parse, classify, expand);
- closewatch import: the above plus storing into a fresh SQLite database.

Prints the median seconds of each and their ratio to the baseline.
Run: ``python tests/bench/calendar_bench.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import recurring_ical_events

from calendars import Horizon
from calendars.load import load_calendar
from calendars.options import ParseOptions
from monitor.db.engine import make_engine
from monitor.db.migrate import upgrade
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.settings import Settings

EVENTS = 5000
SERIES = 500
START = datetime(2026, 1, 1, tzinfo=UTC)
HORIZON = Horizon(START, START + timedelta(days=396))  # 13 months

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""

SUMMARIES = ("Month-end closing", "Inventur Lager", "Payroll run", "Audit walkthrough",
             "Go-live rehearsal", "Steering meeting", "Quarter close", "Team sync")  # fmt: skip
RULES = (
    "FREQ=WEEKLY;BYDAY=MO,WE",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=DAILY;COUNT=20",
    "FREQ=YEARLY",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
)


def generate_calendar(seed: int = 2026) -> str:
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//closewatch bench//EN", VTIMEZONE.strip()]
    for index in range(EVENTS):
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(380))
        summary = rng.choice(SUMMARIES)
        lines += ["BEGIN:VEVENT", f"UID:bench-{index}@closewatch", "DTSTAMP:20260101T000000Z",
                  f"SUMMARY:{summary} {index}"]  # fmt: skip
        if index % 7 == 0:
            lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                      f"DTEND;VALUE=DATE:{day + timedelta(days=rng.randint(1, 4)):%Y%m%d}"]  # fmt: skip
        else:
            hour = rng.randint(7, 17)
            lines += [f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T{hour:02d}0000",
                      f"DTEND;TZID=Europe/Berlin:{day:%Y%m%d}T{hour + 1:02d}0000"]  # fmt: skip
        if index < SERIES:
            lines.append(f"RRULE:{RULES[index % len(RULES)]}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def bare_expansion(text: str) -> int:
    calendar = icalendar.Calendar.from_ical(text)
    return len(list(recurring_ical_events.of(calendar).between(HORIZON.start, HORIZON.end)))


def closewatch_preview(text: str) -> int:
    options = ParseOptions(
        horizon=HORIZON, default_timezone="Europe/Berlin", max_occurrences_per_series=10_000
    )
    return len(load_calendar(text.encode(), source="bench.ics", options=options).occurrences)


def closewatch_import(text: str) -> int:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(data_dir=Path(directory), timezone="Europe/Berlin",
                            max_occurrences_per_series=10_000, horizon_past_days=0,
                            horizon_future_days=396)  # fmt: skip
        engine = make_engine(settings.effective_database_url)
        upgrade(engine)
        started = time.perf_counter()
        request = ImportRequest(
            UploadedSource(name="bench", data=text.encode(), filename="bench.ics")
        )
        imported = import_calendar(engine, settings, request, now=START)
        elapsed = time.perf_counter() - started
        engine.dispose()
    closewatch_import.last_elapsed = elapsed  # type: ignore[attr-defined]
    return imported.occurrences


def timed(function: Callable[[str], int], text: str) -> tuple[float, int]:
    started = time.perf_counter()
    count = function(text)
    elapsed = time.perf_counter() - started
    # The import's own timer leaves out creating the empty database.
    return getattr(function, "last_elapsed", elapsed), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds

    text = generate_calendar()
    print(f"calendar: {EVENTS} events, {SERIES} recurring series, {len(text) / 1e6:.1f} MB; "
          f"horizon {HORIZON.start:%Y-%m-%d}..{HORIZON.end:%Y-%m-%d}")  # fmt: skip
    runs: dict[str, list[float]] = {"baseline": [], "preview": [], "import": []}
    counts: dict[str, int] = {}
    functions = {
        "baseline": bare_expansion,
        "preview": closewatch_preview,
        "import": closewatch_import,
    }
    for _ in range(rounds):
        for name, function in functions.items():
            seconds, counts[name] = timed(function, text)
            runs[name].append(seconds)

    baseline = statistics.median(runs["baseline"])
    for name, seconds in runs.items():
        median = statistics.median(seconds)
        print(f"{name:>8}: median {median:6.2f} s over {rounds} rounds "
              f"(min {min(seconds):.2f}, max {max(seconds):.2f}); {counts[name]} occurrences; "
              f"ratio to baseline {median / baseline:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
