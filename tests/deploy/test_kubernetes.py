"""The Kubernetes manifests in deploy/kubernetes, validated offline against the API schemas.

``kubernetes-validate`` carries the schemas of each Kubernetes release, so the manifests
are checked strictly (no unknown fields) without a cluster. The tests also check what
the schemas cannot: the probes ask closewatch's real health routes, every variable is a
setting closewatch knows, the site file in the ConfigMap passes ``closewatch config
check``, and the Service and PodDisruptionBudget select the Deployment's pods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from monitor.api import create_app
from monitor.settings import Settings
from monitor.site import check_site
from tests.deploy.test_prometheus import ROOT

KUBERNETES = ROOT / "deploy" / "kubernetes"
VERSION = "1.31.0"  # a release the manifests must suit; the schemas travel with the package


def manifests() -> dict[str, dict[str, Any]]:
    """The resources kustomization.yaml lists, by kind."""
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    found: dict[str, dict[str, Any]] = {}
    for name in kustomization["resources"]:
        document = yaml.safe_load((KUBERNETES / name).read_text())
        found[document["kind"]] = document
    return found


@pytest.mark.parametrize(
    "kind", ["ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"]
)
def test_manifest_is_valid_for_kubernetes(kind: str) -> None:
    kubernetes_validate.validate(manifests()[kind], VERSION, strict=True)


def test_two_replicas_probe_the_real_health_routes(tmp_path: Path) -> None:
    deployment = manifests()["Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    routes = create_app(Settings(data_dir=tmp_path)).openapi()["paths"]

    assert deployment["spec"]["replicas"] == 2
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"/readyz", "/healthz"} <= set(routes)


def test_every_variable_is_a_closewatch_setting() -> None:
    known = {f"CLOSEWATCH_{name.upper()}" for name in Settings.model_fields}
    (container,) = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    named = {variable["name"] for variable in container["env"]} | set(
        manifests()["Secret"]["stringData"]
    )
    assert named <= known, sorted(named - known)
    assert "CLOSEWATCH_DATABASE_URL" in named  # two replicas need PostgreSQL


def test_the_site_file_in_the_configmap_passes_config_check() -> None:
    site, problems = check_site(manifests()["ConfigMap"]["data"]["site.yaml"])
    assert problems == [] and site is not None


def test_service_and_disruption_budget_select_the_pods() -> None:
    pods = manifests()["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget"):
        spec = manifests()[kind]["spec"]
        selector = spec["selector"] if kind == "Service" else spec["selector"]["matchLabels"]
        assert selector.items() <= pods.items(), kind
    assert manifests()["PodDisruptionBudget"]["spec"]["minAvailable"] == 1
