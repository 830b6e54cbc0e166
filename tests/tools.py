"""External command-line tools for tests: find them, or skip (fail under CI) without them.

Some tests run programs that are not Python packages, such as ``promtool`` and ``amtool``
(Debian packages ``prometheus`` and ``prometheus-alertmanager``, installed by ``.ci/run``)::

    from tests.tools import require_tool

    def test_rules() -> None:
        promtool = require_tool("promtool")
        subprocess.run([promtool, "check", "rules", ...], ...)

Outside CI a missing tool skips the calling test, with the reason in pytest's summary.
Under CI (the environment variable ``CI`` set to a non-empty value, as for the
PostgreSQL tests in ``tests/conftest.py``) it fails the test instead: CI must have the
tools, and a skip there would pass silently.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """Return the path of the executable ``name`` found on ``PATH``.

    When it is missing, skip the calling test, or fail it when ``CI`` is set.
    Call it from a test or fixture (not at import time), so only the tests that
    need the tool are skipped.
    """
    path = shutil.which(name)
    if path is not None:
        return path
    reason = f"{name!r} is not installed (not found on PATH)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must provide it (see .ci/run)", pytrace=False)
    pytest.skip(reason)
