"""From a change on a CalDAV server to the moved heads-up in closewatch's outbox.

Starts a real Radicale and a real ``closewatch serve --demo``, subscribes the demo's
finance audience's closing calendar on Radicale (``--every 10s``), then moves the
event on Radicale, round after round, at a random moment of the refresh cycle, and
measures the seconds until the pending heads-up for it is due at its new time
(the leader's refresh, the import in a worker, the plan). Expected: about half the
interval on average, the whole interval plus a few seconds at worst.

Run: ``python tests/bench/subscription_bench.py [--rounds 6] [--every 10s]`` (about 15 s a round).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.monitor.samples import event, ics
from tests.monitor.subscriptions.radicale_server import PASSWORD, USER, radicale
from tests.served import closewatch_serve

POLL_SECONDS = 0.05


def closing(start: date) -> str:
    end = start + timedelta(days=3)
    return ics(event("bench-close@acme", "Month-end closing", f"{start:%Y%m%d}", f"{end:%Y%m%d}",
                     "X-CLOSEWATCH-AUDIENCES:finance")).decode()  # fmt: skip


def heads_up_due(api: httpx.Client) -> str | None:
    occurrences = api.get("/api/v1/occurrences", params={"calendar": "bench"}).json()
    ids = {o["id"] for o in occurrences}
    deliveries = api.get(
        "/api/v1/deliveries", params={"kind": "heads_up", "status": "pending"}
    ).json()
    due = [d["due_at"] for d in deliveries if d["occurrence_id"] in ids]
    return due[0] if due else None


def moved_from(api: httpx.Client, old: str) -> str | None:
    due = heads_up_due(api)
    return due if due != old else None


def wait_for(what: str, found: Callable[[], str | None], limit: float = 120.0) -> str:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"{what}: not within {limit:g} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--every", default="10s")
    args = parser.parse_args()
    start = datetime.now(UTC).date() + timedelta(days=14)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with (
            radicale(root / "radicale") as server,
            closewatch_serve(
                root / "closewatch", {"CLOSEWATCH_SUBSCRIPTION_NETWORKS": "127.0.0.1/32"}
            ) as served,
        ):
            server.calendar.save_event(closing(start))
            api = httpx.Client(base_url=served.base, headers=served.auth, timeout=60)
            made = api.post("/api/v1/subscriptions", json={
                "name": "bench", "url": server.collection, "kind": "caldav", "every": args.every,
                "username": USER, "password": PASSWORD})  # fmt: skip
            assert made.status_code == 201, made.text
            due = wait_for("the first heads-up is planned", lambda: heads_up_due(api))
            seconds = []
            for round_ in range(args.rounds):
                time.sleep(random.uniform(0, 10))  # a random moment of the refresh cycle
                start += timedelta(days=7 if round_ % 2 == 0 else -7)
                server.calendar.save_event(closing(start))
                changed_at = time.monotonic()
                before = due
                due = wait_for("the heads-up moves", lambda old=before: moved_from(api, old))
                seconds.append(time.monotonic() - changed_at)
                print(
                    f"round {round_ + 1}: heads-up moved from {before} to {due} after {seconds[-1]:.2f} s"
                )
            api.close()
    print(f"every {args.every}, {args.rounds} rounds: min {min(seconds):.2f} s, median "
          f"{statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
          f"(load average {os.getloadavg()[0]:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
