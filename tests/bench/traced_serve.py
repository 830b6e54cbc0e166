"""``closewatch serve`` with memory readings on request, for the soak's memory hunt (bench only).

Run as ``python tests/bench/traced_serve.py serve --port N`` with ``SOAK_TRACEMALLOC_DIR``
set: each SIGUSR1 appends a line to ``malloc.txt`` there (glibc's ``mallinfo2``: bytes
in use and free in malloc's arenas, bytes mapped; SQLite's own memory; threads alive) and, with
``SOAK_TRACEMALLOC_FRAMES`` above 0 (the frames kept per allocation, default 10),
writes a tracemalloc snapshot (``snapshot-1.pickle``, ``-2`` ...), which
``tests/bench/soak_bench.py --tracemalloc DIR`` compares by traceback.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import signal
import sqlite3
import sys
import threading
import tracemalloc
from pathlib import Path
from types import FrameType

MALLINFO2_FIELDS = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                    "uordblks", "fordblks", "keepcost")  # fmt: skip


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in MALLINFO2_FIELDS]


SQLITE_STATUS_MEMORY_USED = 0


def malloc_line() -> str:
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    current, highest = ctypes.c_int64(), ctypes.c_int64()
    ctypes.CDLL(ctypes.util.find_library("sqlite3")).sqlite3_status64(
        SQLITE_STATUS_MEMORY_USED, ctypes.byref(current), ctypes.byref(highest), 0
    )
    mib = 2**20
    return (f"heap {info.arena / mib:.1f} MiB (in use {info.uordblks / mib:.1f}, free "
            f"{info.fordblks / mib:.1f}), mmapped {info.hblkhd / mib:.1f} MiB, SQLite "
            f"{current.value / mib:.1f} MiB ({sqlite_connections()}), "
            f"threads {threading.active_count()}")  # fmt: skip


SQLITE_DBSTATUS = {"page cache": 1, "schema": 2, "statements": 3}


def sqlite_connections() -> str:
    """The open SQLite connections and what their page caches, schemas and statements take."""
    sqlite = ctypes.CDLL(ctypes.util.find_library("sqlite3"))
    connections = [found for found in gc.get_objects() if type(found) is sqlite3.Connection]
    used = dict.fromkeys(SQLITE_DBSTATUS, 0)
    for connection in connections:
        # CPython's sqlite3.Connection holds its ``sqlite3 *`` right after the object header.
        handle = ctypes.c_void_p.from_address(id(connection) + object.__basicsize__)
        for what, op in SQLITE_DBSTATUS.items():
            current, highest = ctypes.c_int(), ctypes.c_int()
            sqlite.sqlite3_db_status(handle, op, ctypes.byref(current), ctypes.byref(highest), 0)
            used[what] += current.value
    return f"{len(connections)} connections: " + ", ".join(
        f"{what} {size / 2**20:.1f} MiB" for what, size in used.items()
    )


def main() -> None:
    directory = Path(os.environ["SOAK_TRACEMALLOC_DIR"])
    frames = int(os.environ.get("SOAK_TRACEMALLOC_FRAMES", "10"))
    if frames > 0:
        tracemalloc.start(frames)
    taken = 0

    def write_snapshot(signum: int, frame: FrameType | None) -> None:
        nonlocal taken
        taken += 1
        with (directory / "malloc.txt").open("a") as readings:
            readings.write(f"{taken}: {malloc_line()}\n")
        if frames > 0:
            tracemalloc.take_snapshot().dump(str(directory / f"snapshot-{taken}.pickle"))
        (directory / f"snapshot-{taken}.done").touch()

    signal.signal(signal.SIGUSR1, write_snapshot)
    from monitor.cli import main as closewatch

    sys.argv = ["closewatch", *sys.argv[1:]]
    closewatch()


if __name__ == "__main__":
    main()
