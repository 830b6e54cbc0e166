"""Work on what users send, in worker processes, each job under a hard time limit.

The event loop belongs to the watcher: a check due now must start now, whatever
someone uploads. Reading an upload (decoding, parsing, expanding its series,
matching its mapping rules) and checking a template take CPU in proportion to
what a user sent, and Python runs one thread at a time, so that work never runs
in the server's process. It runs here instead:

- a few worker processes (``CLOSEWATCH_JOB_WORKERS``), one job each at a time,
  started on first use: a command that never reads an upload starts none;
- forked from a forkserver that imported the parsers once, so a new worker is
  ready in milliseconds without inheriting the server's threads; a process
  with a single thread (a command such as ``closewatch calendar preview``)
  forks its worker directly, sparing it the start of a forkserver; a command
  that reads one file and exits runs its job in its own process under the same
  limits (:func:`run_here`);
- a job past its limit (``CLOSEWATCH_JOB_SECONDS``) has its worker killed; the
  next job gets a new one, and the caller gets :class:`JobTimedOut` naming the
  limit. A worker also stops itself shortly after the limit, should the server
  be gone;
- each worker may take at most ``CLOSEWATCH_JOB_MEMORY_MB`` of address space
  beyond what it starts with, so a job that would fill the memory fails with
  ``MemoryError`` in its worker;
- workers run at a lower priority (nice 10): on a busy machine a job waits for
  the CPU, not the watcher;
- a caller waits at most its job's limit for a free worker, then gets
  :class:`WorkersBusy`.

What crosses the process boundary is pickled: the job is a module-level
function and its arguments (bytes, options, frozen dataclasses), and it comes
back as a value or as the exception the function raised, as if it had run here
(keyword arguments travel as a ``functools.partial`` of a module-level function).

``run`` blocks its thread; the API calls it from a worker thread
(``run_in_threadpool``), where waiting costs the event loop nothing.
"""

from __future__ import annotations

import atexit
import math
import os
import pickle
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")

# Imported once by the forkserver, so every worker starts with them loaded. Like any
# multiprocessing child, a worker also imports the program's main module (guarded by
# ``if __name__ == "__main__"``); preloaded, that happens once too.
PRELOAD = ["__main__", "calendars.load", "calendars.ics", "calendars.csvfile", "calendars.rules",
           "calendars.mapping", "notifiers.render", "monitor.imports"]  # fmt: skip
# Workers of a process that stores (it has the database stack loaded) store uploads too.
PRELOAD_TO_STORE = ["monitor.store.calendars", "monitor.refresh"]
# A worker stops itself this long after its job's limit, should no one be left to kill it.
SELF_STOP_GRACE_SECONDS = 5
SLOT_POLL_SECONDS = 0.01  # how often a caller looks for a free worker while all are busy
# Workers yield the CPU to the server: on a busy machine a job waits, not the watcher.
WORKER_NICENESS = 10


class JobError(Exception):
    """A job that did not come back with a value or an exception of its own."""


class JobTimedOut(JobError):
    def __init__(self, limit: float) -> None:
        super().__init__(f"took longer than the limit of {limit:g} s")
        self.limit = limit


class WorkersBusy(JobError):
    def __init__(self, workers: int, waited: float) -> None:
        super().__init__(f"all {workers} workers stayed busy for {waited:g} s")
        self.waited = waited


class WorkerDied(JobError):
    """The worker ended in the middle of the job (killed from outside, or crashed)."""


class _OutOfTime(BaseException):
    """Raised into a job run here at its limit; not an Exception, so no handler in the job
    mistakes it for a problem of the input."""


def run_here(function: Callable[..., T], *args: Any, limit: float, memory_bytes: int | None) -> T:
    """``function(*args)`` in this process, under a worker's limits.

    For a command that reads one file and exits (``calendar preview``): forking a
    worker and waiting for it costs more of its start-up than the job itself.
    Only from the main thread of a process with nothing else to do.
    """

    def out_of_time(_signal: int, _frame: object) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, out_of_time)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if memory_bytes:
        cap = _address_space() + memory_bytes
        resource.setrlimit(
            resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard)
        )
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return function(*args)
    except _OutOfTime:
        raise JobTimedOut(limit) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@dataclass(eq=False, slots=True)
class _Worker:
    process: BaseProcess
    connection: Connection  # the server's end of the pipe


class JobPool:
    """Up to ``size`` worker processes; ``memory_bytes`` caps what each one's address space
    may grow by."""

    def __init__(self, size: int = 2, *, memory_bytes: int | None = None) -> None:
        self.size = size
        self.memory_bytes = memory_bytes
        import multiprocessing  # here: a command that runs its job in-process never needs it

        self._forkserver = multiprocessing.get_context("forkserver")
        stores = "sqlalchemy" in sys.modules
        self._forkserver.set_forkserver_preload(PRELOAD + (PRELOAD_TO_STORE if stores else []))
        self._fork = multiprocessing.get_context("fork")
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._closed = False

    def run(self, function: Callable[..., T], *args: Any, limit: float) -> T:
        """``function(*args)`` in a worker; its value, or the exception it raised.

        :class:`JobTimedOut` after ``limit`` seconds (the worker is killed),
        :class:`WorkersBusy` when no worker frees up within ``limit``,
        :class:`WorkerDied` when the worker ends without an answer.
        """
        self._wait_for_a_slot(limit)
        try:
            return self._run_in_worker(function, args, limit)
        finally:
            self._slots.release()

    def _wait_for_a_slot(self, limit: float) -> None:
        # Polled rather than a timed wait on the semaphore: a timed wait on a lock runs to a
        # deadline on the clock, which faketime (the suite at shifted dates) moves.
        deadline = time.monotonic() + limit
        while not self._slots.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise WorkersBusy(self.size, limit)
            time.sleep(SLOT_POLL_SECONDS)

    def _run_in_worker(self, function: Callable[..., T], args: tuple[Any, ...], limit: float) -> T:
        worker = self._take()
        try:
            worker.connection.send((function, args, limit))
        except OSError:  # it died while idle (killed from outside): once more, with a new one
            self._kill(worker)
            worker = self._take()
            worker.connection.send((function, args, limit))
        if not worker.connection.poll(limit):
            self._kill(worker)
            raise JobTimedOut(limit)
        try:
            succeeded, value = worker.connection.recv()
        except (EOFError, OSError):
            code = worker.process.exitcode
            self._kill(worker)
            raise WorkerDied(f"the worker ended without an answer (exit code {code})") from None
        self._give_back(worker)
        if succeeded:
            return value  # type: ignore[no-any-return]  # the function's own value, unpickled
        raise value

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("the job pool is closed")
            if self._idle:
                return self._idle.pop()
        # Forking a process with threads can copy a lock another thread holds: only a
        # single-threaded process forks itself. (A forked worker leaves with os._exit and
        # never touches the connections it inherited.)
        forking = threading.active_count() == 1
        context = self._fork if forking else self._forkserver
        server_end, worker_end = context.Pipe()
        # A forked worker inherits the server's end of its pipe too; it closes it, or it would
        # never see the pipe close when the server goes.
        inherited = server_end if forking else None
        process = context.Process(
            target=_serve,
            args=(worker_end, self.memory_bytes, inherited),
            name="closewatch-job",
            daemon=True,
        )
        process.start()
        worker_end.close()
        worker = _Worker(process, server_end)
        with self._lock:
            self._all.add(worker)
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        self._kill(worker)

    def _kill(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            if worker in self._idle:
                self._idle.remove(worker)
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.connection.close()
        if worker.process.exitcode is not None:
            worker.process.close()

    def close(self) -> None:
        """Stop every worker; a job still running gets WorkerDied."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
        for worker in workers:
            self._kill(worker)


def _serve(connection: Connection, memory_bytes: int | None, inherited: Connection | None) -> None:
    """A worker's life: take a job, answer it, until the server closes the pipe."""
    if inherited is not None:
        inherited.close()
    # Ctrl-C in a terminal reaches the whole process group; the server decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICENESS)
    if memory_bytes:
        limit = _address_space() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            function, args, limit = connection.recv()
        except (EOFError, OSError):
            return
        signal.alarm(math.ceil(limit) + SELF_STOP_GRACE_SECONDS)  # SIGALRM ends the process
        try:
            answer: tuple[bool, Any] = (True, function(*args))
        except Exception as exc:  # MemoryError included: the caller gets it as it was raised
            answer = (False, _picklable(exc))
        signal.alarm(0)
        try:
            connection.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            connection.send((False, JobError(f"the job's answer cannot be sent back: {exc}")))
        except (BrokenPipeError, OSError):
            return


def _address_space() -> int:
    """Bytes of address space this process holds now (a forked worker starts with its parent's)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _picklable(exc: Exception) -> Exception:
    """``exc`` if it survives the trip back, else a JobError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return JobError(f"{type(exc).__name__}: {exc}")
    return exc


_shared: JobPool | None = None
_shared_lock = threading.Lock()


def shared_pool(size: int, *, memory_bytes: int | None) -> JobPool:
    """The process's one pool, made on first use with these settings."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = JobPool(size, memory_bytes=memory_bytes)
            atexit.register(_shared.close)
        return _shared
