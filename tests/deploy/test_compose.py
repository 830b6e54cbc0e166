"""deploy/compose.yaml and the Dockerfile: every file they mount or copy exists.

No Docker engine runs where the tests run, so these check what would otherwise only fail
at ``docker compose up``: paths, the settings closewatch is given, and the wiring
between the services (SMTP to Mailpit, Grafana to Prometheus).
"""

from __future__ import annotations

import re

import yaml

from monitor.settings import Settings
from tests.deploy.test_prometheus import ROOT

DEPLOY = ROOT / "deploy"


def compose() -> dict[str, dict[str, dict[str, object]]]:
    loaded: dict[str, dict[str, dict[str, object]]] = yaml.safe_load(
        (DEPLOY / "compose.yaml").read_text()
    )
    return loaded


def test_every_mounted_file_exists() -> None:
    mounts = [
        (name, str(volume).split(":")[0])
        for name, service in compose()["services"].items()
        for volume in service.get("volumes", [])  # type: ignore[attr-defined]
    ]
    binds = [(name, source) for name, source in mounts if source.startswith(".")]
    assert len(binds) >= 6
    missing = [f"{name}: {source}" for name, source in binds if not (DEPLOY / source).exists()]
    assert not missing, missing


def test_the_stack_has_its_parts() -> None:
    services = set(compose()["services"])
    assert {"closewatch", "postgres", "prometheus", "alertmanager", "blackbox", "grafana",
            "mailpit"} <= services  # fmt: skip


def test_closewatch_gets_known_settings_and_sends_mail_to_mailpit() -> None:
    environment = compose()["services"]["closewatch"]["environment"]
    assert isinstance(environment, dict)
    known = {f"CLOSEWATCH_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) <= known, sorted(set(environment) - known)
    assert environment["CLOSEWATCH_SMTP_HOST"] == "mailpit"
    assert environment["CLOSEWATCH_DATABASE_URL"].startswith("postgresql+psycopg://")
    Settings.model_validate(
        {k.removeprefix("CLOSEWATCH_").lower(): v for k, v in environment.items()}
    )


def test_the_dockerfile_copies_what_exists() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    sources = [
        part
        for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.MULTILINE)
        for part in line.split()[:-1]
    ]
    assert sources and all((ROOT / source).exists() for source in sources), sources
