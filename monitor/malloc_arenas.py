"""Fewer glibc malloc arenas for the long-running server.

glibc gives a thread that finds the arenas in use one of its own, up to eight per
core. The server's threads (the event loop's ``to_thread`` pool, the API's
request threads) take turns on the same kinds of work, so each arena keeps its
own high-water mark of freed memory that the other threads cannot reuse. In the
soak (``tests/bench/soak_bench.py``) the free memory held in the arenas grew by
13 MiB over four minutes, most of the resident growth that was not a cache.
Two arenas let the threads reuse each other's freed memory; the threads spend
their time in the database and on sockets, so they hardly contend for the lock.
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # mallopt's parameter number for the arena limit, from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at ``arenas``; call before the threads start.

    Leaves the limit alone when ``MALLOC_ARENA_MAX`` already sets it, and does
    nothing off glibc. True when the limit was set."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not a C library with mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    accepted: int = mallopt(M_ARENA_MAX, arenas)
    return accepted == 1
