"""The job pool: real worker processes, killed past their limit, and their answers as raised."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from calendars import CalendarError
from monitor.jobs import WORKER_NICENESS, JobError, JobPool, JobTimedOut, WorkersBusy, run_here

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless


# Jobs run in another process: they are module-level functions, found there by name.
def worker_pid() -> int:
    return os.getpid()


def niceness() -> int:
    return os.nice(0)


def spin_forever() -> None:
    while True:
        pass


def sleep_then_answer(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def fill_memory() -> int:
    return len(bytearray(8 * 2**30))


def refuse_calendar() -> None:
    raise CalendarError("end before start", source="closing.ics", line=14, event="'Close'")


class Unpicklable(Exception):
    def __init__(self, reason: str, *, code: int) -> None:
        super().__init__(reason)
        self.code = code


def raise_unpicklable() -> None:
    raise Unpicklable("odd", code=3)


@pytest.fixture
def pool() -> Iterator[JobPool]:
    pool = JobPool(1, memory_bytes=1024 * 2**20)
    yield pool
    pool.close()


def test_a_job_runs_in_another_process_and_its_worker_is_reused(pool: JobPool) -> None:
    first = pool.run(worker_pid, limit=30)

    assert first != os.getpid()
    assert pool.run(worker_pid, limit=30) == first


def test_a_worker_yields_the_cpu_to_the_server(pool: JobPool) -> None:
    assert pool.run(niceness, limit=30) == min(os.nice(0) + WORKER_NICENESS, 19)


def test_an_error_comes_back_as_raised_with_what_it_carries(pool: JobPool) -> None:
    with pytest.raises(CalendarError) as raised:
        pool.run(refuse_calendar, limit=30)

    assert str(raised.value) == "closing.ics: line 14: event 'Close': end before start"
    assert raised.value.line == 14


def test_an_error_that_cannot_travel_comes_back_as_its_text(pool: JobPool) -> None:
    with pytest.raises(JobError, match="Unpicklable: odd"):
        pool.run(raise_unpicklable, limit=30)


def test_a_job_past_its_limit_is_killed_and_the_next_job_gets_a_new_worker(pool: JobPool) -> None:
    before = pool.run(worker_pid, limit=30)

    started = time.monotonic()
    with pytest.raises(JobTimedOut, match=r"took longer than the limit of 0\.5 s"):
        pool.run(spin_forever, limit=0.5)
    waited = time.monotonic() - started

    assert 0.5 <= waited < 3
    with pytest.raises(ProcessLookupError):
        os.kill(before, 0)  # the spinning worker is gone, not left burning a core
    after = pool.run(worker_pid, limit=30)
    assert after not in (before, os.getpid())


def test_a_job_that_would_fill_the_memory_fails_in_its_worker(pool: JobPool) -> None:
    with pytest.raises(MemoryError):
        pool.run(fill_memory, limit=30)

    assert pool.run(sleep_then_answer, 0, limit=30) == "done"


def test_a_caller_waits_for_a_free_worker_at_most_its_limit(pool: JobPool) -> None:
    answers: list[str] = []
    busy = threading.Thread(target=lambda: answers.append(pool.run(sleep_then_answer, 2, limit=30)))
    busy.start()
    time.sleep(0.3)

    with pytest.raises(WorkersBusy, match=r"all 1 workers stayed busy for 0\.5 s"):
        pool.run(worker_pid, limit=0.5)
    busy.join()

    assert answers == ["done"]


# --- run_here: a command's one job, in its own process, under the same limits -------------


def spin_catching_everything() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # a job's broad handler must not swallow its limit
            sum(range(10_000))


def test_a_job_run_here_is_stopped_at_its_limit_and_the_process_goes_on() -> None:
    alarm_before = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()

    with pytest.raises(JobTimedOut, match=r"limit of 0\.5 s"):
        run_here(spin_catching_everything, limit=0.5, memory_bytes=None)

    assert time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGALRM) is alarm_before
    assert run_here(worker_pid, limit=5, memory_bytes=None) == os.getpid()


def test_a_job_run_here_that_fills_memory_gets_memory_error_and_the_limit_is_lifted() -> None:
    limits_before = resource.getrlimit(resource.RLIMIT_AS)

    with pytest.raises(MemoryError):
        run_here(fill_memory, limit=30, memory_bytes=256 * 2**20)

    assert resource.getrlimit(resource.RLIMIT_AS) == limits_before
    assert len(bytearray(512 * 2**20)) == 512 * 2**20  # the process may use memory again
