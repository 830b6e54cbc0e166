"""How long a newcomer waits: ``closewatch serve --demo`` from start to its first incident notice.

Starts ``closewatch serve --demo`` as ``make run`` does (the demo target's first outage a
minute after the start, unless ``--outage-in`` says otherwise) on a fresh data directory
and a free port, then prints, in seconds from the start of the process: when it listened,
when the outage began, when the incident opened, and when its first notice was written
to ``DATA_DIR/outbox``. With ``--full`` it waits on for the promise kept without anyone
posting (the "still working on it" update) and the resolution after the recovery, about
six minutes in all. Nothing is asserted.
Run: ``python tests/bench/demo_bench.py [--outage-in 1m] [--full]``.
"""

from __future__ import annotations

import argparse
import email
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.served import closewatch_serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outage-in", default="1m", help="the demo target's first outage (default 1m)"
    )
    parser.add_argument(
        "--full", action="store_true", help="also wait for the kept promise and the recovery"
    )
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="closewatch-demo-"))
    began, wall = time.monotonic(), datetime.now(UTC)
    with closewatch_serve(data, outage_in=args.outage_in) as served:
        print(f"listening        {time.monotonic() - began:7.1f} s")
        outage = _outage_start(served.log.read_text())
        if outage is not None:
            print(
                f"outage begins    {(outage - wall).total_seconds():7.1f} s (as the start-up message says)"
            )
        api = httpx.Client(base_url=served.base, headers=served.auth, timeout=10)
        opened = _wait(lambda: api.get("/api/v1/incidents").json(), 600)
        print(f"incident opened  {time.monotonic() - began:7.1f} s")
        incident = opened[0]["id"]
        _wait(lambda: _incident_notice(data / "outbox"), 600)
        print(f"first incident notice in {data / 'outbox'}: {time.monotonic() - began:7.1f} s")
        if args.full:
            _wait(lambda: _event(api, incident, "auto_update"), 900)
            print(
                f"promise kept (nothing posted, 'still working on it' sent) {time.monotonic() - began:7.1f} s"
            )
            _wait(lambda: _event(api, incident, "resolved"), 900)
            print(f"recovered and resolution sent {time.monotonic() - began:7.1f} s")


def _outage_start(log: str) -> datetime | None:
    for line in log.splitlines():
        if "stops answering at " in line:
            clock = line.split("stops answering at ")[1][:8]
            today = datetime.now(UTC)
            return datetime.fromisoformat(f"{today:%Y-%m-%d}T{clock}+00:00")
    return None


def _incident_notice(outbox: Path) -> bool:
    for path in outbox.glob("**/*.eml"):
        subject = email.message_from_bytes(path.read_bytes())["Subject"] or ""
        if "not working" in subject or "next update" in subject:
            return True
    return False


def _event(api: httpx.Client, incident: int, kind: str) -> bool:
    return any(e["kind"] == kind for e in api.get(f"/api/v1/incidents/{incident}").json()["events"])


def _wait(probe, seconds: float):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    raise SystemExit(f"not seen within {seconds} s")


if __name__ == "__main__":
    main()
