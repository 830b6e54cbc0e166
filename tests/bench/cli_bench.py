"""How long the command line takes to start, command by command.

Each command runs as a user runs it (a new process, the installed ``closewatch``
script) ``--rounds`` times; the figure is the median wall time, with the
minimum and maximum, against the target of 0.3 s for ``--help``, ``lint`` and
``calendar preview``. The baseline is the bare interpreter starting and exiting
(``python -c pass``), so the ratio says how much closewatch adds to Python's own
start. The CPU column (user plus system time of the command and the workers it
waited for) is the steadier figure on a machine other work keeps busy, where wall
time mostly measures waiting for a core. Commands that open the database are
shown for information.

Timings are printed, never asserted. Run:
``python tests/bench/cli_bench.py [--rounds 15]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")
FIXTURE = ROOT / "tests" / "calendars" / "fixtures" / "outlook_last_weekday_monthly.ics"
TEMPLATE = ROOT / "templates" / "notices" / "en" / "heads_up" / "text.txt"
TARGET_SECONDS = 0.3

COMMANDS: list[tuple[str, list[str], bool]] = [  # (label, arguments, has a target)
    ("--help", ["--help"], True),
    ("lint", ["lint", str(TEMPLATE)], True),
    ("calendar preview", ["calendar", "preview", str(FIXTURE)], True),
    (
        "config check",
        ["config", "check", str(ROOT / "tests" / "config" / "valid-site.yaml")],
        False,
    ),
    ("calendar list", ["calendar", "list"], False),
]


def timed(command: list[str], env: dict[str, str], rounds: int) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user plus system) of ``rounds`` runs of ``command``."""
    times, cpu = [], []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)  # fmt: skip
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    env["CLOSEWATCH_DATA_DIR"] = tempfile.mkdtemp(prefix="cli-bench-")
    subprocess.run([CLOSEWATCH, "db", "upgrade"], env=env, capture_output=True, check=True)
    bare, bare_cpu = timed([sys.executable, "-c", "pass"], env, args.rounds)
    baseline = statistics.median(bare)
    print(f"python -c pass (baseline): median {baseline:.3f} s, CPU {statistics.median(bare_cpu):.3f} s "
          f"over {args.rounds} runs")  # fmt: skip
    print(
        f"{'command':<18} {'median':>8} {'min':>7} {'max':>7} {'x baseline':>11} {'CPU':>7}  target"
    )
    for label, arguments, has_target in COMMANDS:
        times, cpu = timed([CLOSEWATCH, *arguments], env, args.rounds)
        median = statistics.median(times)
        verdict = (
            ("met" if median < TARGET_SECONDS else "MISSED") + f" (< {TARGET_SECONDS} s)"
            if has_target
            else "-"
        )
        print(f"{label:<18} {median:>7.3f}s {min(times):>6.3f}s {max(times):>6.3f}s "
              f"{median / baseline:>10.1f}x {statistics.median(cpu):>6.3f}s  {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
