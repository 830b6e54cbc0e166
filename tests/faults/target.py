"""A local HTTP check target that records which process each request came from.

The replicas share one database, so they run the same checks with the same
headers; what tells them apart is the process holding the client's socket. The
target finds it while the request is open: the client's address in
``/proc/net/tcp`` gives the socket's inode, and one of the known processes has
a descriptor on that inode.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True, slots=True)
class Hit:
    at: float  # time.monotonic(): the same clock for every process on this machine
    pid: int | None  # None: none of the watched processes


@dataclass(slots=True)
class CheckTarget:
    port: int
    pids: set[int] = field(default_factory=set)  # the processes to tell apart
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def from_pid(self, pid: int, *, after: float = float("-inf")) -> list[float]:
        with self.lock:
            return [hit.at for hit in self.hits if hit.pid == pid and hit.at > after]

    def wait_for(self, pid: int, *, after: float, within: float) -> float:
        """The time of the first request from ``pid`` after ``after``; fails past ``within`` s."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if found := self.from_pid(pid, after=after):
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no check from process {pid} within {within} s")


def process_of(peer: tuple[str, int], pids: Iterable[int]) -> int | None:
    inode = _inode_of(peer)
    if inode is None:
        return None
    link = f"socket:[{inode}]"
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == link:
                        return pid
    return None


def _inode_of(peer: tuple[str, int]) -> str | None:
    packed = socket.inet_aton(peer[0])[::-1].hex().upper()  # little-endian, as the kernel writes it
    wanted = f"{packed}:{peer[1]:04X}"
    with open("/proc/net/tcp") as table:
        for line in table:
            columns = line.split()
            if len(columns) > 9 and columns[1] == wanted:
                return columns[9]
    return None


@contextmanager
def check_target() -> Iterator[CheckTarget]:
    """An HTTP server on a free port answering 200 "OK" and recording each request's process."""
    target = CheckTarget(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            at = time.monotonic()
            pid = process_of(self.client_address[:2], list(target.pids))
            with target.lock:
                target.hits.append(Hit(at, pid))
            body = b"OK"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    target.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
