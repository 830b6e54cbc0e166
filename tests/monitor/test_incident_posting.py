"""IT posts incident updates and resolutions; bad input is named, nothing is sent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Incident, System
from tests.conftest import NOW

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")


def an_incident(engine: Engine) -> int:
    with session_scope(engine) as session:
        system = System(name="billing", plain_name="the invoicing system")
        session.add(system)
        session.flush()
        incident = Incident(
            system_id=system.id or 0,
            status="open",
            level=3,
            title="billing/web: HTTP 500",
            opened_at=NOW,
        )
        session.add(incident)
        session.flush()
        return incident.id or 0


async def test_an_update_with_jargon_is_posted_with_a_warning(
    client: httpx.AsyncClient, editor: dict[str, str], engine: Engine
) -> None:
    incident = an_incident(engine)

    response = await client.post(f"/api/v1/incidents/{incident}/updates", headers=editor,
                                 json={"message": "The database had a deadlock; we restarted it.", "next_update": "45m"})  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert body["next_update_at"] == "2026-11-25T09:45:00Z"
    assert any("deadlock" in warning for warning in body["warnings"])


async def test_bad_update_input_is_refused_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str], viewer: dict[str, str], engine: Engine
) -> None:
    incident = an_incident(engine)
    url = f"/api/v1/incidents/{incident}/updates"

    soon = await client.post(
        url, headers=editor, json={"message": "Still on it.", "next_update": "soon"}
    )
    empty = await client.post(url, headers=editor, json={"message": "", "next_update": "30m"})
    missing = await client.post(
        "/api/v1/incidents/999/resolve", headers=editor, json={"summary": "Fixed."}
    )
    reader = await client.post(url, headers=viewer, json={"message": "Still on it."})

    assert (soon.status_code, soon.json()["field"]) == (422, "next_update")
    assert empty.status_code == 422 and "message" in empty.json()["detail"]
    assert (missing.status_code, missing.json()["detail"]) == (404, "no incident 999")
    assert reader.status_code == 403
    with session_scope(engine) as session:
        assert session.execute(select(Delivery)).first() is None


@pytest.mark.wallclock
def test_cli_names_a_missing_incident_and_a_bad_duration(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")},
           "CLOSEWATCH_DATA_DIR": str(tmp_path)}  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLOSEWATCH, "incident", *args], capture_output=True, text=True, env=env, timeout=60
        )

    missing = run("resolve", "7", "--summary", "The invoicing system works again.")
    soon = run("update", "7", "--message", "Still on it.", "--next-update", "soon")
    bell = run("update", "7", "--message", "Still on it.\x07\x1b[2J")
    past = run("update", "99999999999999999999", "--message", "Still on it.")

    assert (missing.returncode, missing.stderr.strip()) == (2, "closewatch: error: no incident 7")
    assert soon.returncode == 2 and soon.stderr.strip().startswith(
        "closewatch: error: --next-update: 'soon'"
    )
    assert (bell.returncode, bell.stderr.strip()) == (
        2,
        "closewatch: error: --message: contains a control character (U+0007)",
    )
    assert past.returncode == 2
    assert "Traceback" not in missing.stderr + soon.stderr + bell.stderr + past.stderr
