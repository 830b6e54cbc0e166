#!/usr/bin/env bash
# The suite again under shifted clocks (Debian's faketime), so that no test depends
# on the day it runs. The dates cover:
#   2027-03-14 07:30 UTC  the US daylight-saving switch (02:00 EST became 03:00 EDT at 07:00 UTC)
#   2027-10-31 23:30 UTC  the EU switch day, in the evening: already 1 November in Berlin
#   2028-02-29 12:00 UTC  a leap day
#   2027-12-31 23:30 UTC  New Year's Eve in UTC, New Year's Day in Berlin
# Each date runs every test marked `wallclock` (the command line, served instances: they take
# the real date) and a quarter of the others, which run on a pinned clock; the four quarters
# make the whole (tests/wallclock.py, whose guard fails a pinned test that reads the clock).
# Two runs at a time (the machine has two cores), on SQLite: the browser, promtool,
# schemathesis, PostgreSQL, fault and `dateless` tests (attacks, fuzzing, process plumbing)
# run once, at the real date, in `make test` (the dates are computed in Python, the same for
# both databases), which keeps CI short. Usage: tests/run_at_dates.sh [pytest args]
set -uo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "faketime is missing: apt-get install faketime" >&2; exit 2; }

dates=("2027-03-14 07:30:00" "2027-10-31 23:30:00" "2028-02-29 12:00:00" "2027-12-31 23:30:00")
logs=$(mktemp -d)
run_at() {  # run_at DATE SHARE [pytest args]
  TZ=UTC CLOSEWATCH_TEST_DATE_SHARE="$2" faketime "$1" .venv/bin/pytest -q -p no:cacheprovider \
    --ignore=tests/ui --ignore=tests/deploy -m "not schemathesis and not postgres and not faults and not dateless" "${@:3}" >"$logs/$1.log" 2>&1
}

failed=0
for ((i = 0; i < ${#dates[@]}; i += 2)); do
  pids=()
  for ((j = i; j < i + 2 && j < ${#dates[@]}; j++)); do
    when=${dates[j]}
    run_at "$when" "$j/${#dates[@]}" "$@" &
    pids+=("$!:$when")
  done
  for entry in "${pids[@]}"; do
    when=${entry#*:}
    if wait "${entry%%:*}"; then
      echo "at $when UTC: $(tail -n 1 "$logs/$when.log")"
    else
      echo "at $when UTC: FAILED"
      tail -n 40 "$logs/$when.log"
      failed=1
    fi
  done
done
rm -rf "$logs"
exit "$failed"
