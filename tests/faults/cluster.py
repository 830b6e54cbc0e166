"""A throwaway PostgreSQL cluster of the test's own, to stop and start at will.

Debian's binaries (``/usr/lib/postgresql/*/bin``), a temporary folder and a free
port: never the shared server on 5432, which other tests and people use.
PostgreSQL refuses to run as root, so as root the cluster runs as ``postgres``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.served import free_port


class Cluster:
    def __init__(self, bin_dir: Path, data: Path, port: int, user: str | None) -> None:
        self.bin_dir, self.data, self.port, self._user = bin_dir, data, port, user

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("start", "-w", "-t", "60", "-o", options, "-l", str(self.data / "server.log"))

    def stop(self) -> None:
        """A fast shutdown: every session ends at once, as in a restart for an upgrade."""
        self._pg_ctl("stop", "-w", "-t", "60", "-m", "fast")

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self._user, "--"] if self._user else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)


def _bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A new cluster, trust authentication, started; stopped and removed afterwards."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries are required under CI (Debian: postgresql)")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="closewatch-cluster-"))
    data = root / "data"
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(bin_dir, data, free_port(), user)
    try:
        cluster._run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                     "--no-sync", "-E", "UTF8")  # fmt: skip
        cluster.start()
        yield cluster
    finally:
        if (data / "postmaster.pid").exists():
            cluster._pg_ctl("stop", "-w", "-t", "60", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)
